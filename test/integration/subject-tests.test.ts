/**
 * A subject test's record on DynamoDB Local: the time the test's share was queued and the
 * winner are each written once, so a retried or concurrent planner run reads back the first
 * (the wait does not restart, and the rest is never sent two different subjects).
 */
import type { IssueScheduler } from '../../lambdas/core/ports';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient, dynamoPorts, plannerPorts } from '../../lambdas/wiring';
import { MemoryQueue } from '../unit/fakes';
import { createTestTables, type TestTables } from '../support/tables';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables('subject-tests');
});
afterAll(() => tables?.drop());

const ports = () => dynamoPorts(documentClient(), tables.names);

it('keeps the first time the test share was queued: a second run does not restart the wait', async () => {
  const { subjectTests, counters } = ports();
  await counters.startPlanning('issue-1', new Date('2026-12-03T07:00:00Z'));
  expect(await subjectTests.get('issue-1')).toBeUndefined();
  const first = await subjectTests.markTestQueued('issue-1', new Date('2026-12-03T07:00:05Z'), 200);
  const again = await subjectTests.markTestQueued('issue-1', new Date('2026-12-03T07:30:00Z'), 999);
  expect(first.toISOString()).toBe('2026-12-03T07:00:05.000Z');
  expect(again.toISOString()).toBe('2026-12-03T07:00:05.000Z');
  expect(await subjectTests.get('issue-1')).toEqual({ testQueuedAt: '2026-12-03T07:00:05.000Z', testRecipients: 200 });
  // Beside the counters, not instead of them.
  expect((await counters.get('issue-1'))?.state).toBe('planning');
});

it('records one winner when two runs decide at once, and both send the rest that one', async () => {
  const { subjectTests } = ports();
  await subjectTests.markTestQueued('issue-2', new Date('2026-12-03T07:00:00Z'), 100);
  const [one, two] = await Promise.all([
    subjectTests.decide('issue-2', 'b', { a: 0.1, b: 0.2 }, new Date('2026-12-03T11:00:00Z')),
    subjectTests.decide('issue-2', 'a', { a: 0.3, b: 0.2 }, new Date('2026-12-03T11:00:01Z')),
  ]);
  expect(one).toBe(two);
  const record = await subjectTests.get('issue-2');
  expect(record?.winner).toBe(one);
  expect(record?.rates).toEqual(one === 'b' ? { a: 0.1, b: 0.2 } : { a: 0.3, b: 0.2 });
});

it("plans a subject test through the planners' shared inputs (plannerPorts), which schedule the rest once the wait is over, as send-digest --stack does", async () => {
  const db = ports();
  const at = new Date('2026-12-03T07:00:00Z');
  await db.content.put({
    kind: 'article',
    id: 'st-a1',
    title: 'A',
    date: '2026-12-03',
    summary: 's',
    keyPoints: [],
    topics: [],
    source: { name: 'N', url: 'https://news.example.net/a' },
    priority: 'normal',
    body: '',
    publishedAt: at.toISOString(),
  });
  await db.content.put({
    kind: 'issue',
    id: 'st-issue',
    newsletter: 'Brief',
    number: 1,
    title: 'T',
    summary: '',
    preheader: '',
    date: '2026-12-03',
    articleIds: ['st-a1'],
    publishedAt: at.toISOString(),
    subjectTest: { subjects: ['First', 'Second'], sharePercent: 50, waitMinutes: 60 },
  });
  for (let i = 0; i < 4; i++) await db.subscriptions.create(confirmedSubscriber({ email: `st${i}@example.com` }, 'cli', at));
  const made: Array<{ issueId: string; at: string; purpose?: string }> = [];
  const schedules: IssueScheduler = {
    schedule: (issueId, when, purpose) => {
      made.push({ issueId, at: when.toISOString(), purpose });
      return Promise.resolve();
    },
    cancel: () => Promise.resolve(undefined),
  };
  const result = await planDigest(plannerPorts(db, { queue: new MemoryQueue(), clock: { now: () => at }, schedules }).plan, {
    issueId: 'st-issue',
  });
  expect(result).toMatchObject({ status: 'testing' });
  expect(made).toEqual([{ issueId: 'st-issue', at: '2026-12-03T08:00:00.000Z', purpose: 'rest' }]);
});
