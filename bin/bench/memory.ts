/**
 * Bench section `send-memory`: peak RSS and heap of this process sending to BENCH_MEM_SMALL
 * (10,000) and BENCH_MEM_LARGE (100,000) subscribers (about 10 minutes on two cores). The SES
 * emulator runs in a child process (it keeps every message in memory and parses it), and
 * DynamoDB Local is a Java process, so neither counts: the figure is the planner, queue and
 * sender alone.
 */
import { performance } from 'node:perf_hooks';
import { clearSesStore } from '../../lib/local/ses';
import { emptyStoreWhileSending, emulators, fmt, forceGc, pipeline, verdict, world } from './shared';

async function peakMemory(n: number): Promise<{ rss: number; heap: number; live: number; seconds: number }> {
  const env = await emulators();
  const w = await world(n, `bm${n}`);
  await clearSesStore(env.ses);
  const gc = forceGc();
  gc();
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  let live = 0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss - base.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 50);
  // Live memory: collect, then read, every half second through the send.
  const liveSample = setInterval(() => {
    gc();
    live = Math.max(live, process.memoryUsage().heapUsed);
  }, 500);
  // Empty the emulator as the send goes, so its child stays small too.
  const stopEmptying = emptyStoreWhileSending(env, 2_000);
  const p = pipeline(w.names, env.ses);
  const t0 = performance.now();
  await p.planner({ issueId: w.issueId });
  await p.queue.drain(60 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sample);
  clearInterval(liveSample);
  stopEmptying();
  await p.queue.stop();
  p.ses.destroy();
  await clearSesStore(env.ses);
  await w.drop();
  return { rss: rss / 2 ** 20, heap: heap / 2 ** 20, live: live / 2 ** 20, seconds };
}

async function sendMemory(): Promise<void> {
  const small = Number(process.env.BENCH_MEM_SMALL ?? 10_000);
  const large = Number(process.env.BENCH_MEM_LARGE ?? 100_000);
  const a = await peakMemory(small);
  const b = await peakMemory(large);
  console.log(`\nsend-memory: this process only (SES emulator in a child process, DynamoDB Local in Java)`);
  console.log('  peak live heap (after a forced collection, every 0.5 s); peak heap used between collections; peak RSS growth');
  for (const [n, m] of [
    [small, a],
    [large, b],
  ] as const) {
    console.log(
      `  ${fmt(n).padStart(8)} subscribers  live ${fmt(m.live, 1)} MB  heap ${fmt(m.heap, 1)} MB  RSS +${fmt(m.rss, 1)} MB  (${fmt(m.seconds, 1)} s)`,
    );
  }
  const ratio = b.live / a.live;
  console.log(
    `  live heap ratio ${fmt(ratio, 2)}   target <= 1.2: ${verdict(ratio <= 1.2, false)}   (heap-used ratio ${fmt(b.heap / a.heap, 2)}, which depends on when V8 collects)`,
  );
}

export const MEMORY_SECTIONS = { 'send-memory': sendMemory };
