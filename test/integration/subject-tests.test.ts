/**
 * A subject test's record on DynamoDB Local: the time the test's share was queued and the
 * winner are each written once, so a retried or concurrent planner run reads back the first
 * (the wait does not restart, and the rest is never sent two different subjects).
 */
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
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
