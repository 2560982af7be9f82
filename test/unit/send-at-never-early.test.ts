/**
 * `sendAt` never fires early (an issue due at 10:52:00 once went at 10:51:00): on a walked
 * (fake) clock, nothing is planned before the second the issue names, on AWS (the planner a
 * schedule's `at(...)` invokes, anywhere in that minute) or locally (the minute check of `npm start`).
 */
import { atExpression } from '../../lambdas/adapters/issue-scheduler';
import { planScheduledIssue } from '../../lambdas/usecases/plan-scheduled';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { scheduledIssueCheck } from '../../lib/local/issue-schedules';
import type { Clock } from '../../lambdas/core/ports';
import type { Issue } from '../../lambdas/core/model';
import { MemoryContent, MemoryIssueScheduler, MemoryQueue, MemorySubscribers } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

/** A clock that only moves when walked: `wait` walks it, as the planner's waiting would take real time. */
function walkedClock(iso: string): Clock & { walk(ms: number): void; waits: number[] } {
  let t = Date.parse(iso);
  return { now: () => new Date(t), walk: (ms) => void (t += ms), waits: [] };
}

async function setup(sendAt: string, at: string) {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  await content.put(plainArticle('a1', { keyPoints: [], date: '2026-11-30' }));
  await content.put(plainIssue('due', { date: '2026-12-03', sendAt }));
  await subscribers.upsert(confirmedSubscriber({ email: 'r@example.com' }, 'import', new Date('2026-11-01T00:00:00Z')));
  const clock = walkedClock(at);
  const queue = new MemoryQueue();
  // Each wait: nothing may be queued yet, and the clock walks by what the planner asked for.
  const wait = (ms: number) => {
    expect(queue.jobs).toEqual([]);
    clock.waits.push(ms);
    clock.walk(ms);
    return Promise.resolve();
  };
  return { content, subscribers, queue, clock, schedules: new MemoryIssueScheduler(), wait };
}

describe('the planner a schedule invokes: never before the second sendAt names', () => {
  it('an invocation a minute early (10:51:00 for 10:52:00) waits, and plans at 10:52:00, not before', async () => {
    const deps = await setup('2026-12-03T10:52:00.000Z', '2026-12-03T10:51:00.000Z');
    expect(await planScheduledIssue(deps, 'due')).toMatchObject({ status: 'queued', recipients: 1 });
    expect(deps.clock.waits).toEqual([60_000]);
    expect((await deps.content.getIssue('due'))?.plannedAt).toBe('2026-12-03T10:52:00.000Z');
  });

  it('an invocation at 10:53:00 for 10:52:30 (late) plans at once, without waiting', async () => {
    const deps = await setup('2026-12-03T10:52:30.000Z', '2026-12-03T10:53:00.000Z');
    expect(await planScheduledIssue(deps, 'due')).toMatchObject({ status: 'queued' });
    expect(deps.clock.waits).toEqual([]);
  });

  it('a wait that comes back a little short waits again instead of planning (walked in two steps)', async () => {
    const deps = await setup('2026-12-03T10:52:00.000Z', '2026-12-03T10:51:30.000Z');
    let first = true;
    const short = (ms: number) => {
      const step = first ? ms - 1000 : ms; // the timer fires a second early once
      first = false;
      return deps.wait(step);
    };
    await planScheduledIssue({ ...deps, wait: short }, 'due');
    expect(deps.clock.waits).toEqual([29_000, 1000]);
    expect((await deps.content.getIssue('due'))?.plannedAt).toBe('2026-12-03T10:52:00.000Z');
  });

  it('a run more than a minute early (a schedule since moved later) does nothing and does not wait', async () => {
    const deps = await setup('2026-12-03T10:52:00.000Z', '2026-12-03T10:50:59.000Z');
    expect(await planScheduledIssue(deps, 'due')).toEqual({ status: 'skipped', issueId: 'due', reason: 'not-due' });
    expect(deps.clock.waits).toEqual([]);
    expect(deps.queue.jobs).toEqual([]);
  });
});

describe('the AWS one-time schedule: fired anywhere in its at() minute, planned not before sendAt', () => {
  it.each(['2026-12-03T10:52:30.000Z', '2026-12-03T10:52:59.500Z'])(
    'sendAt %s: a run at the start of the at() minute waits for it',
    async (sendAt) => {
      const minute = /^at\((.*)\)$/.exec(atExpression(new Date(sendAt)))![1].slice(0, 16);
      expect(minute).toBe(sendAt.slice(0, 16)); // the schedule is in the minute sendAt names
      const deps = await setup(sendAt, `${minute}:00.000Z`);
      expect(await planScheduledIssue(deps, 'due')).toMatchObject({ status: 'queued' });
      expect(Date.parse((await deps.content.getIssue('due'))!.plannedAt!)).toBeGreaterThanOrEqual(Date.parse(sendAt));
    },
  );
});

describe('the local minute check, walked minute by minute', () => {
  /** Walks from 10:50:00 to 10:55:00 a minute at a time and returns the minute of each planner call. */
  async function walk(issue: Issue): Promise<string[]> {
    const content = new MemoryContent();
    await content.put(issue);
    const planned: string[] = [];
    let now = new Date('2026-12-03T10:50:00.000Z');
    const issues = { unsentScheduledIssues: () => Promise.resolve([issue]), latestIssue: () => content.latestIssue() };
    const check = scheduledIssueCheck({
      issues,
      plan: (e) => {
        planned.push(now.toISOString());
        return Promise.resolve({ status: 'skipped', issueId: e.issueId, reason: 'not-scheduled' });
      },
    });
    for (; now.getTime() <= Date.parse('2026-12-03T10:55:00.000Z'); now = new Date(now.getTime() + 60_000)) await check(now);
    return planned;
  }

  it('hands an issue due at 10:52:30 to the planner first at 10:53:00, never at 10:52:00', async () => {
    const planned = await walk(plainIssue('due', { date: '2026-12-03', sendAt: '2026-12-03T10:52:30.000Z' }));
    expect(planned[0]).toBe('2026-12-03T10:53:00.000Z');
  });

  it('a latest issue with a subject test and a sendAt ahead is not handed over before its time (it once went a minute early)', async () => {
    const issue = plainIssue('due', {
      date: '2026-12-03',
      sendAt: '2026-12-03T10:52:00.000Z',
      subjectTest: { subjects: ['A subject', 'B subject'], share: 0.2, waitHours: 4 } as never,
    });
    const planned = await walk(issue);
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((at) => at >= '2026-12-03T10:52:00.000Z')).toBe(true);
  });

  it("an older issue's subject test is still handed over after a newer issue was published (its rest was stranded before)", async () => {
    const content = new MemoryContent();
    const test = { subjects: ['A subject', 'B subject'], share: 0.2, waitHours: 4 } as never;
    await content.put(plainIssue('older', { date: '2026-12-02', subjectTest: test }));
    await content.put(plainIssue('newer', { date: '2026-12-03' }));
    const handed: string[] = [];
    const check = scheduledIssueCheck({
      issues: {
        unsentScheduledIssues: () => Promise.resolve([]),
        latestIssue: () => content.latestIssue(),
        unsentIssuesFrom: (d) => content.unsentIssuesFrom(d),
      },
      plan: (e) => {
        handed.push(e.issueId);
        return Promise.resolve({ status: 'skipped', issueId: e.issueId, reason: 'not-scheduled' });
      },
    });
    await check(new Date('2026-12-03T12:00:00.000Z'));
    expect(handed).toEqual(['older']);
  });
});
