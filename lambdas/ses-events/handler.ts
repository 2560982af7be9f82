/**
 * SES events. SES publishes bounce, complaint and delivery events of the configuration set to
 * an SNS topic; this function is subscribed to it. It reads the notifications and applies
 * them (lambdas/usecases/ses-events.ts). A failure throws, so Lambda retries the SNS delivery
 * and, after that, the event goes to the function's dead-letter queue.
 */
import type { SNSEvent } from 'aws-lambda';
import { documentClient } from '../adapters/clients';
import { DynamoDeliveryEvents } from '../adapters/delivery-events';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { DynamoSubscriptionStore } from '../adapters/subscriptions';
import { systemClock } from '../adapters/system-clock';
import { readEnv } from '../core/env';
import { applySesEvents, parseSesEvents, type SesEventsDeps, type SesEventsReport } from '../usecases/ses-events';

export function makeSesEventsHandler(deps: SesEventsDeps) {
  return async (event: SNSEvent | unknown): Promise<SesEventsReport> => {
    const events = parseSesEvents(event);
    const report = await applySesEvents(deps, events);
    logger.info('ses events applied', { ...report });
    return report;
  };
}

function depsFromEnv(): SesEventsDeps {
  const env = readEnv(['subscribersTable', 'deliveriesTable']);
  return {
    subscribers: new DynamoSubscriptionStore(documentClient(), env.subscribersTable),
    deliveries: new DynamoDeliveryEvents(documentClient(), env.deliveriesTable),
    clock: systemClock,
    log: (e, f) => logger.info(e, f),
  };
}

let fromEnv: ReturnType<typeof makeSesEventsHandler> | undefined;
export const handler = withLambdaContext((event: SNSEvent) => (fromEnv ??= makeSesEventsHandler(depsFromEnv()))(event));
