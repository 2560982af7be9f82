/**
 * Digest planner. Invoked by EventBridge Scheduler (input `{}`: the latest issue), by an
 * issue's one-time schedule (`{ "issueId": "...", "scheduled": true }`: that issue, at its
 * `sendAt`) or on demand with `{ "issueId": "..." }`. Thin glue: validate the event, run
 * planDigest (or planScheduledIssue), log the result.
 */
import { z } from 'zod';
import { readSendSettings } from '../core/send-settings';
import type { Context } from 'aws-lambda';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { planDigest } from '../usecases/plan-digest';
import { planScheduledIssue, type ScheduledPlanDeps, type ScheduledPlanResult } from '../usecases/plan-scheduled';
import { subjectTestPorts } from '../usecases/subject-test';
import { documentClient, dynamoPorts, issueSchedulerFromEnv, sqsClient, sqsPorts, systemClock } from '../wiring';

const eventSchema = z
  .object({
    issueId: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      .optional(),
    resume: z.boolean().optional(),
    from: z.object({ shard: z.number().int().min(0), cursor: z.string().min(1).optional(), queued: z.number().int().min(0).optional() }).optional(),
    /** From the issue's one-time schedule: plan it if its `sendAt` has come, then remove the schedule. */
    scheduled: z.literal(true).optional(),
  })
  .loose()
  .refine((e) => !e.scheduled || e.issueId !== undefined, { message: 'a scheduled run names its issue', path: ['issueId'] });

/** An SQS event: continuations of a large plan arrive from the planner's own queue. */
const sqsSchema = z.object({ Records: z.array(z.object({ body: z.string() })).min(1) }).loose();

export function makePlannerHandler(deps: ScheduledPlanDeps) {
  const one = async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ScheduledPlanResult> => {
    const parsed = eventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new Error(`digest planner: bad event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const timeLeftMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : deps.timeLeftMs;
    const { scheduled, ...input } = parsed.data;
    const result = scheduled ? await planScheduledIssue({ ...deps, timeLeftMs }, input.issueId!) : await planDigest({ ...deps, timeLeftMs }, input);
    logger.info('digest planned', { ...result });
    return result;
  };
  return async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ScheduledPlanResult> => {
    const sqs = sqsSchema.safeParse(event);
    if (!sqs.success) return one(event, context);
    let last: ScheduledPlanResult | undefined;
    for (const record of sqs.data.Records) last = await one(JSON.parse(record.body), context);
    return last!;
  };
}

function depsFromEnv(): ScheduledPlanDeps {
  const env = readEnv(['contentTable', 'subscribersTable', 'sendQueueUrl', 'deliveriesTable']);
  const { planQueueUrl } = readSendSettings();
  const db = dynamoPorts(documentClient(), { content: env.contentTable, subscribers: env.subscribersTable, deliveries: env.deliveriesTable });
  const { queue, continuation } = sqsPorts(sqsClient(), { sendQueueUrl: env.sendQueueUrl, planQueueUrl });
  return {
    content: db.content,
    subscribers: db.subscribers,
    queue,
    clock: systemClock,
    counters: db.counters,
    continuation,
    schedules: issueSchedulerFromEnv(),
    subjectTests: subjectTestPorts(db),
  };
}

let fromEnv: ReturnType<typeof makePlannerHandler> | undefined;
export const handler = withLambdaContext((event: unknown, context?: Context) => (fromEnv ??= makePlannerHandler(depsFromEnv()))(event, context));
