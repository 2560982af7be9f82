/**
 * Digest planner. Invoked by EventBridge Scheduler (input `{}`: the latest issue) or on demand
 * with `{ "issueId": "..." }`. Thin glue: validate the event, run planDigest, log the result.
 */
import { z } from 'zod';
import { readSendSettings } from '../core/send-settings';
import type { Context } from 'aws-lambda';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { planDigest, type PlanDeps, type PlanResult } from '../usecases/plan-digest';
import { subjectTestPorts } from '../usecases/subject-test';
import { documentClient, dynamoPorts, sqsClient, sqsPorts, systemClock } from '../wiring';

const eventSchema = z
  .object({
    issueId: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      .optional(),
    resume: z.boolean().optional(),
    from: z.object({ shard: z.number().int().min(0), cursor: z.string().min(1).optional(), queued: z.number().int().min(0).optional() }).optional(),
  })
  .loose();

/** An SQS event: continuations of a large plan arrive from the planner's own queue. */
const sqsSchema = z.object({ Records: z.array(z.object({ body: z.string() })).min(1) }).loose();

export function makePlannerHandler(deps: PlanDeps) {
  const one = async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PlanResult> => {
    const parsed = eventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new Error(`digest planner: bad event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const timeLeftMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : deps.timeLeftMs;
    const result = await planDigest({ ...deps, timeLeftMs }, parsed.data);
    logger.info('digest planned', { ...result });
    return result;
  };
  return async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PlanResult> => {
    const sqs = sqsSchema.safeParse(event);
    if (!sqs.success) return one(event, context);
    let last: PlanResult | undefined;
    for (const record of sqs.data.Records) last = await one(JSON.parse(record.body), context);
    return last!;
  };
}

function depsFromEnv(): PlanDeps {
  const env = readEnv(['contentTable', 'subscribersTable', 'sendQueueUrl', 'deliveriesTable']);
  const { planQueueUrl } = readSendSettings();
  const db = dynamoPorts(documentClient(), { content: env.contentTable, subscribers: env.subscribersTable, deliveries: env.deliveriesTable });
  const { queue, continuation } = sqsPorts(sqsClient(), { sendQueueUrl: env.sendQueueUrl, planQueueUrl });
  return { content: db.content, subscribers: db.subscribers, queue, clock: systemClock, counters: db.counters, continuation, subjectTests: subjectTestPorts(db) };
}

let fromEnv: ReturnType<typeof makePlannerHandler> | undefined;
export const handler = withLambdaContext((event: unknown, context?: Context) => (fromEnv ??= makePlannerHandler(depsFromEnv()))(event, context));
