/**
 * Digest planner. Invoked by EventBridge Scheduler (input `{}`: the latest issue) or on demand
 * with `{ "issueId": "..." }`. Thin glue: validate the event, run planDigest, log the result.
 */
import { z } from 'zod';
import { documentClient, sqsClient } from '../adapters/clients';
import { DynamoContentStore, DynamoSubscriberStore } from '../adapters/dynamodb';
import { logger } from '../adapters/logger';
import { SqsSendQueue } from '../adapters/sqs-queue';
import { systemClock } from '../adapters/system-clock';
import { readEnv } from '../core/env';
import { planDigest, type PlanDeps, type PlanResult } from '../usecases/plan-digest';

const eventSchema = z.object({ issueId: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/).optional() }).loose();

export function makePlannerHandler(deps: PlanDeps) {
  return async (event: unknown): Promise<PlanResult> => {
    const parsed = eventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new Error(`digest planner: bad event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const result = await planDigest(deps, { issueId: parsed.data.issueId });
    logger.info('digest planned', { ...result });
    return result;
  };
}

function depsFromEnv(): PlanDeps {
  const env = readEnv(['contentTable', 'subscribersTable', 'sendQueueUrl']);
  return {
    content: new DynamoContentStore(documentClient(), env.contentTable),
    subscribers: new DynamoSubscriberStore(documentClient(), env.subscribersTable),
    queue: new SqsSendQueue(sqsClient(), env.sendQueueUrl),
    clock: systemClock,
  };
}

let fromEnv: ReturnType<typeof makePlannerHandler> | undefined;
export const handler = (event: unknown) => (fromEnv ??= makePlannerHandler(depsFromEnv()))(event);
