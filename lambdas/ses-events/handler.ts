/**
 * SES events. SES publishes bounce, complaint and delivery events of the configuration set to
 * an SNS topic; this function is subscribed to it. It reads the notifications and applies
 * them (lambdas/usecases/ses-events.ts). A failure throws, so Lambda retries the invocation twice
 * and, after that, the event goes to the function's on-failure destination (an alarmed queue,
 * lib/constructs/ses-events.ts); what SNS could not hand to Lambda at all goes to the
 * subscription's dead-letter queue.
 */
import type { SNSEvent } from 'aws-lambda';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { applySesEvents, parseSesEvents, type SesEventsDeps, type SesEventsReport } from '../usecases/ses-events';
import { readBrakeSettings } from '../core/sending-state';
import { recordReputation, reputationSignals } from '../core/reputation';
import { metricsFromEnv, type SendMetrics } from '../adapters/metrics';
import { documentClient, dynamoPorts, systemClock } from '../wiring';

export function makeSesEventsHandler(deps: SesEventsDeps & { metrics?: SendMetrics }) {
  return async (event: unknown): Promise<SesEventsReport> => {
    const events = parseSesEvents(event);
    const report = await applySesEvents(deps, events);
    logger.info('ses events applied', { ...report });
    if (deps.metrics) {
      deps.metrics.count('Bounced', report.bounces);
      deps.metrics.count('Complained', report.complaints);
      deps.metrics.flush();
    }
    return report;
  };
}

function depsFromEnv(): SesEventsDeps & { metrics?: SendMetrics } {
  const env = readEnv(['subscribersTable', 'deliveriesTable']);
  const db = dynamoPorts(documentClient(), { subscribers: env.subscribersTable, deliveries: env.deliveriesTable });
  return {
    subscribers: db.subscriptions,
    deliveries: db.deliveryEvents,
    clock: systemClock,
    log: (e, f) => logger.info(e, f),
    reputation: reputationFromEnv(env.deliveriesTable),
    metrics: metricsFromEnv(),
  };
}

/** The reputation brake's counting, on the Deliveries table (adapters/dynamodb/sending-state.ts). */
export function reputationFromEnv(deliveriesTable: string): SesEventsDeps['reputation'] {
  const store = dynamoPorts(documentClient(), { deliveries: deliveriesTable }).sendingState;
  const settings = readBrakeSettings();
  return async (events, campaignOf) => {
    const pause = await recordReputation({ store, now: () => systemClock.now(), settings }, reputationSignals(events, campaignOf));
    if (pause) logger.warn('reputation brake: sending paused', { reason: pause.reason });
  };
}

let fromEnv: ReturnType<typeof makeSesEventsHandler> | undefined;
export const handler = withLambdaContext((event: SNSEvent) => (fromEnv ??= makeSesEventsHandler(depsFromEnv()))(event));
