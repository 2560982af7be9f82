/**
 * Bench section `send-rate`: what AWS will see. On AWS the sender is bound by SES's rate and
 * latency, so here it sends to the SES stand-in (bin/bench/ses-stand-in.ts: answers after
 * BENCH_SES_LATENCY_MS, 50 ms by default, at almost no CPU, in its own process).
 *
 * The rate is the sender's own: the stand-in answers GetSendQuota with MaxSendRate = limit /
 * 0.8, and the sender takes its default share (0.8) of it through `ratePorts`, as on AWS.
 * Every sender invocation of this process shares one pacer (the local mode's wiring), and there
 * are enough of them for limit x latency calls in flight with one invocation between jobs.
 *
 * For each limit (BENCH_RATE_LIMITS, 50,100,200 msg/s) and BENCH_RATE_N (10,000) messages:
 * - the whole pipeline (planner, queue, sender with its DynamoDB Local ledger, send-time check,
 *   counters): the mean rate and the busiest one-second window as the stand-in saw the calls
 *   arrive (the verdict: where SES counts; a sliding window, see `rateOf`), the same as the calls
 *   left this process (the pacer's own) and the time between, and the CPU a message of each
 *   process;
 * - a bare paced loop (compose, the same pacer, SendRawEmail) for 20 s of sending, half just
 *   before the pipeline and half just after: the CPU a message the pipeline is held to.
 * Then the highest limit this machine carries at >= 0.95x, probed upwards (x1.5) and narrowed
 * twice, with BENCH_RATE_PROBE_S (8) seconds of sending a probe: once the whole pipeline on
 * DynamoDB Local, once the sender with its ledger in memory (answering after
 * BENCH_LEDGER_LATENCY_MS, 5 ms), which is the sender with no emulator on its cores.
 */
import { performance } from 'node:perf_hooks';
import { SESClient } from '@aws-sdk/client-ses';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { LocalSendQueue } from '../../lib/local/queue';
import { DEFAULT_RATE_SHARE } from '../../lambdas/core/pacing';
import type { StandInRecord } from './ses-stand-in';
import { LatencyMemoryLedger } from './memory-ledger';
import { warmUp } from './throughput';
import { sesPorts, systemClock } from '../../lambdas/wiring';
import {
  BATCH_CONCURRENCY,
  benchCampaigns,
  cpuMeterOf,
  emulators,
  fmt,
  measured,
  pipeline,
  quotaRatePorts,
  senderQueue,
  sesStandIn,
  verdict,
  world,
  type World,
  digestJobs,
} from './shared';
import { makeSenderHandler } from '../../lambdas/sender/handler';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';

const LATENCY_MS = Number(process.env.BENCH_SES_LATENCY_MS ?? 50);
const LEDGER_LATENCY_MS = Number(process.env.BENCH_LEDGER_LATENCY_MS ?? 5);
const MEAN_TARGET = 0.97;
const PEAK_TARGET = 1.05;
const CARRIED = 0.95;
const CPU_TARGET = 1.3;

/**
 * Sender invocations for a limit: limit x latency calls in flight need that many slots (8 an
 * invocation), with a quarter to spare, plus one more so the rate holds while an invocation is
 * between its jobs (its last answers, its counters) and the next has not started.
 */
export const sendersFor = (limit: number) => Math.max(2, Math.ceil((limit * (LATENCY_MS / 1000) * 1.25) / BATCH_CONCURRENCY) + 1);

/**
 * Mean rate (calls after the first over the time to the last) and the busiest second of the
 * stand-in's arrival times, which is where SES counts a call. `peak` is the verdict: the most
 * calls in any 1,000 ms window [t, t + 1000), a window that may start anywhere (sliding): the
 * strict reading of a per-second limit. `clockPeak` is the most in one whole clock second
 * (fixed windows), never more than `peak`, shown beside it.
 */
export function rateOf(arrivals: number[]): { mean: number; peak: number; clockPeak: number; seconds: number } {
  const a = [...arrivals].sort((x, y) => x - y);
  let peak = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    while (a[i] - a[j] >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  const perClockSecond = new Map<number, number>();
  for (const t of a) perClockSecond.set(Math.floor(t / 1000), (perClockSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  const clockPeak = Math.max(0, ...perClockSecond.values());
  const seconds = a.length > 1 ? (a[a.length - 1] - a[0]) / 1000 : 0;
  return { mean: seconds > 0 ? (a.length - 1) / seconds : 0, peak, clockPeak, seconds };
}

async function standInAt(limit: number) {
  const standIn = await sesStandIn();
  await standIn.set({ maxSendRate: limit / DEFAULT_RATE_SHARE, max24HourSend: 50_000_000, latencyMs: LATENCY_MS });
  await standIn.take(); // start afresh
  return standIn;
}

type Sent = {
  record: StandInRecord;
  seconds: number;
  cpu: { bench: number; dynamo: number; standIn: number };
  sent: number;
  sentAt: number[];
};

/**
 * When each SendRawEmail left this process (epoch ms, as the stand-in stamps arrivals): a
 * middleware after signing, the last step before the request is written, so right after the
 * sender's pacer. The busiest second of these is the pacer's own; the stand-in's is what SES
 * would count, the pacer's plus what the way between the two processes adds.
 */
function stampSends(ses: SESClient): number[] {
  const at: number[] = [];
  const stamp: FinalizeRequestMiddleware<object, object> = (next, context) => (args) => {
    if (context.commandName === 'SendRawEmailCommand') at.push(performance.timeOrigin + performance.now());
    return next(args);
  };
  ses.middlewareStack.addRelativeTo(stamp as never, { name: 'benchStampSend', relation: 'after', toMiddleware: 'httpSigningMiddleware' });
  return at;
}

/** The whole pipeline to `n` fresh subscribers at `limit`. */
async function pipelineAt(limit: number, n: number, prefix = 'br'): Promise<Sent> {
  const env = await emulators();
  const w = await world(n, prefix);
  const standIn = await standInAt(limit);
  const p = pipeline(w.names, standIn.endpoint, { paced: true, queueConcurrency: sendersFor(limit) });
  const sentAt = stampSends(p.ses);
  const meter = cpuMeterOf({ dynamo: env.pids.dynamo, standIn: standIn.pid });
  const t0 = performance.now();
  await p.planner({ issueId: w.issueId });
  await p.queue.drain(60 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  await p.queue.stop();
  const sent = (await p.counters.get(w.issueId))?.sent ?? 0;
  const record = await standIn.take();
  p.ses.destroy();
  await w.drop();
  return { record, seconds, cpu, sent, sentAt };
}

/** The sender alone with its ledger in memory, on jobs queued up front, at `limit`. */
async function memoryLedgerAt(limit: number, n: number, content: World['content']): Promise<Sent> {
  const env = await emulators();
  const standIn = await standInAt(limit);
  const ses = new SESClient({ endpoint: standIn.endpoint, maxAttempts: 1 });
  const sentAt = stampSends(ses);
  const ledger = new LatencyMemoryLedger(LEDGER_LATENCY_MS);
  const sender = makeSenderHandler({
    ledger,
    mailer: sesPorts(ses).mailer,
    clock: systemClock,
    campaign: benchCampaigns(content),
    concurrency: BATCH_CONCURRENCY,
    ...quotaRatePorts(ses),
  });
  const queue = senderQueue('bench-memory', sender, sendersFor(limit));
  const jobs = digestJobs(n);
  await new LocalSendQueue(queue).enqueue(jobs);
  const meter = cpuMeterOf({ dynamo: env.pids.dynamo, standIn: standIn.pid });
  const t0 = performance.now();
  queue.start();
  await queue.drain(60 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  await queue.stop();
  const sent = (await ledger.list(SAMPLE_ISSUE_ID)).filter((d) => d.status === 'sent').length;
  ses.destroy();
  return { record: await standIn.take(), seconds, cpu, sent, sentAt };
}

/**
 * The bare loop at `limit`: compose, the sender's pacer (GetSendQuota x share), SendRawEmail; as
 * many in flight as the pipeline has slots.
 */
async function bareAt(limit: number, n: number, content: World['content']): Promise<Sent> {
  const env = await emulators();
  const campaign = await benchCampaigns(content)({ campaignId: SAMPLE_ISSUE_ID, kind: 'digest', recipients: [] });
  const standIn = await standInAt(limit);
  const ses = new SESClient({ endpoint: standIn.endpoint, maxAttempts: 1 });
  const sentAt = stampSends(ses);
  const { mailer } = sesPorts(ses);
  const { pacer } = quotaRatePorts(ses);
  let next = 0;
  const meter = cpuMeterOf({ dynamo: env.pids.dynamo, standIn: standIn.pid });
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const raw = campaign.compose(
        { subscriberId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, email: `reader${i}@bench.example.com` },
        new Date(),
      );
      // The slot is taken where the sender takes it: inside the mailer, once the request is built.
      await mailer.sendRaw({ raw, from: campaign.from, to: `reader${i}@bench.example.com`, beforeSend: () => pacer!.take() });
    }
  };
  await Promise.all(Array.from({ length: sendersFor(limit) * BATCH_CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  ses.destroy();
  return { record: await standIn.take(), seconds, cpu, sent: n, sentAt };
}

const ms = (cpuSeconds: number, n: number) => (cpuSeconds * 1000) / n;

/** From leaving this process to arriving at the stand-in: median, 99th percentile and most (the i-th sent taken as the i-th to arrive). */
function transit(r: Sent): string {
  const sent = [...r.sentAt].sort((x, y) => x - y);
  const arrived = [...r.record.arrivals].sort((x, y) => x - y);
  const d = arrived
    .slice(0, sent.length)
    .map((a, i) => a - sent[i])
    .sort((x, y) => x - y);
  if (d.length === 0) return 'n/a';
  const q = (p: number) => fmt(d[Math.min(d.length - 1, Math.floor(p * d.length))], 1);
  return `${q(0.5)} ms (median), ${q(0.99)} ms (99th percentile), ${fmt(d[d.length - 1], 1)} ms (most)`;
}

/**
 * The highest limit carried at >= 0.95x: from what is known (`known`: limits already measured,
 * carried or not), probe upwards (x1.5) from the highest carried, or downwards (/1.5) from the
 * lowest when none was, until the verdict changes; then narrow twice between the two.
 */
async function highestCarried(
  label: string,
  known: Map<number, boolean>,
  start: number,
  probe: (limit: number) => Promise<Sent>,
): Promise<number | undefined> {
  const lines: string[] = [];
  const probeSeconds = Number(process.env.BENCH_RATE_PROBE_S ?? 8);
  const carried = async (limit: number) => {
    const r = await probe(limit);
    const { mean, peak } = rateOf(r.record.arrivals);
    const n = Math.round(limit * probeSeconds);
    const ok = mean >= limit * CARRIED && r.sent === n;
    lines.push(
      `${fmt(limit)}: ${fmt(mean, 1)} msg/s (${fmt(mean / limit, 3)}x), busiest second ${fmt(peak / limit, 3)}x (as sent ${fmt(rateOf(r.sentAt).peak / limit, 3)}x), sent ${fmt(r.sent)} of ${fmt(n)}, this process ${fmt(ms(r.cpu.bench, r.sent || 1), 2)} ms CPU a message`,
    );
    known.set(limit, ok);
    return ok;
  };
  if (known.size === 0) await carried(start);
  const okOf = () => Math.max(-Infinity, ...[...known].filter(([, v]) => v).map(([k]) => k));
  const failAbove = (ok: number) => Math.min(Infinity, ...[...known].filter(([k, v]) => !v && k > ok).map(([k]) => k));
  let ok = okOf();
  if (ok === -Infinity) {
    // Nothing carried yet: down from the lowest tried.
    for (let limit = Math.min(...known.keys()) / 1.5; limit >= 1; limit /= 1.5) {
      const l = Math.max(1, Math.round(limit));
      if (await carried(l)) break;
    }
    ok = okOf();
  } else if (failAbove(ok) === Infinity) {
    for (let limit = Math.round(ok * 1.5); limit <= 20_000; limit = Math.round(limit * 1.5)) if (!(await carried(limit))) break;
  }
  ok = okOf();
  if (ok === -Infinity) {
    console.log(`  highest limit carried at >= ${CARRIED}x, ${label}: none`);
    for (const l of lines) console.log(`    probe ${l}`);
    return undefined;
  }
  for (let i = 0; i < 2; i++) {
    ok = okOf();
    const fail = failAbove(ok);
    const step = ok >= 100 ? 10 : 1;
    const mid = Math.round((ok + fail) / 2 / step) * step;
    if (!Number.isFinite(fail) || mid <= ok || mid >= fail) break;
    await carried(mid);
  }
  ok = okOf();
  const fail = failAbove(ok);
  console.log(
    `  highest limit carried at >= ${CARRIED}x, ${label}: ${fmt(ok)} msg/s${Number.isFinite(fail) ? ` (${fmt(fail)} was not)` : ''}`,
  );
  for (const l of lines) console.log(`    probe ${l}`);
  return ok;
}

async function sendRate(): Promise<void> {
  const limits = (process.env.BENCH_RATE_LIMITS ?? '50,100,200').split(',').map(Number);
  const N = Number(process.env.BENCH_RATE_N ?? 10_000);
  const probeSeconds = Number(process.env.BENCH_RATE_PROBE_S ?? 8);
  const env = await emulators();
  await warmUp(env);
  const contentWorld = await world(1, 'brc');
  console.log(
    `\nsend-rate: against the SES stand-in (answers after ${LATENCY_MS} ms, in its own process), ${fmt(N)} messages a limit; the sender paces itself by GetSendQuota (MaxSendRate = limit / ${DEFAULT_RATE_SHARE}) x its default share ${DEFAULT_RATE_SHARE}`,
  );
  console.log(
    `  pipeline = planner + queue + sender, ledger, send-time check and counters on DynamoDB Local (the verdict); bare = compose + the same pacer + SendRawEmail, ${BATCH_CONCURRENCY} in flight a sender`,
  );
  console.log(
    '  rates are counted where SES counts them, as the stand-in received the calls: mean = calls after the first / time from the first to the last; busiest second = the most calls in any 1,000 ms, a window starting anywhere (sliding, the strict reading)',
  );
  let topCpu: number | undefined;
  const known = new Map<number, boolean>();
  for (const limit of limits) {
    const bareN = Math.max(200, Math.round(limit * 20));
    const before = await bareAt(limit, Math.floor(bareN / 2), contentWorld.content);
    const pipe = await pipelineAt(limit, N);
    const after = await bareAt(limit, bareN - Math.floor(bareN / 2), contentWorld.content);
    const { mean, peak, clockPeak, seconds } = rateOf(pipe.record.arrivals);
    const pipeCpu = ms(pipe.cpu.bench, N);
    const bareCpu = ms(before.cpu.bench + after.cpu.bench, bareN);
    const cpuRatio = pipeCpu / bareCpu;
    topCpu = pipeCpu;
    known.set(limit, mean >= limit * CARRIED && pipe.sent === N);
    const senders = sendersFor(limit);
    console.log(
      `  limit ${fmt(limit)} msg/s (quota ${fmt(limit / DEFAULT_RATE_SHARE, 1)}; ${senders} senders x ${BATCH_CONCURRENCY} = ${senders * BATCH_CONCURRENCY} slots for ${fmt((limit * LATENCY_MS) / 1000, 1)} calls in flight)`,
    );
    console.log(
      `    pipeline: sent ${fmt(pipe.sent)} of ${fmt(N)} in ${fmt(pipe.seconds, 1)} s (first to last call ${fmt(seconds, 1)} s), throttled by the stand-in ${pipe.record.throttled}, quota reads ${pipe.record.quotaReads}`,
    );
    console.log(
      `    mean rate       ${fmt(mean, 1)} msg/s = ${fmt(mean / limit, 3)}x the limit   target >= ${MEAN_TARGET}x: ${verdict(mean >= limit * MEAN_TARGET && pipe.sent === N)}`,
    );
    console.log(
      `    busiest second  ${fmt(peak)} calls = ${fmt(peak / limit, 3)}x the limit   target <= ${PEAK_TARGET}x: ${verdict(peak <= limit * PEAK_TARGET)}   (in a whole clock second: ${fmt(clockPeak)})`,
    );
    const asSent = rateOf(pipe.sentAt);
    console.log(
      `      as this process sent them (after the pacer): busiest second ${fmt(asSent.peak)} (${fmt(asSent.peak / limit, 3)}x), mean ${fmt(asSent.mean / limit, 3)}x; the way to the stand-in took ${transit(pipe)}`,
    );
    console.log(
      `    CPU a message: this process ${fmt(pipeCpu, 2)} ms (bare loop ${fmt(bareCpu, 2)} ms) = ${fmt(cpuRatio, 2)}x   target <= ${CPU_TARGET}x: ${verdict(cpuRatio <= CPU_TARGET)}`,
    );
    console.log(
      `      DynamoDB Local ${fmt(ms(pipe.cpu.dynamo, N), 2)} ms, SES stand-in ${fmt(ms(pipe.cpu.standIn, N), 3)} ms (bare loop: stand-in ${fmt(ms(before.cpu.standIn + after.cpu.standIn, bareN), 3)} ms)`,
    );
    for (const [name, b] of [
      ['before', before],
      ['after', after],
    ] as const) {
      const r = rateOf(b.record.arrivals);
      console.log(
        `    bare loop ${name}: ${fmt(b.sent)} messages, ${fmt(r.mean, 1)} msg/s (${fmt(r.mean / limit, 3)}x), busiest second ${fmt(r.peak / limit, 3)}x (as sent ${fmt(rateOf(b.sentAt).peak / limit, 3)}x), ${fmt(ms(b.cpu.bench, b.sent), 2)} ms CPU a message`,
      );
    }
  }
  measured.senderCpuMs = topCpu;
  if (!(probeSeconds > 0)) {
    console.log('  highest limit this machine carries: not searched (BENCH_RATE_PROBE_S=0)');
    await contentWorld.drop();
    return;
  }
  console.log(
    `  highest limit this machine carries (${probeSeconds} s of sending a probe; the pipeline's search starts from the limits above):`,
  );
  await highestCarried('whole pipeline on DynamoDB Local', known, Math.max(...limits), (limit) =>
    pipelineAt(limit, Math.round(limit * probeSeconds), 'bp'),
  );
  await highestCarried(
    `sender with its ledger in memory (${LEDGER_LATENCY_MS} ms a call), no DynamoDB Local on the cores`,
    new Map(),
    Math.max(...limits),
    (limit) => memoryLedgerAt(limit, Math.round(limit * probeSeconds), contentWorld.content),
  );
  await contentWorld.drop();
}

export const RATE_SECTIONS = { 'send-rate': sendRate };
