/**
 * The local mode's wiring: the same Lambda handlers as on AWS, connected to DynamoDB Local, the
 * SES emulator, an in-process queue with SQS's contract and a local HTTP server. No domain logic
 * lives here: only what AWS would otherwise provide (event sources, queue, endpoints).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_AWS, startDynamoDbLocal } from './dynamodb';
import { startSesEmulator } from './ses';
import { LateSendQueue, LocalQueue, LocalSignupQueue, type DeadLetterMessage } from './queue';
import { serveHttp, type HttpApiHandler } from './http';
import { ensureTables } from './tables';
import { startSesRecorder } from './ses-recorder';
import { localSesEventFeed } from './ses-simulator';
import { DEFAULT_LOCAL_SEND_RATE, localAddressKey, localConfig, localSigningKeys, type LocalConfig } from './config';
import { startStreamPoller, type StreamPoller } from './stream-poller';
import { ALERT_STREAM_FILTERS } from '../../lambdas/alert-planner/filter';
import { makeAlertPlannerHandler } from '../../lambdas/alert-planner/handler';
import { depsFromEnv as apiDepsFromEnv, makeApiHandler } from '../../lambdas/api/handler';
import { depsFromEnv as signupsDepsFromEnv, makeSignupsHandler } from '../../lambdas/signups/handler';
import { makePlannerHandler } from '../../lambdas/digest-planner/handler';
import type { LocalTimePlanResult } from '../../lambdas/usecases/plan-local-time';
import { depsFromEnv as senderDepsFromEnv, makeSenderHandler } from '../../lambdas/sender/handler';
import { applyLogLevelFromEnv } from '../../lambdas/adapters/logger';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import type { CampaignCounters, Clock, SendQueue } from '../../lambdas/core/ports';
import type { ScheduledPlanResult } from '../../lambdas/usecases/plan-scheduled';
import { LocalIssueScheduler, scheduledIssueCheck } from './issue-schedules';
import { SenderLease } from './sender-lease';
import type { PlanResult } from '../../lambdas/usecases/plan-digest';
import { documentClient, dynamoPorts, plannerPorts, systemClock } from '../../lambdas/wiring';
import { addressDigest, verifyAddressKey } from '../../lambdas/core/address';

export interface LocalRuntime {
  config: LocalConfig;
  dynamoEndpoint: string;
  /** Where the handlers send mail (the outbox recorder when there is one). */
  sesEndpoint: string;
  /** The SES emulator itself (its inbox page and `/store`). */
  sesInbox: string;
  /** The send queue, feeding the sender handler. */
  queue: LocalQueue;
  /** The sign-up queue, feeding the sign-ups handler (confirmations and welcomes). */
  signupQueue: LocalQueue;
  sendQueue: SendQueue;
  /** The digest planner handler, wired to the local queue. */
  planDigest(event?: { issueId?: string; resume?: boolean }): Promise<PlanResult>;
  /**
   * Plan the issues whose `sendAt` has come by `now` (what each one-time schedule does on AWS);
   * `npm start` calls it once a minute. Returns the planner's answer for each issue it found due.
   */
  runScheduledIssues(now: Date): Promise<ScheduledPlanResult[]>;
  /** What the local schedule runs: planDigest, or in local-time mode the local-time planner (the same handler as on AWS). */
  planScheduled(): Promise<ScheduledPlanResult | LocalTimePlanResult>;
  /** Campaign counters and state (the Deliveries table's summary items). */
  counters: CampaignCounters;
  httpUrl?: string;
  /** The console's sign-in provider (its issuer URL), when `console` is on. */
  consoleIssuer?: string;
  /** The console's address (on `localhost`, the host its sign-in returns to), when `console` is on. */
  consoleUrl?: string;
  /** The Content stream poller feeding the alert planner, when `streams` is on. */
  streamPoller?: StreamPoller;
  /** Stop everything this runtime started (emulators, server, queue), in reverse order. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Start the bundled emulators for endpoints not given in the environment. */
  startEmulators: boolean;
  /** Keep DynamoDB data under the data folder (otherwise in memory). @default true */
  persist?: boolean;
  /** Serve the HTTP API. */
  http: boolean;
  /** Serve the console under /admin as well, with the local sign-in provider (lib/local/console.ts). */
  console?: boolean;
  config?: LocalConfig;
  queueConcurrency?: number;
  /**
   * Keep the raw MIME of every message sent, as `.eml` files in this folder. The SES emulator
   * stores only the parsed parts; this is the message exactly as SES received it.
   */
  outboxDir?: string;
  /** Read the Content table's stream and run the alert planner on breaking articles. */
  streams?: boolean;
  /** The digest planner's clock (tests walk it to an issue's `sendAt`). @default systemClock */
  clock?: Clock;
}

export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const config = options.config ?? localConfig();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => console.error('stop failed:', e));
    stops.length = 0;
  };
  try {
    mkdirSync(config.dataDir, { recursive: true });
    let dynamoEndpoint = config.dynamoEndpoint ?? `http://127.0.0.1:${config.dynamoPort}`;
    let sesEndpoint = config.sesEndpoint ?? `http://127.0.0.1:${config.sesPort}`;
    if (options.startEmulators && !config.dynamoEndpoint) {
      const db = await startDynamoDbLocal({
        port: config.dynamoPort,
        dataDir: options.persist === false ? undefined : join(config.dataDir, 'dynamodb'),
      });
      stops.push(db.stop);
      dynamoEndpoint = db.endpoint;
    }
    if (options.startEmulators && !config.sesEndpoint) {
      const ses = await startSesEmulator({ port: config.sesPort });
      stops.push(ses.stop);
      sesEndpoint = ses.endpoint;
    }

    const sesInbox = sesEndpoint;
    if (options.outboxDir) {
      const dir = options.outboxDir;
      mkdirSync(dir, { recursive: true });
      let n = 0;
      const feed = localSesEventFeed(config.tables);
      const recorder = await startSesRecorder(sesEndpoint, {
        keep: false,
        onRawMessage: (raw) => writeFileSync(join(dir, `${Date.now()}-${String(++n).padStart(6, '0')}.eml`), raw),
        // SES's mailbox simulator addresses answer with events, here as on AWS (`npm run cli -- smoke`), and every other
        // accepted address with a Delivery, as SES reports one: `stats` shows deliveries and a subject test can be decided here.
        simulator: { onEvents: feed, deliverOrdinary: true },
      });
      // Closing hands over the events still waiting; they are written before the tables may stop.
      stops.push(async () => (await recorder.close(), await feed.settled()));
      sesEndpoint = recorder.endpoint;
    }

    // The handlers read these at their first call, exactly as a Lambda reads its configuration.
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SES: sesEndpoint,
      SUBSCRIBERS_TABLE: config.tables.subscribers,
      CONTENT_TABLE: config.tables.content,
      DELIVERIES_TABLE: config.tables.deliveries,
      SENDER_EMAIL: config.senderEmail,
      SENDER_NAME: config.senderName,
      ORGANISATION_NAME: config.organisationName,
      POSTAL_ADDRESS: config.postalAddress,
      REPLY_TO_EMAIL: config.replyToEmail ?? '',
      // The welcome says when the digest arrives: the schedule this process runs.
      DIGEST_SCHEDULE_CRON: config.schedule,
      DIGEST_TIME_ZONE: config.timeZone,
      DIGEST_DELIVERY: config.digestDelivery,
      DIGEST_LOCAL_TIME: config.digestLocalTime,
      PUBLIC_BASE_URL: `http://localhost:${config.httpPort}`,
      // Article links through /r/<token> (the API here counts the clicks in the Deliveries table).
      CLICK_TRACKING: config.clickTracking,
      TOKEN_KEYS: localSigningKeys(config.dataDir),
      // Erasure markers and the sign-up limits are keyed digests: the key is kept with the data.
      ADDRESS_KEY: localAddressKey(config.dataDir),
      // The samples and tests use reserved domains (.test, .example): accepted here, never on AWS.
      RESERVED_DOMAINS: 'allow',
      SIGNUP_COOLING_DAYS: process.env.BRIEFING_SIGNUP_COOLING_DAYS ?? '30',
      // Other sites' pages allowed to POST /subscribe (CORS), and the per-client subscribe
      // limit the API applies in this process (on AWS the stage throttles as well).
      CORS_ORIGINS: process.env.BRIEFING_CORS_ORIGINS ?? '',
      SUBSCRIBE_RATE_LIMIT: process.env.BRIEFING_SUBSCRIBE_RATE_LIMIT ?? '5',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // The send engine: as on AWS, the rate follows the SES endpoint's GetSendQuota (times
      // SEND_RATE_SHARE) wherever the endpoint answers it; where it does not (the bundled
      // emulator answers InvalidAction), the local setting applies (BRIEFING_SEND_RATE, messages a
      // second). SEND_RATE, when given, fixes the rate as it does on AWS. The claim lease is
      // short because a restart of this process is the usual way a local sender dies.
      SEND_RATE_FALLBACK: String(config.sendRateFallback ?? DEFAULT_LOCAL_SEND_RATE),
      // One process runs every local sender invocation with one shared pacer: it takes the whole rate.
      SENDER_CONCURRENCY: '1',
      CLAIM_LEASE_MS: process.env.BRIEFING_CLAIM_LEASE_MS ?? process.env.CLAIM_LEASE_MS ?? '30000',
    });
    // The handlers' logger was made when its module loaded, before the level above was set.
    applyLogLevelFromEnv();

    await ensureTables(new DynamoDBClient({ endpoint: dynamoEndpoint, ...LOCAL_AWS }), config.tables);
    // The data folder's keys must be the tables' own: another folder's address key would let
    // erased addresses back in, its token keys would sign links no one can use. `npm start` and the
    // CLI both check at start (the first to use a new table records it).
    await verifyAddressKey(
      dynamoPorts(documentClient(), { subscribers: config.tables.subscribers }).subscriptions,
      addressDigest(localAddressKey(config.dataDir)),
    );

    const dlq: DeadLetterMessage[] = [];
    // As on AWS: a few jobs an invocation, a 60-second function timeout (the sender queues
    // what it has no time for again, here as there), and the send queue for that.
    const requeue = new LateSendQueue();
    const senderDeps = senderDepsFromEnv(requeue);
    // One pacer per account: this process sends only while it holds the sender lease, so a CLI
    // send beside `npm start` (or a restart while the old process still sends) never doubles the rate.
    const lease = new SenderLease(documentClient(), config.tables.deliveries, {
      leaseMs: config.senderLeaseMs,
      onWait: (holder) =>
        console.log(
          `Another local process is sending through this SES account (npm start or a CLI send: ${holder}). ` +
            'This one waits until that send is done, so the two never send at twice the account rate.',
        ),
    });
    // Taken before an invocation claims anyone (a wait never holds claims), renewed as it sends.
    const pacer = senderDeps.pacer;
    if (pacer) senderDeps.pacer = { take: async () => (await lease.hold(), await pacer.take()) };
    const sender = makeSenderHandler(senderDeps);
    const queue = new LocalQueue({
      name: 'briefing-send',
      handler: async (...args: Parameters<typeof sender>) => (await lease.hold(), await sender(...args)),
      batchSize: SEND_JOBS_PER_INVOCATION,
      concurrency: options.queueConcurrency ?? 2,
      timeoutMs: 60_000,
      visibilityTimeoutMs: 60_000,
      retryDelayMs: 1_000,
      maxReceiveCount: 5,
      deadLetter: dlq,
    });
    queue.start();
    // Stops run last first: the queue stops, then a clean stop frees the lease for the next process at once.
    stops.push(() => lease.release());
    stops.push(() => queue.stop());
    const sendQueue = requeue.attach(queue);
    // Sign-ups and welcomes: the API queues them, the sign-ups handler sends the mail (as on AWS).
    const signupQueue = new LocalQueue({
      name: 'briefing-signups',
      handler: makeSignupsHandler(signupsDepsFromEnv()),
      batchSize: 10,
      concurrency: 2,
      timeoutMs: 30_000,
      visibilityTimeoutMs: 30_000,
      retryDelayMs: 1_000,
      maxReceiveCount: 5,
      // Its own dead letters: the send queue's `redrive` must never move a sign-up onto the send queue.
      deadLetter: [],
    });
    signupQueue.start();
    stops.push(() => signupQueue.stop());
    const db = dynamoPorts(documentClient(), config.tables);
    const counters = db.counters;
    const plannerClock = options.clock ?? systemClock;
    // The same inputs as the planner function's (lambdas/wiring.ts); `npm start` runs the schedules itself.
    const ports = plannerPorts(
      db,
      { queue: sendQueue, clock: plannerClock, schedules: new LocalIssueScheduler() },
      config.digestDelivery === 'local-time' ? config.digestLocalTime : undefined,
    );
    const planDeps = ports.plan;
    const plan = makePlannerHandler(planDeps);
    const runScheduledIssues = scheduledIssueCheck({ issues: db.content, plan });
    // What the schedule runs: in local-time mode the same handler with the zone index (as on AWS).
    const localTime = ports.localTime;
    const scheduled = makePlannerHandler(planDeps, localTime);

    let streamPoller: StreamPoller | undefined;
    if (options.streams) {
      const alertPlanner = makeAlertPlannerHandler({
        content: db.content,
        subscribers: db.subscribers,
        queue: sendQueue,
        clock: systemClock,
        caps: db.caps,
        history: db.history,
        counters,
        dailyCap: config.alertDailyCap,
      });
      const poller = await startStreamPoller({
        endpoint: dynamoEndpoint,
        tableName: config.tables.content,
        handler: (event) => alertPlanner(event),
        filters: ALERT_STREAM_FILTERS,
      });
      stops.push(() => poller.stop());
      streamPoller = poller;
    }

    let httpUrl: string | undefined;
    let consoleIssuer: string | undefined;
    let consoleUrl: string | undefined;
    if (options.http) {
      const api = makeApiHandler(apiDepsFromEnv({ signups: new LocalSignupQueue(signupQueue) }));
      let serve: HttpApiHandler = api;
      if (options.console) {
        // Loaded only here: the sign-in libraries are not needed by the CLI or the tests that run without the console.
        const { isConsolePath, startLocalConsole } = await import('./console');
        const base = `http://localhost:${config.httpPort}`;
        const desk = await startLocalConsole({ baseUrl: base, dataDir: config.dataDir, planIssue: (issueId) => plan({ issueId }) });
        consoleUrl = `${base}/admin/`;
        stops.push(() => desk.stop());
        consoleIssuer = desk.issuer;
        serve = (event) => (isConsolePath(event.rawPath) ? desk.handler(event) : api(event));
      }
      const server = await serveHttp(withSettledRoute(serve, [signupQueue, queue], streamPoller), {
        port: config.httpPort,
        host: '127.0.0.1',
        // As on AWS, where a Lambda request may be 6 MB: the console's CSV import posts its text
        // (the API's routes refuse more than their own limit themselves).
        maxBodyBytes: 6 * 1024 * 1024,
      });
      stops.push(() => server.close());
      httpUrl = server.url;
    }

    return {
      config,
      dynamoEndpoint,
      sesEndpoint,
      sesInbox,
      queue,
      signupQueue,
      sendQueue,
      // Without `scheduled` the handler runs planDigest alone, whose results are PlanResult.
      planDigest: (e) => plan(e ?? {}) as Promise<PlanResult>,
      runScheduledIssues,
      planScheduled: () => scheduled({}),
      counters,
      httpUrl,
      consoleIssuer,
      consoleUrl,
      streamPoller,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * Local only (never deployed): `GET /_local/settled` answers once the Content stream has been
 * read up to the moment of the request and the sign-up and send queues are empty, with the
 * poller's and the queues' counts. A process that wrote something (the CLI, a test) asks it to learn that every
 * effect of its write has happened, instead of sleeping and hoping. `?timeoutMs=` bounds the
 * wait (default two minutes); past it the answer is 503 with the counts.
 */
function withSettledRoute(handler: HttpApiHandler, queues: [signups: LocalQueue, send: LocalQueue], poller?: StreamPoller): HttpApiHandler {
  const [signups, queue] = queues;
  return async (event) => {
    if (event.rawPath !== '/_local/settled' || event.requestContext.http.method !== 'GET') return handler(event);
    const timeoutMs = Number(event.queryStringParameters?.timeoutMs ?? 120_000);
    const counts = () => JSON.stringify({ stream: poller?.stats() ?? null, queue: queue.stats(), signups: signups.stats() });
    try {
      await poller?.caughtUp(timeoutMs);
      await signups.drain(timeoutMs);
      await queue.drain(timeoutMs);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: counts() };
    } catch (e) {
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: (e as Error).message, ...JSON.parse(counts()) }),
      };
    }
  };
}
