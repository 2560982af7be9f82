/**
 * Resume after a crash: a local send runs in a child process (the local runtime, as
 * `send-digest` runs it), is killed with SIGKILL once some but not all recipients are sent,
 * and is started again. Counted from the SES emulator's store and the ledger: nobody missed;
 * a second copy only for a message SES accepted in the instant before the kill, before the
 * ledger recorded it (the named window), and that count is reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentClient } from '../../lambdas/adapters/clients';
import { DynamoCampaignCounters, DynamoContentStore, DynamoLedger, DynamoSubscriberStore } from '../../lambdas/adapters/dynamodb';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { createTestTables, type TestTables } from '../support/tables';
import { sampleFiles, uniqueDomain } from '../support/pipeline';
import { countCopies, faultTable, ISSUE } from '../support/copies';

const N = 300;
let tables: TestTables;
const table = faultTable('resume-table');
afterAll(async () => {
  table.write();
  await tables?.drop();
});

function child(env: NodeJS.ProcessEnv): { proc: ChildProcess; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [require.resolve('tsx/cli'), 'test/support/send-child.ts', ISSUE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.resume();
  proc.stderr?.resume();
  return { proc, exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
}

it('a send killed with SIGKILL mid-way and started again reaches everyone; duplicates only in the accepted-but-not-recorded window', async () => {
  tables = await createTestTables('resume');
  const db = documentClient();
  const content = new DynamoContentStore(db, tables.names.content);
  const subscribers = new DynamoSubscriberStore(db, tables.names.subscribers);
  const ledger = new DynamoLedger(db, tables.names.deliveries);
  const counters = new DynamoCampaignCounters(db, tables.names.deliveries);
  await publish({ content, clock: systemClock }, sampleFiles());
  const domain = uniqueDomain();
  const emails: string[] = [];
  for (let i = 0; i < N; i++) emails.push((await addSubscriber({ subscribers, clock: systemClock }, { email: `r${i}@${domain}` })).email);

  const env = {
    ...process.env,
    BRIEFING_TEST_TABLES: JSON.stringify(tables.names),
    BRIEFING_DATA_DIR: mkdtempSync(join(tmpdir(), 'briefing-resume-')),
    BRIEFING_SEND_RATE: '150',
    BRIEFING_CLAIM_LEASE_MS: '1500',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const first = child(env);
  // Kill once some, not all, are sent.
  let sentAtKill = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    sentAtKill = (await counters.get(ISSUE))?.sent ?? 0;
    if (sentAtKill >= 50) break;
    if (first.proc.exitCode !== null) throw new Error('the first run finished before it could be killed');
  }
  first.proc.kill('SIGKILL');
  await first.exited;
  const before = await countCopies(emails);
  expect(before.one + before.two).toBeLessThan(N);

  const second = child(env);
  expect(await second.exited).toBe(0);

  const copies = await countCopies(emails);
  const rows = await ledger.list(ISSUE);
  expect(copies.zero).toBe(0);
  expect(rows.filter((d) => d.status === 'sent')).toHaveLength(N);
  // At most what was in SES's hands at the kill: the senders' in-flight sends (2 senders x 8).
  expect(copies.two).toBeLessThanOrEqual(16);
  expect(await counters.get(ISSUE)).toMatchObject({ state: 'done' });
  table.add({ fault: 'SIGKILL of the local send mid-way, then restart', injected: 1, subscribers: N, zero: copies.zero, two: copies.two, note: `killed after ${sentAtKill} sent; any second copy is the accepted-but-not-recorded window` });
});
