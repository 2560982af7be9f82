/**
 * A local send in a process of its own, for the resume test: the local runtime (the same
 * wiring as `npm run cli -- send-digest`) on the tables named in BRIEFING_TEST_TABLES, paced
 * by BRIEFING_SEND_RATE, planning the issue with resume as send-digest does. The test kills it
 * with SIGKILL in the middle and runs it again.
 */
import { localConfig } from '../../lib/local/config';
import { startRuntime } from '../../lib/local/runtime';

async function main() {
  const tables = JSON.parse(process.env.BRIEFING_TEST_TABLES!) as { subscribers: string; content: string; deliveries: string };
  const config = { ...localConfig(), tables };
  const rt = await startRuntime({ startEmulators: false, http: false, config });
  const result = await rt.planDigest({ issueId: process.argv[2], resume: true });
  console.log(`planned ${JSON.stringify(result)}`);
  await rt.queue.drain(120_000);
  // As send-digest does after its queue is empty.
  await rt.counters.reconcile?.(process.argv[2], new Date());
  console.log(`done ${JSON.stringify(rt.queue.stats())}`);
  await rt.stop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
