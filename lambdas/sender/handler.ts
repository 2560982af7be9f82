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
import { DailyAllowance, Pacer, senderRate, type SendQuota } from '../core/pacing';
import { readSendSettings, type SendSettings } from '../core/send-settings';
import { readEnv } from '../core/env';
import { SEND_BATCH_SIZE, type SendJob } from '../core/model';
import type { ContentStore, ReaderAlertHistory, SendQueue } from '../core/ports';
import type { SigningKeys } from '../core/tokens';
import { prepareAlertCampaign, prepareDigestCampaign, subjectOptions, type SenderSettings } from '../usecases/digest-campaign';
import { DEFAULT_LEASE_MS, invocationCounters, sendBatch, sendPool, type PreparedCampaign, type SendDeps } from '../usecases/send-batch';
import { limiter } from '../core/concurrency';
import { bucketStartOf, readBrakeSettings, SendingBrake, type SendingPause } from '../core/sending-brake';
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

/** Prepared campaigns are reused across batches for a few minutes: rendering once per issue, not per batch. */
export function campaignCache(
  content: ContentStore,
  settings: SenderSettings,
  keys: () => Promise<SigningKeys>,
  ttlMs = 5 * 60_000,
  history?: ReaderAlertHistory,
): (job: SendJob) => Promise<PreparedCampaign> {
  const cache = new Map<string, { at: number; campaign: Promise<PreparedCampaign> }>();
  return (job) => {
    // Each subject of a subject test is a campaign of its own to prepare (its subject line).
    const key = `${job.kind}#${job.campaignId}${job.variant ? `#${job.variant}` : ''}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.campaign;
    const campaign = (async () => {
      if (job.kind === 'alert') {
        const [article] = await content.getArticles([job.campaignId]);
        if (!article) throw new Error(`alert ${job.campaignId}: no such article`);
        return prepareAlertCampaign(article, settings, await keys());
      }
      const issue = await content.getIssue(job.campaignId);
      if (!issue) throw new Error(`campaign ${job.campaignId}: no such issue`);
      const articles = await content.getArticles(issue.articleIds);
      return prepareDigestCampaign(issue, articles, settings, await keys(), history ? { history, content } : undefined, subjectOptions(issue, job.variant));
    })();
    campaign.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), campaign });
    return campaign;
  };
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
      if (result.sent > 0) await deps.recordSends?.(result.sent, deps.clock.now()).catch((e: Error) => logger.error('send counts update failed', { error: e.message }));
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

/**
 * The rate limit of one sender: the fixed rate or the SES quota's share, divided by the most
 * senders that run at once. The quota is read once, on the first batch (a send's start), and
 * refreshed by the daily allowance every minute.
 *
 * `readQuota` answering undefined means the endpoint does not implement GetSendQuota (an
 * emulator; see adapters/send-quota.ts): the fallback rate (the local setting) applies then,
 * with no daily limit, and the endpoint is not asked again by this process. Without a fallback,
 * as on AWS, that is an error. The share applies to an answered quota wherever it comes from:
 * the same rule as on AWS, so a local run against an endpoint with a quota paces as production
 * would, and leaves the same room for confirmation mail sent alongside.
 */
export function ratePorts(settings: SendSettings, readQuota: () => Promise<SendQuota | undefined>): Pick<SendDeps, 'pacer' | 'allowance'> {
  // Monotonic and sub-millisecond: the pacer's windows are 1,000 ms to the microsecond, and a
  // wall clock that steps would open or close one.
  const now = () => performance.now();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const fallback = settings.sendRateFallback;
  let unanswered = false;
  let reading: Promise<SendQuota | undefined> | undefined;
  // The pacer and the allowance ask at once on the first send, or one after the other (the
  // allowance before the send, the pacer as it goes out): one request serves both.
  const quota = (): Promise<SendQuota | undefined> => {
    if (unanswered) return Promise.resolve(undefined);
    reading ??= readQuota()
      .then((q) => {
        if (q !== undefined) return q;
        if (fallback === undefined) throw new Error('the SES endpoint does not answer GetSendQuota, and no fallback send rate is set');
        unanswered = true;
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  /** The process's first answer, kept for the pacer and the allowance's first look (a failed one is asked again). */
  let first: Promise<SendQuota | undefined> | undefined;
  const firstQuota = () =>
    (first ??= quota().catch((e: unknown) => {
      first = undefined;
      throw e;
    }));
  let pacer: Promise<Pacer> | undefined;
  const makePacer = async () => {
    const q = settings.sendRate === undefined ? await firstQuota() : undefined;
    const source = settings.sendRate !== undefined ? 'fixed' : q ? 'quota' : 'fallback';
    const rate = senderRate(q, { fixedRate: settings.sendRate ?? (q ? undefined : fallback), share: settings.rateShare, concurrency: settings.senderConcurrency });
    logger.info('send rate', { perSender: rate, concurrency: settings.senderConcurrency ?? 1, source, maxSendRate: q?.maxSendRate });
    return new Pacer(rate, now, sleep);
  };
  // A fixed rate is a local or test setting: there is no quota to count down then; nor is
  // there one from an endpoint that does not answer (unlimited, as the emulator is).
  const unlimited: SendQuota = { maxSendRate: fallback ?? 1, max24HourSend: -1, sentLast24Hours: 0 };
  // The allowance's later reads (every minute) ask SES again: the daily count moves.
  let looked = false;
  const allowanceQuota = () => {
    const fresh = looked;
    looked = true;
    return fresh ? quota() : firstQuota();
  };
  const allowance = settings.sendRate === undefined ? new DailyAllowance(async () => (await allowanceQuota()) ?? unlimited, now) : undefined;
  return {
    pacer: {
      take: async () => {
        pacer ??= makePacer().catch((e) => {
          pacer = undefined;
          throw e;
        });
        await (await pacer).take();
      },
    },
    allowance,
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
  const db = dynamoPorts(documentClient(), { content: env.contentTable, subscribers: env.subscribersTable, deliveries: env.deliveriesTable });
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
export const handler = withLambdaContext((event: SQSEvent, context?: Context) => (fromEnv ??= makeSenderHandler(depsFromEnv()))(event, context));
