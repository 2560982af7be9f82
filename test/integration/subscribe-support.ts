/**
 * The subscription side wired for integration tests: the real API handler on the local HTTP
 * server, the real sign-ups handler behind an in-process queue with SQS's contract (the API
 * queues sign-ups and welcomes, the handler sends them), DynamoDB Local tables of its own, the
 * SES emulator behind the recording proxy, a clock the test can move, and the same limits
 * (per client network, per mailbox, in DynamoDB) the functions use.
 */
import { randomBytes } from 'node:crypto';
import { SESClient } from '@aws-sdk/client-ses';
import { simpleParser, type ParsedMail } from 'mailparser';
import { makeApiHandler } from '../../lambdas/api/handler';
import { makeSignupsHandler } from '../../lambdas/signups/handler';
import { LocalQueue, LocalSignupQueue } from '../../lib/local/queue';
import { testDigest } from '../support/address-key';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import type { MailSettings } from '../../lambdas/core/mail-settings';
import { documentClient, dynamoPorts, sesPorts } from '../../lambdas/wiring';
import { serveHttp } from '../../lib/local/http';
import { startSesRecorder } from '../../lib/local/ses-recorder';
import { createTestTables } from '../support/tables';
import { cachedSettings } from '../../lambdas/usecases/newsletter-settings';

export const MAIL: MailSettings = {
  senderEmail: 'brief@news.example.com',
  senderName: 'EU–Japan Security Brief',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
  publicBaseUrl: 'https://brief.example.org',
  configurationSet: 'briefing-test',
};

export async function startSubscriptionApi(
  options: { rateLimit?: number; corsOrigins?: string[]; coolingMs?: number; allowReservedDomains?: boolean } = {},
) {
  const tables = await createTestTables('sub');
  const recorder = await startSesRecorder(process.env.AWS_ENDPOINT_URL_SES!);
  const ses = new SESClient({ endpoint: recorder.endpoint, maxAttempts: 1 });
  const ports = dynamoPorts(documentClient(), tables.names);
  const { subscriptions: subscribers, deliveryEvents: deliveries, ledger, content, archive } = ports;
  const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const signupQueue = new LocalQueue({
    name: 'test-signups',
    handler: makeSignupsHandler({
      subscribers,
      mailer: sesPorts(ses, MAIL.configurationSet).mailer,
      clock,
      keys: () => Promise.resolve(keys),
      digest: () => Promise.resolve(testDigest),
      mail: MAIL,
      mailboxLimit: ports.mailboxLimit(clock),
      coolingMs: options.coolingMs,
      allowReservedDomains: options.allowReservedDomains,
      content,
      // Read on every message (no cache), as the API's below: a test sees what it published at once.
      settings: cachedSettings(ports.settings, clock, 0),
    }),
    batchSize: 10,
    visibilityTimeoutMs: 30_000,
    retryDelayMs: 200,
  });
  signupQueue.start();
  const deps = {
    subscribers,
    subscriptions: subscribers,
    clock,
    keys: () => Promise.resolve(keys),
    digest: () => Promise.resolve(testDigest),
    signups: new LocalSignupQueue(signupQueue),
    mail: MAIL,
    limiter: ports.clientLimit(clock, options.rateLimit ?? 1000),
    corsOrigins: options.corsOrigins ?? [],
    allowReservedDomains: options.allowReservedDomains,
    archive,
    // Read on every request (no cache): a test sees what it published at once.
    settings: cachedSettings(ports.settings, clock, 0),
  };
  const handler = makeApiHandler(deps);
  const http = await serveHttp(handler, { port: 0 });
  /** Wait until every queued sign-up and welcome has been handled (a positive signal, no sleep). */
  const settled = () => signupQueue.drain(120_000);

  /** Messages sent to `to` so far, parsed. */
  async function mailTo(to: string): Promise<ParsedMail[]> {
    await settled();
    const parsed = await Promise.all(recorder.raws().map((r) => simpleParser(r)));
    return parsed.filter((m) =>
      JSON.stringify(m.to ?? '')
        .toLowerCase()
        .includes(to.toLowerCase()),
    );
  }

  /** The confirmation link (path and query) from the latest confirmation to `to`. */
  async function confirmLink(to: string): Promise<string> {
    const mails = (await mailTo(to)).filter((m) => /^Confirm/.test(m.subject ?? ''));
    const last = mails[mails.length - 1];
    const url = /https:\/\/brief\.example\.org(\/confirm\?token=\S+)/.exec(last?.text ?? '')?.[1];
    if (!url) throw new Error(`no confirmation link to ${to}`);
    return url;
  }

  /** POST, then wait until what it queued is handled: the test reads the tables and mail as a reader would a moment later. */
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${http.url}${path}`, { method: 'POST', headers, body, redirect: 'manual' });
    await settled();
    return res;
  };
  const postJson = (value: unknown, headers: Record<string, string> = {}) =>
    post('/subscribe', JSON.stringify(value), { 'content-type': 'application/json', ...headers });
  const postForm = (path: string, fields: Record<string, string | string[]>) => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) form.append(k, x);
    return post(path, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  };

  return {
    tables,
    recorder,
    subscribers,
    deliveries,
    ledger,
    /** The Content table's store: publish issues and mark them planned for the archive. */
    content,
    /** The newsletter's settings in the Content table (topics, page text). */
    settings: ports.settings,
    keys,
    clock,
    http,
    handler,
    /** The API's ports, to make a second handler instance on the same tables and queue. */
    deps,
    signupQueue,
    settled,
    mailTo,
    confirmLink,
    postJson,
    postForm,
    async stop() {
      await http.close();
      await signupQueue.stop();
      await recorder.close();
      ses.destroy();
      await tables.drop();
    },
  };
}

export const uniqueDomain = () => `t${randomBytes(4).toString('hex')}.example.org`;
