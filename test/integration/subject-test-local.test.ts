/**
 * A subject test in the local mode, as `npm start` runs it, on a clock the test walks (never the
 * wall clock): the weekly run queues the test's share with two subjects through the local queue
 * and the SES emulator; the runtime's minute check (what the planner's one-time `rest-<issue>`
 * schedule does on AWS) does nothing until the wait is over, then sends the rest the subject
 * with more clicks per delivered message; every reader gets exactly one copy.
 */
import { testGroup } from '../../lambdas/core/subject-test';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { startClockedRuntime, walkedClock, withIssueFrontMatter, type ClockedRuntime } from '../support/clocked-runtime';
import { sampleFiles } from '../support/pipeline';

const ISSUE = 'eu-japan-security-brief-001';
const SUBJECTS = ['EU and Japan sign their first security pact', 'What the EU–Japan pact means for shipping'];
const READERS = 40;

const clock = walkedClock();
const start = clock.at;

let t: ClockedRuntime;
let rt: ClockedRuntime['rt'];
let db: ClockedRuntime['db'];
const inbox = () => t.inbox();

beforeAll(async () => {
  t = await startClockedRuntime('abtest', clock);
  ({ rt, db } = t);
  for (let n = 0; n < READERS; n++) await addSubscriber(operator(db.subscriptions, clock), { email: `r${n}@${t.domain}` });
  // Half the audience in the test (a quarter a subject), one hour's wait.
  await publish(
    { content: db.content, clock },
    withIssueFrontMatter(
      sampleFiles(),
      `subjectTest:\n  subjects:\n    - ${SUBJECTS[0]}\n    - ${SUBJECTS[1]}\n  share: 50\n  waitHours: 1`,
    ),
  );
});
afterAll(() => t?.stop());

describe('a subject test in the local runtime', () => {
  let testShare: string[] = [];

  it('sends the test share first, each half its subject, and the minute check leaves the rest until the wait is over', async () => {
    const first = await rt.planDigest({});
    expect(first).toMatchObject({ status: 'testing', issueId: ISSUE, restDueAt: new Date(start.getTime() + 3_600_000).toISOString() });
    await rt.queue.drain(120_000);
    const sent = await inbox();
    testShare = sent.map((m) => m.destination.to[0]);
    expect(testShare.length).toBe((first as { recipients: number }).recipients);
    expect(testShare.length).toBeGreaterThan(0);
    expect(testShare.length).toBeLessThan(READERS);
    // Each reader's subject is their half's.
    const idOf = new Map<string, string>();
    for (const e of testShare) idOf.set(e, (await db.subscribers.getByEmail(e))!.subscriberId);
    for (const m of sent) expect(m.subject).toBe(SUBJECTS[testGroup(ISSUE, idOf.get(m.destination.to[0])!, 50) === 'a' ? 0 : 1]);

    // SES reports every test message delivered; readers click the second subject's links more.
    for (const row of await db.ledger.list(ISSUE))
      if (row.status === 'sent') await db.deliveryEvents.record(ISSUE, row.subscriberId, { deliveredAt: clock.now().toISOString() });
    const [firstArticle] = (await db.content.getIssue(ISSUE))!.articleIds;
    for (let i = 0; i < 3; i++) await db.clicks.count(ISSUE, firstArticle, 'b');

    clock.at = new Date(start.getTime() + 30 * 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    clock.at = new Date(start.getTime() + 59 * 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    await rt.queue.drain(120_000);
    expect(await inbox()).toHaveLength(testShare.length);
  });

  it('sends the rest the winning subject once the wait is over, one copy a reader, and nothing on the next minute', async () => {
    clock.at = new Date(start.getTime() + 60 * 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toMatchObject([{ status: 'queued', issueId: ISSUE, recipients: READERS }]);
    await rt.queue.drain(120_000);
    const all = await inbox();
    expect(all).toHaveLength(READERS);
    expect(new Set(all.map((m) => m.destination.to[0])).size).toBe(READERS);
    const rest = all.filter((m) => !testShare.includes(m.destination.to[0]));
    expect(rest.length).toBe(READERS - testShare.length);
    expect(new Set(rest.map((m) => m.subject))).toEqual(new Set([SUBJECTS[1]]));
    expect((await db.subjectTests.get(ISSUE))?.winner).toBe('b');

    clock.at = new Date(start.getTime() + 61 * 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    await rt.queue.drain(120_000);
    expect(await inbox()).toHaveLength(READERS);
  });
});
