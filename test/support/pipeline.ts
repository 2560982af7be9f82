/**
 * The digest pipeline wired for an integration test: the real handlers and DynamoDB/SES
 * adapters, per-test tables in DynamoDB Local, the SES emulator behind a recording proxy, the
 * in-process queue with SQS's contract, and the HTTP API on a free port.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SESClient } from '@aws-sdk/client-ses';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import type { LocalQueueOptions } from '../../lib/local/queue';
import { makeApiHandler } from '../../lambdas/api/handler';
import { makePlannerHandler } from '../../lambdas/digest-planner/handler';
import { makeSenderHandler, type SenderHandlerDeps } from '../../lambdas/sender/handler';
import { campaignCache } from '../../lambdas/usecases/campaign-cache';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { documentClient, dynamoPorts, sesPorts, systemClock } from '../../lambdas/wiring';
import { LateSendQueue, LocalQueue, type DeadLetterMessage } from '../../lib/local/queue';
import { serveHttp } from '../../lib/local/http';
import { markdownFilesUnder } from '../../lib/local/files';
import { createTestTables } from './tables';
import { startSesRecorder, type SesRecorderOptions } from '../../lib/local/ses-recorder';

export const TEST_KEYS = JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') });

export interface PipelineOptions {
  recorder?: SesRecorderOptions;
  /** Replace or wrap the sender's dependencies (fault injection: a ledger or mailer that fails at a chosen step). */
  sender?: (deps: SenderHandlerDeps, made: { tables: Awaited<ReturnType<typeof createTestTables>>; ses: SESClient }) => SenderHandlerDeps;
  /** Queue settings (jobs an invocation, its timeout, retry delay, receives before dead-lettering, concurrency). */
  queue?: Partial<
    Pick<LocalQueueOptions, 'batchSize' | 'timeoutMs' | 'concurrency' | 'retryDelayMs' | 'maxReceiveCount' | 'visibilityTimeoutMs'>
  >;
  /** SES client settings, e.g. a request timeout. */
  ses?: ConstructorParameters<typeof SESClient>[0];
}

export async function startPipeline(options: PipelineOptions = {}) {
  const tables = await createTestTables('pipe');
  const recorder = await startSesRecorder(process.env.AWS_ENDPOINT_URL_SES!, options.recorder);
  const { content, subscribers, subscriptions, ledger, history, caps, counters, gate, clicks, deliveryEvents } = dynamoPorts(
    documentClient(),
    tables.names,
  );
  const keys = parseSigningKeys(TEST_KEYS);
  const ses = new SESClient({ endpoint: recorder.endpoint, maxAttempts: 1, ...options.ses });

  // The queue is made after the sender that queues into it (what a deadline stops goes back).
  const requeue = new LateSendQueue();
  const baseDeps: SenderHandlerDeps = {
    requeue,
    gate,
    counters,
    ledger,
    mailer: sesPorts(ses, 'briefing-test').mailer,
    clock: systemClock,
    campaign: campaignCache(
      content,
      {
        senderEmail: 'brief@news.example.com',
        senderName: 'EU–Japan Security Brief',
        publicBaseUrl: 'http://127.0.0.1:1',
        configurationSet: 'briefing-test',
        organisationName: 'Sample Publishers',
        postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
      },
      () => Promise.resolve(keys),
      undefined,
      history,
    ),
  };
  const sender = makeSenderHandler(options.sender ? options.sender(baseDeps, { tables, ses }) : baseDeps);
  const deadLetters: DeadLetterMessage[] = [];
  const queue = new LocalQueue({
    name: 'send',
    handler: sender,
    batchSize: SEND_JOBS_PER_INVOCATION,
    concurrency: 2,
    retryDelayMs: 50,
    maxReceiveCount: 5,
    deadLetter: deadLetters,
    ...options.queue,
  });
  queue.start();
  const sendQueue = requeue.attach(queue);
  const planner = makePlannerHandler({ content, subscribers, queue: sendQueue, clock: systemClock, counters });
  // The tracked links in mail (/r/<token>) are followed here, against the same tables.
  const http = await serveHttp(
    makeApiHandler({ subscribers, clock: systemClock, keys: () => Promise.resolve(keys), redirect: { content, clicks } }),
    {
      port: 0,
    },
  );

  return {
    tables,
    recorder,
    content,
    subscribers,
    subscriptions,
    ledger,
    counters,
    clicks,
    deliveryEvents,
    ses,
    history,
    caps,
    keys,
    queue,
    sendQueue,
    deadLetters,
    planner,
    sender,
    http,
    async stop() {
      await queue.stop();
      await http.close();
      await recorder.close();
      ses.destroy();
      await tables.drop();
    },
  };
}

/** The sample issue and its articles, as files for `publish`. */
export function sampleFiles() {
  return markdownFilesUnder(['content/eu-japan-security-brief/articles', 'content/eu-japan-security-brief/issues']).map((f) => ({
    name: f,
    text: readFileSync(f, 'utf8'),
  }));
}

/** A unique domain per test, so the shared SES emulator's store can be filtered to this test. */
export const uniqueDomain = () => `t${randomBytes(4).toString('hex')}.example.com`;
