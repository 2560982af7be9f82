/**
 * What the API hands to the sign-ups function through the sign-up queue (SQS on AWS, an
 * in-process queue with SQS's contract locally): a web sign-up to look up, store and confirm,
 * or a welcome to send once an address is confirmed. The API only checks the request and
 * queues it, so its answer takes the same time whether the address is new or known, and it
 * needs no right to send mail. Pure: the job's shape and its check.
 */
import { z } from 'zod';
import { choicesSchema } from './subscription';

const meta = z.object({ page: z.string().max(300), ip: z.string().max(64), userAgent: z.string().max(300) });

export const signupJobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('subscribe'),
    /** As the reader typed it (normalised by the API; checked again by the function). */
    email: z.string().max(600),
    choices: choicesSchema(),
    meta,
    /** When the request arrived (ISO): the consent record's time. */
    at: z.iso.datetime(),
  }),
  z.object({
    kind: z.literal('welcome'),
    subscriberId: z.string().min(1).max(100),
    at: z.iso.datetime(),
  }),
]);

export type SignupJob = z.infer<typeof signupJobSchema>;

/** Read a queued job; throws with what is wrong (the queue then keeps it for its dead-letter queue). */
export function parseSignupJob(body: string): SignupJob {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('sign-up job: not JSON');
  }
  const r = signupJobSchema.safeParse(value);
  if (!r.success) throw new Error(`sign-up job: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return r.data;
}
