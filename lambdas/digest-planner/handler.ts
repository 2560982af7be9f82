/**
 * Digest planner. Invoked by EventBridge Scheduler (input `{}`: the latest issue; every 15
 * minutes in local-time mode), by an issue's one-time schedule (`{ "issueId": "...",
 * "scheduled": true }`: that issue, at its `sendAt`, or the rest of its subject test) or on
 * demand with `{ "issueId": "..." }`. Thin glue: validate the event, run planDigest,
 * planScheduledIssue or planLocalTime (DIGEST_DELIVERY=local-time), log the result.
 */
import { z } from 'zod';
import { readSendSettings } from '../core/send-settings';
import type { Context } from 'aws-lambda';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { planDigest } from '../usecases/plan-digest';
import { planLocalTime, type LocalTimePlanResult } from '../usecases/plan-local-time';
import { planScheduledIssue, type ScheduledPlanDeps, type ScheduledPlanResult } from '../usecases/plan-scheduled';
import {
  documentClient,
  dynamoPorts,
  issueSchedulerFromEnv,
  plannerPorts,
  sqsClient,
  sqsPorts,
  systemClock,
  type LocalTimePorts,
} from '../wiring';

const eventSchema = z
  .object({
    issueId: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      .optional(),
    resume: z.boolean().optional(),
    from: z
      .object({ shard: z.number().int().min(0), cursor: z.string().min(1).optional(), queued: z.number().int().min(0).optional() })
      .optional(),
    /** From the issue's one-time schedule: plan it if its `sendAt` has come, then remove the schedule. */
    scheduled: z.literal(true).optional(),
  })
  .loose()
  .refine((e) => !e.scheduled || e.issueId !== undefined, { message: 'a scheduled run names its issue', path: ['issueId'] });

/** An SQS event: continuations of a large plan arrive from the planner's own queue. */
const sqsSchema = z.object({ Records: z.array(z.object({ body: z.string() })).min(1) }).loose();

/** What local-time mode adds to the planner's ports. */
export type LocalTimeDeps = LocalTimePorts;

type PlannerHandler<R> = (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<R>;
type Result = ScheduledPlanResult | LocalTimePlanResult;

/** With `localTime`, a plain run (no issue's schedule, no continuation, no resume) plans in local-time mode. */
export function makePlannerHandler(deps: ScheduledPlanDeps): PlannerHandler<ScheduledPlanResult>;
export function makePlannerHandler(deps: ScheduledPlanDeps, localTime: LocalTimeDeps | undefined): PlannerHandler<Result>;
export function makePlannerHandler(deps: ScheduledPlanDeps, localTime?: LocalTimeDeps): PlannerHandler<Result> {
  const one = async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<Result> => {
    const parsed = eventSchema.safeParse(event ?? {});
    if (!parsed.success)
      throw new Error(`digest planner: bad event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (localTime && !parsed.data.scheduled && !parsed.data.from && !parsed.data.resume) {
      const result = await planLocalTime({ ...deps, ...localTime }, { issueId: parsed.data.issueId });
      logger.info('digest planned (local time)', { ...result, zones: 'zones' in result ? result.zones.length : 0 });
      return result;
    }
    const timeLeftMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : deps.timeLeftMs;
    const { scheduled, ...input } = parsed.data;
    const result = scheduled
      ? await planScheduledIssue({ ...deps, timeLeftMs }, input.issueId!)
      : await planDigest({ ...deps, timeLeftMs }, input);
    logger.info('digest planned', { ...result });
    return result;
  };
  return async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<Result> => {
    const sqs = sqsSchema.safeParse(event);
    if (!sqs.success) return one(event, context);
    let last: Result | undefined;
    for (const record of sqs.data.Records) last = await one(JSON.parse(record.body), context);
    return last!;
  };
}

function depsFromEnv(): [ScheduledPlanDeps, LocalTimeDeps | undefined] {
  const env = readEnv(['contentTable', 'subscribersTable', 'sendQueueUrl', 'deliveriesTable', 'digestDelivery', 'digestLocalTime']);
  const { planQueueUrl } = readSendSettings();
  const db = dynamoPorts(documentClient(), {
    content: env.contentTable,
    subscribers: env.subscribersTable,
    deliveries: env.deliveriesTable,
  });
  const { queue, continuation } = sqsPorts(sqsClient(), { sendQueueUrl: env.sendQueueUrl, planQueueUrl });
  const ports = plannerPorts(
    db,
    { queue, clock: systemClock, continuation, schedules: issueSchedulerFromEnv() },
    env.digestDelivery === 'local-time' ? env.digestLocalTime : undefined,
  );
  return [ports.plan, ports.localTime];
}

let fromEnv: PlannerHandler<Result> | undefined;
export const handler = withLambdaContext((event: unknown, context?: Context) =>
  (fromEnv ??= makePlannerHandler(...depsFromEnv()))(event, context),
);
