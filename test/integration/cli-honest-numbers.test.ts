/**
 * Honest numbers, in-process through commander against real tables in DynamoDB Local: `status`
 * and `stats` agree on one issue's bounces and complaints (once, `status` read the reputation
 * brake's counters, which SES events fed with `ses-event` never reach, and said 0 of 26).
 */
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import type { Target } from '../../bin/cli/target';
import { runCli, strictTarget } from '../support/cli-in-process';
import { createTestTables, type TestTables } from '../support/tables';
import { plainArticle, plainIssue } from '../unit/fixtures';

let tables: TestTables;
let target: Target;
const ISSUE = 'issue-2026-49';
const at = new Date('2026-12-07T07:00:00Z');

beforeAll(async () => {
  tables = await createTestTables('honest-numbers');
  const db = dynamoPorts(documentClient(), tables.names);
  await db.content.put(plainArticle('pact-signed', { title: 'Pact signed' }));
  await db.content.put(plainIssue(ISSUE, { articleIds: ['pact-signed'] }));
  // Four readers served; SES then reports a hard bounce, a soft bounce, a complaint and a delivery.
  const readers = ['r1', 'r2', 'r3', 'r4'];
  for (const r of readers) {
    await db.ledger.claim(ISSUE, r, at);
    await db.ledger.markSent(ISSUE, r, `ses-${r}`, at);
  }
  await db.counters.startPlanning(ISSUE, at);
  await db.counters.add(ISSUE, { queued: 4, sent: 4 }, at);
  await db.counters.finishPlanning(ISSUE, 4, at);
  await db.deliveryEvents.record(ISSUE, 'r1', { bouncedAt: at.toISOString(), bounceType: 'Permanent/General' });
  await db.deliveryEvents.record(ISSUE, 'r2', { bouncedAt: at.toISOString(), bounceType: 'Transient/MailboxFull' });
  await db.deliveryEvents.record(ISSUE, 'r3', { deliveredAt: at.toISOString(), complainedAt: at.toISOString() });
  await db.deliveryEvents.record(ISSUE, 'r4', { deliveredAt: at.toISOString() });
  target = strictTarget({
    content: db.content,
    ids: db.content,
    ledger: db.ledger,
    clicks: db.clicks,
    subjectTests: db.subjectTests,
    sending: db.sendingState,
    counters: db.counters,
    clock: { now: () => at },
    // Optional parts of a target: this stack has none (no local-time delivery, no schedule time zone).
    localTimePlans: undefined,
    timeZone: undefined,
  });
});
afterAll(() => tables?.drop());

/** The number on the `stats` row named `label`. */
const row = (out: string[], label: string) =>
  Number(
    out
      .find((l) => l.trimStart().startsWith(`${label} `))
      ?.trim()
      .split(/\s+/)
      .pop(),
  );

describe('status and stats read the same figures', () => {
  it('agree on an issue with a hard bounce, a soft bounce and a complaint that never reached the brake counters', async () => {
    const stats = (await runCli(target, 'stats', ISSUE)).join('\n').split('\n');
    const status = (await runCli(target, 'status', ISSUE)).join('\n');
    expect([row(stats, 'sent'), row(stats, 'bounced'), row(stats, 'complained'), row(stats, 'delivered')]).toEqual([4, 2, 1, 2]);
    const m = /(\d+) bounced \((\d+) hard\), (\d+) complained, (\d+) delivered, of (\d+) sent/.exec(status);
    expect(m).not.toBeNull();
    const [, bounced, hard, complained, delivered, sent] = m!.map(Number);
    expect({ bounced, complained, delivered, sent }).toEqual({
      bounced: row(stats, 'bounced'),
      complained: row(stats, 'complained'),
      delivered: row(stats, 'delivered'),
      sent: row(stats, 'sent'),
    });
    expect(hard).toBe(row(stats, 'Permanent/General'));
  });
});
