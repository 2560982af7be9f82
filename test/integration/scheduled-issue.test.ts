/**
 * A scheduled issue in the local mode, as `npm start` runs it: publish with a `sendAt` a little
 * ahead, then the runtime's minute check (lib/local/issue-schedules.ts) called with given times
 * on a clock the test walks, never the wall clock. Before `sendAt` it does nothing; at `sendAt`
 * the same planner handler the AWS schedule invokes plans the issue, and the local queue sends
 * it to the readers through the SES emulator. DynamoDB Local and the SES emulator are the ones
 * global-setup started; the tables are this file's own.
 */
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { startClockedRuntime, walkedClock, withIssueFrontMatter, type ClockedRuntime } from '../support/clocked-runtime';
import { sampleFiles } from '../support/pipeline';

const ISSUE = 'eu-japan-security-brief-001';

/** A clock the test moves by hand; the planner in the runtime reads the same one. */
const clock = walkedClock();
const start = clock.at;
const sendAt = new Date(start.getTime() + 10 * 60_000);

let t: ClockedRuntime;
let rt: ClockedRuntime['rt'];
let db: ClockedRuntime['db'];
const inbox = () => t.inbox();

beforeAll(async () => {
  t = await startClockedRuntime('sendat', clock);
  ({ rt, db } = t);
  for (const name of ['ana', 'ben']) await addSubscriber(operator(db.subscriptions, clock), { email: `${name}@${t.domain}` });
  const published = await publish(
    { content: db.content, clock, schedules: new LocalIssueScheduler() },
    withIssueFrontMatter(sampleFiles(), `sendAt: ${sendAt.toISOString()}`),
  );
  expect(published.scheduled).toEqual([{ issueId: ISSUE, sendAt: sendAt.toISOString() }]);
});
afterAll(() => t?.stop());

describe('a scheduled issue in the local runtime', () => {
  it('is stored with its sendAt in UTC and left out of the weekly run', async () => {
    expect((await db.content.getIssue(ISSUE))?.sendAt).toBe(sendAt.toISOString());
    expect(await rt.planDigest({})).toEqual({ status: 'skipped', issueId: ISSUE, reason: 'scheduled' });
  });

  it('is not planned by the minute check before its sendAt', async () => {
    clock.at = new Date(start.getTime() + 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    clock.at = new Date(sendAt.getTime() - 60_001);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    expect((await db.content.getIssue(ISSUE))?.plannedAt).toBeUndefined();
    expect(await rt.counters.get(ISSUE)).toBeUndefined();
  });

  it('is planned by the minute check at its sendAt and sent to each reader once, through the local queue', async () => {
    clock.at = sendAt;
    expect(await rt.runScheduledIssues(clock.now())).toEqual([{ status: 'queued', issueId: ISSUE, recipients: 2, batches: 1 }]);
    await rt.queue.drain(120_000);
    expect((await inbox()).map((m) => m.destination.to[0]).sort()).toEqual([`ana@${t.domain}`, `ben@${t.domain}`]);
    expect((await db.content.getIssue(ISSUE))?.plannedAt).toBe(sendAt.toISOString());
  });

  it('is not planned again by the next minute’s check', async () => {
    clock.at = new Date(sendAt.getTime() + 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    await rt.queue.drain(120_000);
    expect(await inbox()).toHaveLength(2);
  });
});
