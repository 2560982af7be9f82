/**
 * Sender. Triggered by the send queue (SQS, one job of up to 50 recipients per message, a few
 * messages per invocation). Reports partial batch failures through Powertools' batch
 * processor, so only the jobs that still have recipients to retry come back; the ledger makes
 * those retries safe. Recipients an invocation has no time left for are queued again as a new
 * job rather than cut off mid-send. While sending is paused account-wide (core/sending-brake.ts)
 * a job goes back as a new message with a delay until the next probe: a new message has a fresh
 * receive count, so a long pause never sends it to the dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { ratePorts } from '../adapters/send-rate';
import { readSendSettings } from '../core/send-settings';
import { readEnv } from '../core/env';
import { SEND_BATCH_SIZE, type SendJob } from '../core/model';
import type { SendQueue } from '../core/ports';
import { campaignCache } from '../usecases/campaign-cache';
import { DEFAULT_LEASE_MS, invocationCounters, sendBatch, sendPool, type SendDeps } from '../usecases/send-batch';
import { limiter } from '../core/concurrency';
import { bucketStartOf, readBrakeSettings, type SendingPause } from '../core/sending-state';
import { SendingBrake } from '../core/sending-brake';
import { metricsFromEnv, type SendMetrics } from '../adapters/metrics';
import { documentClient, dynamoPorts, sesClient, sesPorts, signingKeysLoader, sqsClient, sqsPorts, systemClock } from '../wiring';

const jobSchema = z.object({
  campaignId: z.string().min(1),
  kind: z.enum(['digest', 'alert']),
  recipients: z
    .array(
      z.object({
        subscriberId: z.string().min(1),
        email: z.string().min(3),
        matchedTopics: z.array(z.string().min(1)).max(20).optional(),
      }),
    )
    .min(1)
    .max(SEND_BATCH_SIZE),
  variant: z.enum(['a', 'b']).optional(),
});

export function parseJob(body: string): SendJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('send job is not JSON');
  }
  return jobSchema.parse(json);
}

/** Thrown to hand a job back to the queue: some recipients are to be retried. */
export class RetryLater extends Error {
  name = 'RetryLater';
}

export interface SenderHandlerDeps extends SendDeps {
  /** Jobs of one invocation worked on at once: the next is checked and claimed while one finishes. @default 2 */
  lanes?: number;
  /**
   * Where the recipients a deadline stopped go: queued again at once, as a new job. Without
   * it, their job comes back after the queue's visibility timeout, like a throttled one.
   */
  requeue?: SendQueue;
  /** The account-wide pause, shared by every invocation of this process. */
  brake?: SendDeps['brake'] & { delayFor(pause: SendingPause | undefined): number };
  /** Counts Sent, Failed, Throttled, Suppressed, SendingPaused per invocation. @default none */
  metrics?: SendMetrics;
  /** Adds an invocation's sends to the account's send counts (the reputation brake's denominator, the quota estimate). */
  recordSends?: (sent: number, at: Date) => Promise<void>;
}

/**
 * The SQS handler. Each invocation has its own batch processor (its record of failures), its
 * own send slots shared by its jobs, the time Lambda gives it, and one counters update for all
 * its jobs, written when they are done.
 */
export function makeSenderHandler(deps: SenderHandlerDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    const pool = sendPool(deps.concurrency ?? 8);
    const tally = deps.counters && invocationCounters(deps.counters);
    const lanes = limiter(deps.lanes ?? 2);
    const remainingMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : deps.remainingMs;
    let order = 0;
    const totals = { sent: 0, failed: 0, throttled: 0, suppressed: 0, paused: 0 };
    const record = async (r: SQSRecord) => {
      // Records start in event order: the earlier job is served first.
      const priority = order++;
      const job = parseJob(r.body);
      const result = await lanes(() => sendBatch({ ...deps, pool, priority, remainingMs, counters: tally?.counters }, job), priority);
      logger.info('batch sent', {
        campaignId: job.campaignId,
        sent: result.sent,
        skipped: result.skipped,
        failed: result.failed,
        suppressed: result.suppressed,
        throttled: result.throttled,
        reclaimed: result.reclaimed,
        paused: result.paused,
        outOfTime: result.outOfTime,
        retry: result.retry.length,
        receiveCount: r.attributes?.ApproximateReceiveCount,
        ...(result.paused ? { pause: result.pause?.kind ?? 'unconfirmed', reason: result.pause?.reason } : {}),
      });
      // Counted per job, not per invocation: bounces can come back while the invocation still sends.
      if (result.sent > 0)
        await deps
          .recordSends?.(result.sent, deps.clock.now())
          .catch((e: Error) => logger.error('send counts update failed', { error: e.message }));
      totals.sent += result.sent;
      totals.failed += result.failed;
      totals.throttled += result.throttled;
      totals.suppressed += result.suppressed;
      if (result.paused) totals.paused++;
      if (result.retry.length === 0) return;
      if (result.paused && deps.brake && deps.requeue) {
        // Paused: back as a new message, after the next probe is due (at most SQS's 15 minutes).
        await deps.requeue.enqueue([{ ...job, recipients: result.retry }], { delayMs: deps.brake.delayFor(result.pause) });
        return;
      }
      if (result.outOfTime && deps.requeue) {
        // Not a failure: the invocation ran out of time. The rest goes back as a new job (a
        // fresh receive count), and this one is done; should it come back anyway, the ledger
        // skips whoever was served.
        await deps.requeue.enqueue([{ ...job, recipients: result.retry }]);
        return;
      }
      throw new RetryLater(`${result.retry.length} recipients to retry`);
    };
    try {
      return await processPartialResponse(event, record, processor, {
        context: context as Context,
        // A job handed back for retry is normal flow (throttling), not a function error.
        throwOnFullBatchFailure: false,
      });
    } finally {
      // Counters show progress; the ledger is the truth. A lost update must not resend a job.
      await tally?.flush().catch((e: Error) => logger.error('counters update failed', { error: e.message }));
      const m = deps.metrics;
      if (m) {
        m.count('Sent', totals.sent);
        m.count('Failed', totals.failed);
        m.count('Throttled', totals.throttled);
        m.count('Suppressed', totals.suppressed);
        // One a job found or left paused: the alarm fires on any, for as long as jobs keep coming back paused.
        m.count('SendingPaused', totals.paused);
        m.flush();
      }
    }
  };
}

/** The sender's ports from its environment; `requeue` defaults to the send queue (SEND_QUEUE_URL). */
export function depsFromEnv(requeue?: SendQueue): SenderHandlerDeps {
  const env = readEnv([
    'contentTable',
    'deliveriesTable',
    'subscribersTable',
    'senderEmail',
    'senderName',
    'publicBaseUrl',
    'configurationSet',
    'tokenSecretArn',
    'tokenKeys',
    'organisationName',
    'postalAddress',
    'replyToEmail',
    'clickTracking',
  ]);
  const settings = readSendSettings();
  const db = dynamoPorts(documentClient(), {
    content: env.contentTable,
    subscribers: env.subscribersTable,
    deliveries: env.deliveriesTable,
  });
  const ses = sesPorts(sesClient(), env.configurationSet);
  const leaseMs = settings.claimLeaseMs ?? DEFAULT_LEASE_MS;
  const brakeSettings = readBrakeSettings();
  return {
    brake: new SendingBrake(db.sendingState, () => systemClock.now(), brakeSettings, ses.readQuota),
    metrics: metricsFromEnv(),
    recordSends: (sent, at) => db.sendingState.addCounts(bucketStartOf(at.getTime(), brakeSettings.bucketMs), { sends: sent }),
    ledger: db.ledger,
    mailer: ses.mailer,
    clock: systemClock,
    campaign: campaignCache(db.content, env, signingKeysLoader(env), undefined, db.history),
    gate: db.gate,
    counters: db.counters,
    ...ratePorts(settings, settings.sendRateFallback === undefined ? ses.readQuota : ses.askQuota),
    leaseMs,
    // A claim that goes stale within a few seconds is waited for rather than handed back.
    maxLeaseWaitMs: Math.min(leaseMs, 10_000),
    log: (event, fields) => logger.warn(event, fields),
    requeue: requeue ?? sqsPorts(sqsClient(), readEnv(['sendQueueUrl'])).queue,
  };
}

let fromEnv: ReturnType<typeof makeSenderHandler> | undefined;
export const handler = withLambdaContext((event: SQSEvent, context?: Context) =>
  (fromEnv ??= makeSenderHandler(depsFromEnv()))(event, context),
);
