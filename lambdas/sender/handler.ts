/**
 * Sender. Triggered by the send queue (SQS, one job of up to 50 recipients per message).
 * Reports partial batch failures through Powertools' batch processor, so only the jobs that
 * still have recipients to retry come back; the ledger makes those retries safe.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, sesClient } from '../adapters/clients';
import { DynamoContentStore, DynamoLedger, DynamoReaderAlertHistory } from '../adapters/dynamodb';
import { logger } from '../adapters/logger';
import { SesMailer } from '../adapters/ses-mailer';
import { signingKeysLoader } from '../adapters/signing-keys';
import { systemClock } from '../adapters/system-clock';
import { readEnv } from '../core/env';
import { SEND_BATCH_SIZE, type SendJob } from '../core/model';
import type { ContentStore, ReaderAlertHistory } from '../core/ports';
import type { SigningKeys } from '../core/tokens';
import { prepareAlertCampaign, prepareDigestCampaign, type SenderSettings } from '../usecases/digest-campaign';
import { sendBatch, type PreparedCampaign, type SendDeps } from '../usecases/send-batch';

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
    const key = `${job.kind}#${job.campaignId}`;
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
      return prepareDigestCampaign(issue, articles, settings, await keys(), history ? { history, content } : undefined);
    })();
    campaign.catch(() => cache.delete(key));
    cache.set(key, { at: Date.now(), campaign });
    return campaign;
  };
}

export function makeSenderHandler(deps: SendDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const record = async (r: SQSRecord) => {
    const job = parseJob(r.body);
    const result = await sendBatch(deps, job);
    logger.info('batch sent', {
      campaignId: job.campaignId,
      sent: result.sent,
      skipped: result.skipped,
      failed: result.failed,
      retry: result.retry.length,
      receiveCount: r.attributes?.ApproximateReceiveCount,
    });
    if (result.retry.length > 0) throw new RetryLater(`${result.retry.length} recipients to retry`);
  };
  return (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, record, processor, {
      context: context as Context,
      // A job handed back for retry is normal flow (throttling), not a function error.
      throwOnFullBatchFailure: false,
    });
}

function depsFromEnv(): SendDeps {
  const env = readEnv(['contentTable', 'deliveriesTable', 'senderEmail', 'senderName', 'publicBaseUrl', 'configurationSet', 'tokenSecretArn', 'tokenKeys']);
  const content = new DynamoContentStore(documentClient(), env.contentTable);
  return {
    ledger: new DynamoLedger(documentClient(), env.deliveriesTable),
    mailer: new SesMailer(sesClient(), env.configurationSet),
    clock: systemClock,
    campaign: campaignCache(content, env, signingKeysLoader(env), undefined, new DynamoReaderAlertHistory(documentClient(), env.deliveriesTable)),
    log: (event, fields) => logger.warn(event, fields),
  };
}

let fromEnv: ReturnType<typeof makeSenderHandler> | undefined;
export const handler = (event: SQSEvent, context?: Context) => (fromEnv ??= makeSenderHandler(depsFromEnv()))(event, context);
