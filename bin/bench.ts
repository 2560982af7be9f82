/**
 * Benchmarks. `npm run bench` runs every section; `npm run bench -- --section <name>[,<name>…]` runs
 * those (`npm run bench -- --model`: the cost model alone). One file a section under bin/bench/, what
 * they share in bin/bench/shared.ts.
 *
 * Each section prints PASS or FAIL against its targets. The run exits non-zero only when a
 * gating target fails: the send rate and its CPU (send-rate), the cost beyond SES (model) and
 * the alert times (alerts). The others (render-and-MIME, send-throughput, send-memory) are
 * figures to watch: shown with their targets, never failing the run.
 */
import { spawnSync } from 'node:child_process';
import { DEFAULT_MEMORY_MB, heapFlags } from '../lib/constructs/node-options';
import { ALERT_SECTIONS } from './bench/alerts';
import { LOCAL_TIME_SECTIONS } from './bench/local-time';
import { MEMORY_SECTIONS } from './bench/memory';
import { MODEL_SECTIONS } from './bench/model';
import { RATE_SECTIONS } from './bench/rate';
import { RENDER_SECTIONS } from './bench/render';
import { stopBenchEmulators } from './bench/shared';
import { THROUGHPUT_SECTIONS } from './bench/throughput';

export { inlinedMjmlSource, sampleIssue } from './bench/render';

/** Benchmark sections by name, in run order; each runs on its own with `--section <name>`. */
export const SECTIONS: Record<string, () => Promise<void>> = {
  ...RENDER_SECTIONS,
  ...THROUGHPUT_SECTIONS,
  ...RATE_SECTIONS,
  ...MEMORY_SECTIONS,
  ...MODEL_SECTIONS,
  ...ALERT_SECTIONS,
  ...LOCAL_TIME_SECTIONS,
};

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--section');
  // `--model` is the cost model alone (it uses the default figures when nothing was measured).
  // `--section a,b` runs several, in the bench's order, in one process (so the model can use what send-rate measured).
  const wanted = argv.includes('--model') ? ['model'] : at >= 0 ? (argv[at + 1] ?? '').split(',') : undefined;
  const unknown = wanted?.filter((w) => !SECTIONS[w]) ?? [];
  if (wanted && (wanted.length === 0 || unknown.length > 0)) {
    console.error(`unknown section ${JSON.stringify(unknown.join(','))}; sections: ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
  try {
    for (const [name, run] of Object.entries(SECTIONS)) {
      if (!wanted || wanted.includes(name)) await run();
    }
  } finally {
    await stopBenchEmulators();
  }
}

/**
 * The bench runs with the V8 heap limits the sender has on Lambda (lib/constructs/node-options.ts):
 * started without them, it starts itself again with them, so every way of running it measures the
 * same garbage collector.
 */
function withSenderHeap(): boolean {
  if (process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) return false;
  const child = spawnSync(process.execPath, [...heapFlags(DEFAULT_MEMORY_MB), ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

if (require.main === module && !withSenderHeap()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
