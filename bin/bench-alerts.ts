/**
 * Bench section `alerts`: the time from publishing a breaking article to the last alert
 * accepted by the SES emulator, for 1,000 and 10,000 matching subscribers. Everything real
 * and local: DynamoDB Local and the SES emulator on free ports (in memory), the Content
 * stream read by the local poller, the alert planner, the in-process queue and the sender.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { freePort } from '../lib/local/ports';
import { localConfig } from '../lib/local/config';
import { startRuntime } from '../lib/local/runtime';
import { clearSesStore } from '../lib/local/ses';
import { cpuMeter, emulators, perMessage, warmUp } from './bench-send';
import type { Subscriber } from '../lambdas/core/model';

const ALERT_FILE = join(__dirname, '..', 'content', 'eu-japan-security-brief', 'alerts', 'north-korea-icbm-test.md');
const fmt = (n: number, digits = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function alertsBench(): Promise<void> {
  const measured = (process.env.BENCH_ALERT_AUDIENCES ?? '1000,10000').split(',').map(Number);
  // After the shared warm-up, the first alert still runs code paths nothing else has (the
  // stream, the cap): it is shown, but the target is judged on a running service: the same
  // audience again, with the next article.
  const sizes = [measured[0], ...measured];
  const dataDir = mkdtempSync(join(tmpdir(), 'briefing-bench-alerts-'));
  // The bench's emulators: DynamoDB Local in memory and the SES emulator in a child process, so
  // the emulator's parsing of every message is not on this process's event loop. Their
  // endpoints are in the environment, so the runtime starts none of its own.
  const env = await emulators();
  await warmUp(env);
  const base = localConfig({ ...process.env, BRIEFING_DATA_DIR: dataDir, BRIEFING_TABLE_PREFIX: `bench-alerts-${Date.now().toString(36)}-`,
    // Every run alerts the first readers again; the cap is checked for each, never reached.
    BRIEFING_ALERT_DAILY_CAP: String(Math.max(3, sizes.length)),
  });
  const config = { ...base, dynamoPort: await freePort(), sesPort: await freePort(), httpPort: await freePort() };
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const rt = await startRuntime({ startEmulators: true, persist: false, http: false, streams: true, config, queueConcurrency: Number(process.env.BENCH_ALERT_SENDERS ?? 4) });
  const rows: string[][] = [];
  const cpuLines: string[] = [];
  try {
    const { DynamoSubscriberStore, DynamoLedger } = await import('../lambdas/adapters/dynamodb');
    const { documentClient } = await import('../lambdas/adapters/clients');
    const { systemClock: clock } = await import('../lambdas/adapters/system-clock');
    const { publish } = await import('../lambdas/usecases/publish');
    const subscribers = new DynamoSubscriberStore(documentClient(), rt.config.tables.subscribers);
    const ledger = new DynamoLedger(documentClient(), rt.config.tables.deliveries);
    const { content } = { content: new (await import('../lambdas/adapters/dynamodb')).DynamoContentStore(documentClient(), rt.config.tables.content) };
    let loaded = 0;
    for (const [run, size] of sizes.entries()) {
      // Grow the audience to `size` matching readers (the runs share one table), plus as many
      // non-matching ones, which the planner must read past.
      const now = new Date().toISOString();
      const make = (topics: string[]): Subscriber => ({
        subscriberId: randomUUID(), email: `reader-${randomUUID()}@bench.example.com`, status: 'confirmed', digest: false, alerts: true,
        topics, timezone: 'UTC', source: 'import', createdAt: now, confirmedAt: now,
      });
      const extra = size - loaded;
      await subscribers.putBatch([...Array.from({ length: extra }, () => make(['north-korea'])), ...Array.from({ length: extra }, () => make(['cyber']))]);
      loaded = size;
      await clearSesStore(rt.sesInbox);

      // Each run publishes its own breaking article (a fresh id), as an editor would.
      const id = `bench-alert-${run}-${size}`;
      const text = readFileSync(ALERT_FILE, 'utf8').replace(/^id: .*$/m, `id: ${id}`);
      const meter = cpuMeter(env);
      const t0 = performance.now();
      await publish({ content, clock }, [{ name: `${id}.md`, text }]);
      await rt.streamPoller!.caughtUp(120_000); // the planner has queued everyone
      const tPlanned = performance.now();
      await rt.queue.drain(30 * 60_000); // every send has had SES's answer
      const seconds = (performance.now() - t0) / 1000;
      const cpu = meter();
      const sent = (await ledger.list(id)).filter((d) => d.status === 'sent').length;
      cpuLines.push(`  ${fmt(size)}${run === 0 ? ' (first)' : ''}: ${perMessage(cpu, size)}`);
      const cold = run === 0;
      rows.push([
        cold ? `${fmt(size)} (first alert)` : fmt(size),
        fmt(sent),
        `${fmt(seconds, 2)} s`,
        `${fmt((tPlanned - t0) / 1000, 2)} s`,
        `${fmt(sent / seconds)} /s`,
        cold || size > 1000 ? (sent === size ? 'all sent' : 'MISSING') : seconds < 5 && sent === size ? 'PASS (< 5 s)' : 'FAIL (target < 5 s)',
      ]);
      if (sent !== size || (!cold && size <= 1000 && seconds >= 5)) process.exitCode = 1;
    }
  } finally {
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const head = ['matching readers', 'alerts sent', 'publish → last accepted', 'publish → all queued', 'rate', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log('\nalerts: publish a breaking article → last alert accepted by the SES emulator (local send rate: BRIEFING_SEND_RATE, default 1,000/s)');
  console.log(`  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`);
  for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`);
  for (const line of cpuLines) console.log(line);
}
