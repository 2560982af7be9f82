/**
 * Alert planner. Started by the Content table's stream (on AWS an event source whose filter
 * criteria, in filter.ts, pass only new or newly breaking articles; locally the stream poller
 * applies the same filters). Thin glue: read the article id from each record, run planAlert.
 * Partial batch failures: a record that fails is retried on its own.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { planAlert, type AlertPlanDeps } from '../usecases/plan-alert';
import { documentClient, dynamoPorts, sqsClient, sqsPorts, systemClock } from '../wiring';

const imageSchema = z.object({
  kind: z.object({ S: z.literal('article') }),
  id: z.object({ S: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/) }),
});

/** The article id of a stream record, or an error that names what is wrong with the record. */
export function articleIdOf(record: DynamoDBRecord): string {
  const parsed = imageSchema.safeParse(record.dynamodb?.NewImage);
  if (!parsed.success) throw new Error(`alert planner: record ${record.eventID ?? '?'} is not an article image`);
  return parsed.data.id.S;
}

export function makeAlertPlannerHandler(deps: AlertPlanDeps) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const one = async (record: DynamoDBRecord) => {
    const result = await planAlert(deps, articleIdOf(record));
    logger.info('alert planned', { ...result });
  };
  return (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, one, processor, { context: context as Context });
}

function depsFromEnv(): AlertPlanDeps {
  const env = readEnv(['contentTable', 'subscribersTable', 'deliveriesTable', 'sendQueueUrl', 'alertDailyCap']);
  const db = dynamoPorts(documentClient(), {
    content: env.contentTable,
    subscribers: env.subscribersTable,
    deliveries: env.deliveriesTable,
  });
  return {
    content: db.content,
    subscribers: db.subscribers,
    queue: sqsPorts(sqsClient(), env).queue,
    clock: systemClock,
    caps: db.caps,
    history: db.history,
    counters: db.counters,
    dailyCap: env.alertDailyCap,
  };
}

let fromEnv: ReturnType<typeof makeAlertPlannerHandler> | undefined;
export const handler = withLambdaContext((event: DynamoDBStreamEvent, context?: Context) =>
  (fromEnv ??= makeAlertPlannerHandler(depsFromEnv()))(event, context),
);
