/**
 * Bench section `send-throughput`: the whole pipeline (planner, in-process queue with SQS's
 * contract, the real sender handler with ledger, send-time check and counters) on
 * BENCH_SEND_N (10,000 by default) subscribers through DynamoDB Local and the SES emulator, next
 * to a bare loop of SendRawEmail calls at the same concurrency (queue concurrency x in-batch
 * concurrency), in BENCH_SEND_ROUNDS (5) rounds; the median round's ratio is the verdict. Each
 * round also runs the sender with its ledger alone (no planner, send-time check, alert history
 * or counters). Unpaced: both sides are bound by this machine's two cores, so this compares
 * CPU, not what AWS will see (that is `send-rate`, against the SES stand-in).
 *
 * Also the shared warm-up, which every section that sends runs once before measuring.
 */
import { performance } from 'node:perf_hooks';
import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { clearSesStore } from '../../lib/local/ses';
import { LocalSendQueue } from '../../lib/local/queue';
import { mapLimited } from '../../lambdas/core/concurrency';
import {
  BATCH_CONCURRENCY,
  benchCampaigns,
  cpuMeter,
  emptyStoreWhileSending,
  emulators,
  fmt,
  measured,
  perMessage,
  pipeline,
  QUEUE_CONCURRENCY,
  senderQueue,
  verdict,
  world,
  type Env,
  type World,
  digestJobs,
} from './shared';
import { documentClient, dynamoPorts, sesPorts, systemClock } from '../../lambdas/wiring';
import { makeSenderHandler } from '../../lambdas/sender/handler';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';

/** One timed pipeline send to `n` fresh subscribers: plan, queue, send, with the CPU each process used. */
async function timedPipeline(env: Env, n: number, prefix: string) {
  const w = await world(n, prefix);
  await clearSesStore(env.ses);
  const p = pipeline(w.names, env.ses);
  const stopEmptying = emptyStoreWhileSending(env);
  const meter = cpuMeter(env);
  const t0 = performance.now();
  const planned = await p.planner({ issueId: w.issueId });
  await p.queue.drain(60 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  stopEmptying();
  await p.queue.stop();
  const progress = await p.counters.get(w.issueId);
  await clearSesStore(env.ses);
  p.ses.destroy();
  return { w, seconds, cpu, planned, sent: progress?.sent ?? 0 };
}

/**
 * The part of the pipeline the exactly-once rule cannot do without: the real sender handler
 * with the ledger alone (one claim transaction a batch, each `sent` record through the group
 * commit), on jobs queued up front. No planner, no send-time check, no alert history, no
 * counters. Its gap to the bare loop is what the two ledger writes a message cost here.
 */
async function timedLedgerOnly(env: Env, n: number, content: World['content'], deliveries: string) {
  const ses = new SESClient({ endpoint: env.ses, maxAttempts: 1 });
  const sender = makeSenderHandler({
    ledger: dynamoPorts(documentClient(), { deliveries }).ledger,
    mailer: sesPorts(ses).mailer,
    clock: systemClock,
    campaign: benchCampaigns(content),
    concurrency: BATCH_CONCURRENCY,
  });
  const queue = senderQueue('bench-ledger', sender);
  const jobs = digestJobs(n);
  await new LocalSendQueue(queue).enqueue(jobs);
  const stopEmptying = emptyStoreWhileSending(env);
  const meter = cpuMeter(env);
  const t0 = performance.now();
  queue.start();
  await queue.drain(60 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  stopEmptying();
  await queue.stop();
  await clearSesStore(env.ses);
  ses.destroy();
  return { seconds, cpu };
}

/**
 * The bare loop: `n` SendRawEmail calls, same concurrency, nothing else. Each carries a real
 * digest, composed as the sender does, so the emulator parses the same bytes.
 */
async function timedBareLoop(env: Env, n: number, content: World['content']) {
  const campaign = await benchCampaigns(content)({ campaignId: SAMPLE_ISSUE_ID, kind: 'digest', recipients: [] });
  const ses = new SESClient({ endpoint: env.ses, maxAttempts: 1 });
  let next = 0;
  const stopEmptying = emptyStoreWhileSending(env);
  const meter = cpuMeter(env);
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const raw = campaign.compose(
        { subscriberId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, email: `reader${i}@bench.example.com` },
        new Date(),
      );
      await ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: raw },
          Source: 'brief@bench.example.org',
          Destinations: [`reader${i}@bench.example.com`],
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: QUEUE_CONCURRENCY * BATCH_CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  stopEmptying();
  await clearSesStore(env.ses);
  ses.destroy();
  return { seconds, cpu };
}

/**
 * Java's JIT reaches its steady state only after tens of thousands of requests (measured: a
 * claim plus its `sent` write costs DynamoDB Local ~6 ms of CPU in the first 3,000 and ~1 ms
 * after 20,000). Run `pairs` claims and `sent` writes through the real ledger adapter first,
 * the way the sender makes them (batch claims of 50 in one transaction, then each `sent`
 * record through the adapter's group commit), so the measured send is not charged for
 * compiling the emulator.
 */
async function warmLedger(table: string, pairs: number): Promise<void> {
  const { ledger } = dynamoPorts(documentClient(), { deliveries: table });
  const batch = 50;
  let next = 0;
  const sender = async () => {
    while (next < pairs) {
      const from = next;
      next += batch;
      const campaign = `warm-up-${from % 7}`;
      const ids = Array.from(
        { length: Math.min(batch, pairs - from) },
        (_, k) => `00000000-0000-4000-8000-${String(from + k).padStart(12, '0')}`,
      );
      const at = new Date();
      await ledger.claimNew(campaign, ids, at);
      await mapLimited(ids, BATCH_CONCURRENCY, (id) => ledger.markSent(campaign, id, `warm-${id}`, new Date(), at));
    }
  };
  await Promise.all(Array.from({ length: QUEUE_CONCURRENCY }, sender));
}

let warmed: Promise<void> | undefined;

/**
 * Once per bench run, before the first measured send: a pipeline send and a bare loop of
 * BENCH_SEND_WARMUP (2,000) messages and BENCH_LEDGER_WARMUP (15,000) ledger claims and writes,
 * so no measured figure pays for Java (or V8) compiling the emulators' code, and a section run
 * on its own sees the same emulators as one run after the others.
 */
export function warmUp(env: Env): Promise<void> {
  warmed ??= (async () => {
    const n = Number(process.env.BENCH_SEND_WARMUP ?? 2_000);
    if (n <= 0) return;
    const warm = await timedPipeline(env, n, 'bw');
    await warmLedger(warm.w.names.deliveries, Number(process.env.BENCH_LEDGER_WARMUP ?? 15_000));
    await timedBareLoop(env, n, warm.w.content);
    await warm.w.drop();
  })();
  return warmed;
}

/** One round: half the bare loop just before the pipeline's send to `n` and half just after, so both see the same machine on average. */
async function throughputRound(env: Env, n: number, bareWorld: World) {
  const { content } = bareWorld;
  const before = await timedBareLoop(env, Math.floor(n / 2), content);
  const pipe = await timedPipeline(env, n, 'bt');
  await pipe.w.drop();
  const ledgerOnly = await timedLedgerOnly(env, n, content, bareWorld.names.deliveries);
  const after = await timedBareLoop(env, n - Math.floor(n / 2), content);
  const bare = {
    seconds: before.seconds + after.seconds,
    cpu: { bench: before.cpu.bench + after.cpu.bench, dynamo: before.cpu.dynamo + after.cpu.dynamo, ses: before.cpu.ses + after.cpu.ses },
  };
  const pipeRate = n / pipe.seconds;
  const bareRate = n / bare.seconds;
  return {
    pipe,
    bare,
    before,
    after,
    ledgerOnly,
    pipeRate,
    bareRate,
    ratio: pipeRate / bareRate,
    ledgerRatio: n / ledgerOnly.seconds / bareRate,
  };
}

async function sendThroughput(): Promise<void> {
  const N = Number(process.env.BENCH_SEND_N ?? 10_000);
  // The machines are shared: their speed drifts by a quarter within a minute. Each round is
  // its own same-run comparison; the verdict is on the median round, and every round is shown.
  const rounds = Math.max(1, Number(process.env.BENCH_SEND_ROUNDS ?? 5));
  const env = await emulators();
  await warmUp(env);
  const bareWorld = await world(1, 'bb');
  console.log(
    `\nsend-throughput: ${fmt(N)} subscribers, ${QUEUE_CONCURRENCY} senders x ${BATCH_CONCURRENCY} sends in flight, DynamoDB Local + SES emulator (after the warm-up), ${rounds} rounds`,
  );
  const results = [];
  for (let i = 1; i <= rounds; i++) {
    const r = await throughputRound(env, N, bareWorld);
    results.push(r);
    console.log(`  round ${i}: ratio ${fmt(r.ratio, 2)}`);
    console.log(
      `    pipeline (plan + queue + sender + ledger + counters)  ${fmt(r.pipeRate)} msg/s  (${fmt(r.pipe.seconds, 1)} s; ${JSON.stringify(r.pipe.planned.status)}, sent ${r.pipe.sent})`,
    );
    console.log(`      ${perMessage(r.pipe.cpu, N)}`);
    console.log(
      `    bare SendRawEmail loop, same concurrency            ${fmt(r.bareRate)} msg/s  (${fmt(r.bare.seconds, 1)} s: ${fmt(r.before.seconds, 1)} s before the pipeline, ${fmt(r.after.seconds, 1)} s after)`,
    );
    console.log(`      ${perMessage(r.bare.cpu, N)}`);
    console.log(
      `    ledger alone (sender with claims and \`sent\` records only)  ${fmt(N / r.ledgerOnly.seconds)} msg/s  (${fmt(r.ledgerOnly.seconds, 1)} s): ${fmt(r.ledgerRatio, 2)} of the bare loop`,
    );
    console.log(`      ${perMessage(r.ledgerOnly.cpu, N)}`);
    if (r.pipe.sent !== N) console.log(`    WARNING: sent ${r.pipe.sent} of ${N}`);
  }
  const sorted = [...results].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  measured.pipelineRate = median.pipeRate;
  measured.bareRate = median.bareRate;
  console.log(
    `  ratio, median of ${rounds} rounds ${fmt(median.ratio, 2)} (lowest ${fmt(sorted[0].ratio, 2)}, highest ${fmt(sorted[sorted.length - 1].ratio, 2)})   target >= 0.9: ${verdict(median.ratio >= 0.9, false)}`,
  );
  await bareWorld.drop();
}

export const THROUGHPUT_SECTIONS = { 'send-throughput': sendThroughput };
