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
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import type { CampaignCounters, Ledger } from '../../lambdas/core/ports';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { createTestTables, type TestTables } from '../support/tables';
import { sampleFiles, uniqueDomain } from '../support/pipeline';
import { countCopies, faultTable, ISSUE } from '../support/copies';
import { localConfig } from '../../lib/local/config';
import { ensureTables } from '../../lib/local/tables';
import { freePort } from '../../lib/local/ports';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, DeleteTableCommand } from '@aws-sdk/client-dynamodb';

const N = 300;
let tables: TestTables;
const table = faultTable('resume-table');
afterAll(async () => {
  table.write();
  await tables?.drop();
});

function child(env: NodeJS.ProcessEnv): { proc: ChildProcess; exited: Promise<number | null> } {
  // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a child process
  // of its own, which a SIGKILL of the CLI would leave running.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/send-child.ts', ISSUE], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.resume();
  proc.stderr?.resume();
  return { proc, exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
}

/**
 * The sample issue published and N confirmed subscribers (`<prefix><i>@<unique domain>`) in
 * `names`, with the ledger and counters on them.
 */
async function seedIssue(names: TestTables['names'], prefix: string) {
  const { content, subscriptions, ledger, counters } = dynamoPorts(documentClient(), names);
  await publish({ content, clock: systemClock }, sampleFiles());
  const domain = uniqueDomain();
  const emails: string[] = [];
  // Twenty at a time: one by one, 300 subscribers take most of a minute on a loaded machine.
  for (let i = 0; i < N; i += 20) {
    const added = await Promise.all(
      Array.from({ length: Math.min(20, N - i) }, (_, j) =>
        addSubscriber(operator(subscriptions, systemClock), { email: `${prefix}${i + j}@${domain}` }),
      ),
    );
    emails.push(...added.map((s) => s.email));
  }
  return { ledger, counters, emails };
}

/**
 * Start a local send in a child process and SIGKILL it once 50 or more are sent. Returns how
 * many the counters had, and how many claims the ledger held just after the kill: claims
 * held mean the kill landed mid-send, not in a pause between jobs.
 */
async function sendAndKill(env: NodeJS.ProcessEnv, counters: CampaignCounters, ledger: Ledger): Promise<{ sent: number; claimed: number }> {
  const first = child(env);
  for (;;) {
    // Polled, not waited out: the condition is positive (50 counted), and the child is paced
    // slowly enough (BRIEFING_SEND_RATE) that a loaded machine still sees it mid-way.
    await new Promise((r) => setTimeout(r, 50));
    const sent = (await counters.get(ISSUE))?.sent ?? 0;
    if (sent >= 50) {
      first.proc.kill('SIGKILL');
      await first.exited;
      const claimed = (await ledger.list(ISSUE)).filter((d) => d.status === 'claimed').length;
      return { sent, claimed };
    }
    if (first.proc.exitCode !== null) throw new Error('the first run finished before it could be killed');
  }
}

it('a send killed with SIGKILL mid-way and started again reaches everyone; duplicates only in the accepted-but-not-recorded window', async () => {
  tables = await createTestTables('resume');
  const { ledger, counters, emails } = await seedIssue(tables.names, 'r');

  const env = {
    ...process.env,
    BRIEFING_TEST_TABLES: JSON.stringify(tables.names),
    BRIEFING_DATA_DIR: mkdtempSync(join(tmpdir(), 'briefing-resume-')),
    BRIEFING_SEND_RATE: '120',
    BRIEFING_CLAIM_LEASE_MS: '1500',
    BRIEFING_SENDER_LEASE_MS: '3000',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  // Kill once some, not all, are sent.
  const atKill = await sendAndKill(env, counters, ledger);
  expect(atKill.claimed).toBeGreaterThan(0);
  const before = await countCopies(emails);
  expect(before.one + before.two).toBeLessThan(N);

  const second = child(env);
  expect(await second.exited).toBe(0);

  const copies = await countCopies(emails);
  const rows = await ledger.list(ISSUE);
  expect(copies.zero).toBe(0);
  expect(rows.filter((d) => d.status === 'sent')).toHaveLength(N);
  // At most what was between claim and `sent` record at the kill: twice the send slots, per
  // sender (2 senders x 16).
  expect(copies.two).toBeLessThanOrEqual(32);
  // A batch killed after some sends and before its once-a-batch counter write lost those counts
  // (its redelivery sees them as already served); once its queue is empty the restarted send
  // brings the counters up to the ledger, so the issue shows done with exactly N sent.
  expect(await counters.get(ISSUE)).toMatchObject({ state: 'done', sent: N });
  table.add({
    fault: 'SIGKILL of the local send mid-way, then restart',
    injected: 1,
    subscribers: N,
    zero: copies.zero,
    two: copies.two,
    note: `killed after ${atKill.sent} sent, ${atKill.claimed} claims held; any second copy is the accepted-but-not-recorded window`,
  });
}, 300_000); // two child processes and 300 sends: on a loaded machine well over the default two minutes

it('`npm start` after a send was killed mid-way finishes it on its own: nobody missed, duplicates only in the named window', async () => {
  // The tables as `npm start` names them from BRIEFING_TABLE_PREFIX.
  const prefix = `resume-start-${randomBytes(3).toString('hex')}-`;
  const names = localConfig({ ...process.env, BRIEFING_TABLE_PREFIX: prefix }).tables;
  const client = new DynamoDBClient({});
  await ensureTables(client, names);
  try {
    const { ledger, counters, emails } = await seedIssue(names, 's');
    const env = {
      ...process.env,
      BRIEFING_TEST_TABLES: JSON.stringify(names),
      BRIEFING_TABLE_PREFIX: prefix,
      BRIEFING_DATA_DIR: mkdtempSync(join(tmpdir(), 'briefing-resume-start-')),
      BRIEFING_HTTP_PORT: String(await freePort()),
      BRIEFING_SEND_RATE: '120',
      BRIEFING_CLAIM_LEASE_MS: '1500',
      BRIEFING_SENDER_LEASE_MS: '3000',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const atKill = await sendAndKill(env, counters, ledger);
    expect(atKill.claimed).toBeGreaterThan(0);
    expect((await counters.get(ISSUE))?.state).not.toBe('done');

    // Not send-digest: the product's own start command, which resumes an unfinished latest issue.
    const start = spawn(join('node_modules', '.bin', 'tsx'), ['bin/start.ts'], {
      env: { ...env, POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    start.stdout.on('data', (d) => (out += d));
    start.stderr.on('data', (d) => (out += d));
    const stopped = new Promise<number | null>((resolve) => start.on('exit', (code) => resolve(code)));
    try {
      // npm start says so once its queue is empty and it has reconciled the counters: wait for
      // that line (or its exit), then read the ledger and the counters once.
      const resumedLine = `resumed send of ${ISSUE}:`;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not report the resumed send within 150 s:\n${out}`)), 150_000);
        const check = () => {
          if (out.includes(resumedLine)) {
            clearTimeout(timer);
            resolve();
          }
        };
        start.stdout.on('data', check);
        start.stderr.on('data', check);
        start.once(
          'exit',
          (code) => (clearTimeout(timer), reject(new Error(`npm start exited (${code}) before the resumed send was through:\n${out}`))),
        );
        check();
      });
      expect(out).toContain(`resuming the unfinished send of ${ISSUE}`);
      expect((await ledger.list(ISSUE)).filter((d) => d.status === 'sent')).toHaveLength(N);
      expect(await counters.get(ISSUE)).toMatchObject({ state: 'done', sent: N });
    } finally {
      start.kill('SIGTERM');
      await stopped;
    }
    const copies = await countCopies(emails);
    expect(copies.zero).toBe(0);
    expect((await ledger.list(ISSUE)).filter((d) => d.status === 'sent')).toHaveLength(N);
    expect(copies.two).toBeLessThanOrEqual(32);
    table.add({
      fault: 'SIGKILL of the local send mid-way, then `npm start`',
      injected: 1,
      subscribers: N,
      zero: copies.zero,
      two: copies.two,
      note: `killed after ${atKill.sent} sent, ${atKill.claimed} claims held; npm start resumed it`,
    });
  } finally {
    for (const name of Object.values(names)) await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
  }
}, 300_000);

it('reconcile raises the counters to what the ledger holds (a killed batch never wrote its counts) and never lowers them', async () => {
  const t = await createTestTables('reconcile');
  try {
    const { ledger, counters } = dynamoPorts(documentClient(), t.names);
    const at = new Date();
    await counters.startPlanning('c1', at);
    await counters.finishPlanning('c1', 5, at);
    // Bad state on purpose: five final entries in the ledger, only two of them counted.
    for (const s of ['a', 'b', 'c', 'd']) {
      await ledger.claim('c1', s, at);
      await ledger.markSent('c1', s, `m-${s}`, at);
    }
    await ledger.markSuppressed('c1', 'e', at);
    await ledger.claim('c1', 'f', at); // still in flight: not final, not counted
    await counters.add('c1', { sent: 2 }, at);
    expect(await counters.get('c1')).toMatchObject({ sent: 2, suppressed: 0, state: 'queued' });
    expect(await counters.reconcile('c1', at)).toMatchObject({ sent: 4, suppressed: 1, failed: 0, state: 'done' });
    // A counter already at or above the ledger's figure is left alone.
    await counters.add('c1', { failed: 1 }, at);
    expect(await counters.reconcile('c1', at)).toMatchObject({ sent: 4, suppressed: 1, failed: 1 });
    expect(await counters.reconcile('nope', at)).toBeUndefined();
  } finally {
    await t.drop();
  }
});
