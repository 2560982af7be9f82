/**
 * Bench section `alerts`: from publishing a breaking article to the first and to the last alert
 * accepted by SES, for 1,000 and 10,000 matching subscribers (BENCH_ALERT_AUDIENCES). SES is the
 * stand-in (bin/bench/ses-stand-in.ts: answers after 50 ms, in its own process); everything
 * else is the local mode as it runs: DynamoDB Local in memory, the Content stream read by the
 * local poller, the alert planner, the in-process queue and the sender, which paces itself by
 * the stand-in's GetSendQuota (MaxSendRate = BENCH_ALERT_RATE / 0.8) x its default share 0.8.
 *
 * Targets (on a running service, not the first alert of the process): publish → first alert
 * accepted <= 1 s; publish → last accepted <= 1.05 x the floor N / rate, + 2 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../lib/local/ports';
import { localConfig } from '../../lib/local/config';
import { startRuntime } from '../../lib/local/runtime';
import { DEFAULT_RATE_SHARE } from '../../lambdas/core/pacing';
import type { Subscriber } from '../../lambdas/core/model';
import { cpuMeterOf, emulators, fmt, sesStandIn, verdict } from './shared';
import { sendersFor } from './rate';
import { warmUp } from './throughput';
import { documentClient, dynamoPorts, systemClock as clock } from '../../lambdas/wiring';
import { publish } from '../../lambdas/usecases/publish';

const ALERT_FILE = join(__dirname, '..', '..', 'content', 'eu-japan-security-brief', 'alerts', 'north-korea-icbm-test.md');
const FIRST_TARGET_S = 1;
const now = () => performance.timeOrigin + performance.now();

async function alertsBench(): Promise<void> {
  const measured = (process.env.BENCH_ALERT_AUDIENCES ?? '1000,10000').split(',').map(Number);
  const rate = Number(process.env.BENCH_ALERT_RATE ?? 200);
  const latencyMs = Number(process.env.BENCH_SES_LATENCY_MS ?? 50);
  // After the shared warm-up, the first alert still runs code paths nothing else has (the
  // stream, the cap): it is shown, but the targets are judged on a running service: the same
  // audience again, with the next article.
  const sizes = [measured[0], ...measured];
  const dataDir = mkdtempSync(join(tmpdir(), 'briefing-bench-alerts-'));
  const env = await emulators();
  await warmUp(env);
  const standIn = await sesStandIn();
  await standIn.set({ maxSendRate: rate / DEFAULT_RATE_SHARE, max24HourSend: 50_000_000, latencyMs });
  const base = localConfig({
    ...process.env,
    BRIEFING_DATA_DIR: dataDir,
    BRIEFING_TABLE_PREFIX: `bench-alerts-${Date.now().toString(36)}-`,
    // Every run alerts the first readers again; the cap is checked for each, never reached.
    BRIEFING_ALERT_DAILY_CAP: String(Math.max(3, sizes.length)),
  });
  // DynamoDB Local is the bench's (its endpoint is in the environment); SES is the stand-in.
  const config = {
    ...base,
    sesEndpoint: standIn.endpoint,
    dynamoPort: await freePort(),
    sesPort: await freePort(),
    httpPort: await freePort(),
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const senders = Number(process.env.BENCH_ALERT_SENDERS ?? sendersFor(rate));
  const rt = await startRuntime({ startEmulators: true, persist: false, http: false, streams: true, config, queueConcurrency: senders });
  const rows: string[][] = [];
  const cpuLines: string[] = [];
  try {
    const { subscribers, ledger, content } = dynamoPorts(documentClient(), rt.config.tables);
    let loaded = 0;
    for (const [run, size] of sizes.entries()) {
      // Grow the audience to `size` matching readers (the runs share one table), plus as many
      // non-matching ones, which the planner must read past.
      const at = new Date().toISOString();
      const make = (topics: string[]): Subscriber => ({
        subscriberId: randomUUID(),
        email: `reader-${randomUUID()}@bench.example.com`,
        status: 'confirmed',
        digest: false,
        alerts: true,
        topics,
        timezone: 'UTC',
        source: 'import',
        createdAt: at,
        confirmedAt: at,
      });
      const extra = size - loaded;
      await subscribers.putBatch([
        ...Array.from({ length: extra }, () => make(['north-korea'])),
        ...Array.from({ length: extra }, () => make(['cyber'])),
      ]);
      loaded = size;
      await standIn.take(); // start afresh

      // Each run publishes its own breaking article (a fresh id), as an editor would.
      const id = `bench-alert-${run}-${size}`;
      const text = readFileSync(ALERT_FILE, 'utf8').replace(/^id: .*$/m, `id: ${id}`);
      const meter = cpuMeterOf({ dynamo: env.pids.dynamo, standIn: standIn.pid });
      const t0 = now();
      await publish({ content, clock }, [{ name: `${id}.md`, text }]);
      await rt.streamPoller!.caughtUp(120_000); // the planner has queued everyone
      const tPlanned = now();
      await rt.queue.drain(30 * 60_000); // every send has had SES's answer
      const cpu = meter();
      const record = await standIn.take();
      const answers = [...record.answers].sort((a, b) => a - b);
      const sent = (await ledger.list(id)).filter((d) => d.status === 'sent').length;
      const first = answers.length ? (answers[0] - t0) / 1000 : Infinity;
      const last = answers.length ? (answers[answers.length - 1] - t0) / 1000 : Infinity;
      const floor = size / rate;
      const lastGoal = 1.05 * floor + 2;
      const cold = run === 0;
      cpuLines.push(
        `  ${fmt(size)}${cold ? ' (first)' : ''}: CPU a message: this process ${fmt((cpu.bench * 1000) / size, 2)} ms, DynamoDB Local ${fmt((cpu.dynamo * 1000) / size, 2)} ms, SES stand-in ${fmt((cpu.standIn * 1000) / size, 3)} ms; throttled ${record.throttled}`,
      );
      const judge = (ok: boolean) => (cold ? (ok ? 'met' : 'not met') : verdict(ok));
      rows.push([
        cold ? `${fmt(size)} (first alert)` : fmt(size),
        `${fmt(sent)}${sent === size ? '' : ' MISSING'}`,
        `${fmt(first, 2)} s ${judge(first <= FIRST_TARGET_S)}`,
        `${fmt(last, 2)} s ${judge(last <= lastGoal && sent === size)}`,
        `${fmt(floor, 2)} s / ${fmt(lastGoal, 2)} s`,
        `${fmt((tPlanned - t0) / 1000, 2)} s`,
        `${fmt(answers.length > 1 ? (answers.length - 1) / ((answers[answers.length - 1] - answers[0]) / 1000) : 0, 1)} /s`,
      ]);
    }
  } finally {
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const head = [
    'matching readers',
    'alerts sent',
    `publish → first accepted (<= ${FIRST_TARGET_S} s)`,
    'publish → last accepted',
    'floor N/rate / goal 1.05x + 2 s',
    'publish → all queued',
    'rate',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(
    `\nalerts: publish a breaking article → alerts accepted by the SES stand-in (${latencyMs} ms a call) at ${fmt(rate)} msg/s (GetSendQuota ${fmt(rate / DEFAULT_RATE_SHARE, 1)} x ${DEFAULT_RATE_SHARE}), ${senders} senders; DynamoDB Local`,
  );
  console.log(`  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`);
  for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`);
  for (const line of cpuLines) console.log(line);
  console.log('  the first alert of the process is shown (met / not met), not judged: the targets are on a running service');
}

export const ALERT_SECTIONS = { alerts: alertsBench };
