/**
 * `npm run demo`: the one-shot tour. Fresh state (in-memory DynamoDB Local and the SES
 * emulator on free ports, a temporary data folder), the sample issue published, three demo
 * subscribers, the digest sent through the real planner, queue and sender, every delivery
 * listed, and previews written to out/preview/ (HTML, text, and the raw .eml as sent).
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/local/ports';
import { localAddressKey, localConfig } from '../lib/local/config';
import { startRuntime } from '../lib/local/runtime';
import { sesStore } from '../lib/local/ses';
import { SAMPLE_ISSUE_ID, sampleIssueFiles } from '../lib/local/sample-content';
import { publish } from '../lambdas/usecases/publish';
import { addressDigest } from '../lambdas/core/address';
import { addSubscriber } from '../lambdas/usecases/subscribers';
import { documentClient, dynamoPorts, systemClock as clock } from '../lambdas/wiring';

const PREVIEW_DIR = join(process.cwd(), 'out', 'preview');
const DEMO_READERS = ['ana@example.com', 'ben@example.org', 'chiara@example.net'];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'briefing-demo-'));
  const outbox = join(dataDir, 'outbox');
  const base = localConfig({ ...process.env, BRIEFING_DATA_DIR: dataDir });
  // Fresh state: our own emulators on free ports, never the ones `npm start` may be running.
  const config = {
    ...base,
    dynamoEndpoint: undefined,
    sesEndpoint: undefined,
    dynamoPort: await freePort(),
    sesPort: await freePort(),
    httpPort: await freePort(),
  };
  console.log('Starting DynamoDB Local and the SES emulator on free ports (in memory)…');
  const rt = await startRuntime({ startEmulators: true, persist: false, http: true, config, outboxDir: outbox });
  try {
    const { content, subscriptions, ledger } = dynamoPorts(documentClient(), rt.config.tables);
    const digest = addressDigest(localAddressKey(rt.config.dataDir));

    const published = await publish({ content, clock }, sampleIssueFiles());
    console.log(`1. Published ${published.issues.join(', ')} with ${published.articles.length} articles.`);

    for (const email of DEMO_READERS)
      await addSubscriber({ subscribers: subscriptions, clock, digest }, { email }, 'cli', { allowReservedDomains: true });
    console.log(`2. Added ${DEMO_READERS.length} confirmed subscribers: ${DEMO_READERS.join(', ')}.`);

    const plan = await rt.planDigest({ issueId: SAMPLE_ISSUE_ID });
    if (plan.status !== 'queued') throw new Error(`the planner did not queue the digest: ${JSON.stringify(plan)}`);
    await rt.queue.drain(120_000);
    console.log(`3. Planned and sent: ${plan.recipients} recipients in ${plan.batches} batch(es).`);

    const deliveries = await ledger.list(SAMPLE_ISSUE_ID);
    const inbox = await sesStore(rt.sesInbox);
    console.log('4. Deliveries (ledger ⟷ SES emulator):');
    for (const d of deliveries) {
      const s = await subscriptions.getById(d.subscriberId);
      const mail = inbox.find((m) => m.destination.to.some((to) => to.includes(s?.email ?? '?')));
      console.log(
        `   ${(s?.email ?? d.subscriberId).padEnd(22)} ${d.status.padEnd(6)} ${d.sesMessageId}  "${mail?.subject ?? '(not in the emulator)'}"`,
      );
    }
    const sent = deliveries.filter((d) => d.status === 'sent').length;
    if (sent !== DEMO_READERS.length || inbox.length !== DEMO_READERS.length) {
      throw new Error(`expected ${DEMO_READERS.length} deliveries, ledger has ${sent} sent and the emulator ${inbox.length} messages`);
    }

    rmSync(PREVIEW_DIR, { recursive: true, force: true });
    mkdirSync(PREVIEW_DIR, { recursive: true });
    const first = inbox[0];
    const eml = readdirSync(outbox).sort()[0];
    writeFileSync(join(PREVIEW_DIR, 'digest.html'), first.body.html ?? '');
    writeFileSync(join(PREVIEW_DIR, 'digest.txt'), first.body.text ?? '');
    writeFileSync(join(PREVIEW_DIR, 'digest.eml'), readFileSync(join(outbox, eml)));
    console.log(
      `5. Previews written to ${PREVIEW_DIR}: digest.html (${Buffer.byteLength(first.body.html ?? '')} bytes), digest.txt, digest.eml`,
    );
  } finally {
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('Demo done.');
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`demo failed: ${e.message}`);
    process.exit(1);
  },
);
