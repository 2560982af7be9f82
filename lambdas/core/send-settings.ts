/**
 * The send engine's settings, as environment variables of the sender and the planner (set by
 * the CDK constructs from CDK context, or by the local mode), validated once at cold start.
 */
import { z } from 'zod';
import { SEND_ENV } from './function-env';

const positive = (name: string) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : Number(v)),
    z
      .number({ error: `${name} must be a number` })
      .positive(`${name} must be positive`)
      .optional(),
  );

const schema = z.object({
  sendRate: positive(SEND_ENV.sendRate),
  sendRateFallback: positive(SEND_ENV.sendRateFallback),
  rateShare: positive(SEND_ENV.rateShare).refine((v) => v === undefined || v <= 1, `${SEND_ENV.rateShare} must be at most 1`),
  senderConcurrency: positive(SEND_ENV.senderConcurrency).refine(
    (v) => v === undefined || Number.isInteger(v),
    `${SEND_ENV.senderConcurrency} must be a whole number`,
  ),
  claimLeaseMs: positive(SEND_ENV.claimLeaseMs),
  planQueueUrl: z.string().min(1).optional(),
});

export type SendSettings = z.infer<typeof schema>;

/** @throws Error naming each bad variable. */
export function readSendSettings(env: NodeJS.ProcessEnv = process.env): SendSettings {
  const raw = Object.fromEntries(Object.entries(SEND_ENV).map(([k, name]) => [k, env[name] === '' ? undefined : env[name]]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid send settings:\n  ${parsed.error.issues.map((i) => i.message).join('\n  ')}`);
  return parsed.data;
}
