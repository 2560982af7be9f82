/**
 * What the bench sections share: number formats and verdicts, CPU accounting per process, the
 * emulators (DynamoDB Local, the SES emulator, the SES stand-in), a seeded world of tables, and
 * the pipeline wired as the local mode wires it, its ports from the composition root (lambdas/wiring.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { startDynamoDbLocal, LOCAL_AWS } from '../../lib/local/dynamodb';
import { freePort } from '../../lib/local/ports';
import { clearSesStore } from '../../lib/local/ses';
import { ensureTables, tableNames } from '../../lib/local/tables';
import { LateSendQueue, LocalQueue } from '../../lib/local/queue';
import { startSesStandIn, type SesStandIn } from './ses-stand-in';
import { applyLogLevelFromEnv } from '../../lambdas/adapters/logger';
import { documentClient, dynamoPorts, sesPorts, systemClock } from '../../lambdas/wiring';
import { DynamoDBClient, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { audienceShard } from '../../lambdas/core/audience';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { publish } from '../../lambdas/usecases/publish';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { SEND_BATCH_SIZE, SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import { ratePorts } from '../../lambdas/adapters/send-rate';
import { makeSenderHandler } from '../../lambdas/sender/handler';
import { campaignCache } from '../../lambdas/usecases/campaign-cache';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import type { ReaderAlertHistory } from '../../lambdas/core/ports';
import { makePlannerHandler } from '../../lambdas/digest-planner/handler';

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * PASS or FAIL. A gating target (the send engine's rate, CPU, cost and alert targets) that
 * fails makes the run exit non-zero; the others are shown as figures to watch.
 */
export function verdict(ok: boolean, gating = true): string {
  if (!ok && gating) process.exitCode = 1;
  return ok ? 'PASS' : gating ? 'FAIL' : 'FAIL (not gating)';
}

/** Sender invocations at once in the bench's queue, and SES calls in flight in each (the sender's default). */
export const QUEUE_CONCURRENCY = 2;
export const BATCH_CONCURRENCY = 8;

export interface Env {
  dynamo: string;
  ses: string;
  /** Process ids of DynamoDB Local (Java) and the SES emulator child, for CPU accounting. */
  pids: { dynamo: number; ses: number };
  stop(): Promise<void>;
}

/** CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds this process and each named process used between this call and the returned function's. */
export function cpuMeterOf<K extends string>(pids: Record<K, number>): () => { bench: number } & Record<K, number> {
  const self0 = process.cpuUsage();
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid as number)]));
  return () => {
    const self = process.cpuUsage(self0);
    const out: Record<string, number> = { bench: (self.user + self.system) / 1e6 };
    for (const [k, pid] of Object.entries(pids)) out[k] = cpuSeconds(pid as number) - start[k];
    return out as { bench: number } & Record<K, number>;
  };
}

/** CPU used by this process, DynamoDB Local and the SES emulator between start() and the returned function's call. */
export const cpuMeter = (env: Env) => cpuMeterOf({ dynamo: env.pids.dynamo, ses: env.pids.ses });
type Cpu = ReturnType<ReturnType<typeof cpuMeter>>;
export const perMessage = (cpu: Cpu, n: number) =>
  Number.isNaN(cpu.dynamo)
    ? ''
    : `CPU per message: this process ${fmt((cpu.bench * 1000) / n, 2)} ms, DynamoDB Local ${fmt((cpu.dynamo * 1000) / n, 2)} ms, SES emulator ${fmt((cpu.ses * 1000) / n, 2)} ms`;

let shared: Promise<Env> | undefined;
let standIn: Promise<SesStandIn> | undefined;

/** DynamoDB Local in memory, and the SES emulator in a child process, on free ports (once per bench run). */
export function emulators(): Promise<Env> {
  shared ??= (async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const db = await startDynamoDbLocal({ port: await freePort() });
    const sesPort = await freePort();
    const ses = spawn(
      process.execPath,
      [require.resolve('aws-ses-v2-local/dist/cli.js'), '--port', String(sesPort), '--host', '127.0.0.1'],
      { stdio: 'ignore' },
    );
    const endpoint = `http://127.0.0.1:${sesPort}`;
    for (let i = 0; ; i++) {
      try {
        await clearSesStore(endpoint);
        break;
      } catch {
        if (i > 100) throw new Error('SES emulator child did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SES: endpoint,
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    // The handlers' logger may have been made before this level was set.
    applyLogLevelFromEnv();
    return {
      dynamo: db.endpoint,
      ses: endpoint,
      pids: { dynamo: db.pid, ses: ses.pid ?? -1 },
      async stop() {
        ses.kill();
        await db.stop();
      },
    };
  })();
  return shared;
}

/** The SES stand-in (bin/bench/ses-stand-in.ts), once per bench run. */
export function sesStandIn(): Promise<SesStandIn> {
  standIn ??= startSesStandIn();
  return standIn;
}

export async function stopBenchEmulators(): Promise<void> {
  if (standIn) (await standIn).stop();
  standIn = undefined;
  if (shared) await (await shared).stop();
  shared = undefined;
}

/** `gc()` without starting Node with --expose-gc. */
export function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** A fresh set of tables with the sample issue and `n` confirmed digest subscribers, written 25 at a time. */
export async function world(n: number, prefix: string) {
  await emulators();
  const names = tableNames(`${prefix}-${Date.now().toString(36)}-`);
  await ensureTables(new DynamoDBClient({}), names);
  const db = documentClient();
  const ports = dynamoPorts(db, names);
  const content = ports.content;
  await publish({ content, clock: systemClock }, sampleIssueFiles());
  const now = new Date();
  let next = 0;
  const writer = async () => {
    while (next < n) {
      const start = next;
      next = Math.min(n, next + 25);
      const items = [];
      for (let i = start; i < next; i++) {
        const s = confirmedSubscriber({ email: `reader${i}@bench.example.com` }, 'import', now);
        items.push({ PutRequest: { Item: { ...s, digestShard: audienceShard(s.subscriberId) } } });
      }
      let req: Record<string, unknown>[] | undefined = items;
      while (req && req.length) {
        const out: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [names.subscribers]: req } }));
        req = out.UnprocessedItems?.[names.subscribers];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  // Each measured send drops its tables when done, so DynamoDB Local does not carry every
  // earlier section's data (and its heap) into the next.
  const drop = async () => {
    const client = new DynamoDBClient({});
    for (const name of Object.values(names)) await client.send(new DeleteTableCommand({ TableName: name }));
    client.destroy();
  };
  return { names, content, issueId: SAMPLE_ISSUE_ID, subscribers: ports.subscribers, drop };
}
export type World = Awaited<ReturnType<typeof world>>;

/** `n` readers of the sample issue in send jobs of the planner's size, with ids new to this run (no ledger entry yet). */
export function digestJobs(n: number) {
  const run = Date.now().toString(36);
  const jobs = [];
  for (let from = 0; from < n; from += SEND_BATCH_SIZE) {
    const recipients = [];
    for (let i = from; i < Math.min(n, from + SEND_BATCH_SIZE); i++)
      recipients.push({ subscriberId: `${run}-${i}`, email: `reader${i}@bench.example.com` });
    jobs.push({ campaignId: SAMPLE_ISSUE_ID, kind: 'digest' as const, recipients });
  }
  return jobs;
}

/**
 * The bench's campaigns: the sender's own cache with fixed settings and signing keys (and, as the
 * Lambda wires it, the readers' alert history when given).
 */
export function benchCampaigns(content: World['content'], history?: ReaderAlertHistory) {
  const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'bench-signing-key-0123456789abcdef0123456789' }));
  return campaignCache(
    content,
    {
      senderEmail: 'brief@bench.example.org',
      senderName: 'Bench',
      publicBaseUrl: 'https://bench.example.org',
      organisationName: 'Bench Publishers',
      postalAddress: '1 Bench Street, 1000 Brussels, Belgium',
    },
    () => Promise.resolve(keys),
    undefined,
    history,
  );
}

/** The send queue in front of a sender, as the local mode and AWS run it: a few jobs an invocation, a 60-second timeout. */
export function senderQueue(
  name: string,
  handler: ConstructorParameters<typeof LocalQueue>[0]['handler'],
  concurrency = QUEUE_CONCURRENCY,
): LocalQueue {
  return new LocalQueue({
    name,
    handler,
    batchSize: SEND_JOBS_PER_INVOCATION,
    timeoutMs: 60_000,
    concurrency,
    retryDelayMs: 200,
    visibilityTimeoutMs: 120_000,
    logger: { warn: () => undefined },
  });
}

/** The sender's rate ports as on AWS: GetSendQuota from the endpoint x the default share, all senders of this process sharing one pacer. */
export function quotaRatePorts(ses: SESClient) {
  return ratePorts({ senderConcurrency: 1 }, sesPorts(ses).readQuota);
}

export interface PipelineOptions {
  /** Sender invocations at once. @default QUEUE_CONCURRENCY */
  queueConcurrency?: number;
  /** Pace by the endpoint's GetSendQuota, as on AWS (the SES stand-in answers it). @default unpaced */
  paced?: boolean;
}

/** The pipeline as the local mode wires it, on `names`, sending through `sesEndpoint`. */
export function pipeline(names: ReturnType<typeof tableNames>, sesEndpoint: string, options: PipelineOptions = {}) {
  const db = dynamoPorts(documentClient(), names);
  const { content, counters } = db;
  const ses = new SESClient({ endpoint: sesEndpoint, maxAttempts: 1 });
  const requeue = new LateSendQueue();
  const sender = makeSenderHandler({
    requeue,
    ledger: db.ledger,
    mailer: sesPorts(ses).mailer,
    clock: systemClock,
    // As the sender's own wiring, with the readers' alert history (nobody has alerts waiting
    // here, the usual case, so the batches skip reading it).
    campaign: benchCampaigns(content, db.history),
    gate: db.gate,
    counters,
    concurrency: BATCH_CONCURRENCY,
    ...(options.paced ? quotaRatePorts(ses) : {}),
  });
  const queue = senderQueue('bench', sender, options.queueConcurrency);
  queue.start();
  const sendQueue = requeue.attach(queue);
  const planner = makePlannerHandler({ content, subscribers: db.subscribers, queue: sendQueue, clock: systemClock, counters });
  return { queue, planner, counters, ses };
}

/** Figures the cost model uses, filled by the sections that measure them. */
export const measured: { pipelineRate?: number; bareRate?: number; senderCpuMs?: number } = {};

/**
 * The SES emulator keeps every message in memory, and the more it holds, the more its garbage
 * collector costs it for each new one. Real SES keeps nothing in the sender's machine, so every
 * timed send against the emulator empties the store every second as it goes. Returns the
 * function that stops the emptying.
 */
export function emptyStoreWhileSending(env: Env, everyMs = 1_000): () => void {
  const timer = setInterval(() => void clearSesStore(env.ses).catch(() => undefined), everyMs);
  return () => clearInterval(timer);
}
