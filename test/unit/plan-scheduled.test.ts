/**
 * A scheduled issue and the digest planner: the weekly run leaves it alone; its own schedule's
 * run plans it at (not before) its time and then removes the schedule.
 */
import { makePlannerHandler } from '../../lambdas/digest-planner/handler';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { planScheduledIssue, SEND_AT_EARLY_MS } from '../../lambdas/usecases/plan-scheduled';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { fixedClock, MemoryContent, MemoryIssueScheduler, MemoryQueue, MemorySubscribers } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

const SEND_AT = '2026-12-03T06:00:00.000Z';
const article = plainArticle('a1', { keyPoints: [], date: '2026-11-30' });
const issue = (id: string, date: string, sendAt?: string) => plainIssue(id, { date, ...(sendAt && { sendAt }) });

async function setup(at: string) {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  await content.put(article);
  await content.put(issue('older', '2026-11-23'));
  await content.put(issue('scheduled', '2026-12-03', SEND_AT));
  for (let n = 0; n < 3; n++)
    await subscribers.upsert(confirmedSubscriber({ email: `r${n}@example.com` }, 'import', new Date('2026-11-01T00:00:00Z')));
  const schedules = new MemoryIssueScheduler();
  await schedules.schedule('scheduled', new Date(SEND_AT));
  schedules.calls = [];
  return { content, subscribers, queue: new MemoryQueue(), clock: fixedClock(at), schedules };
}

describe('the weekly run and a scheduled issue', () => {
  it('skips the latest issue when it has a sendAt (reason "scheduled"), queueing nobody, not even the older unsent issue', async () => {
    const deps = await setup('2026-11-30T06:00:00Z');
    expect(await planDigest(deps, {})).toEqual({ status: 'skipped', issueId: 'scheduled', reason: 'scheduled' });
    expect(deps.queue.jobs).toEqual([]);
    expect((await deps.content.getIssue('scheduled'))?.plannedAt).toBeUndefined();
  });

  it('still plans a scheduled issue named explicitly (an operator sending it now)', async () => {
    const deps = await setup('2026-11-30T06:00:00Z');
    expect(await planDigest(deps, { issueId: 'scheduled' })).toMatchObject({ status: 'queued', recipients: 3 });
  });

  it('plans the latest issue as before once it has no sendAt', async () => {
    const deps = await setup('2026-11-30T06:00:00Z');
    await deps.content.put(issue('scheduled', '2026-12-03'));
    expect(await planDigest(deps, {})).toMatchObject({ status: 'queued', issueId: 'scheduled', recipients: 3 });
  });
});

describe('planScheduledIssue: the run of the issue’s own schedule', () => {
  it('plans the issue at its time and then removes its schedule', async () => {
    const deps = await setup(SEND_AT);
    expect(await planScheduledIssue(deps, 'scheduled')).toEqual({ status: 'queued', issueId: 'scheduled', recipients: 3, batches: 1 });
    expect((await deps.content.getIssue('scheduled'))?.plannedAt).toBe(SEND_AT);
    expect(deps.schedules.calls).toEqual(['cancel scheduled']);
  });

  it('plans it when it runs late too', async () => {
    const deps = await setup('2026-12-03T09:00:00Z');
    expect(await planScheduledIssue(deps, 'scheduled')).toMatchObject({ status: 'queued' });
  });

  it('does nothing before its time (a run left from a schedule since moved later), and keeps the schedule', async () => {
    const deps = await setup(new Date(Date.parse(SEND_AT) - SEND_AT_EARLY_MS - 1000).toISOString());
    expect(await planScheduledIssue(deps, 'scheduled')).toEqual({ status: 'skipped', issueId: 'scheduled', reason: 'not-due' });
    expect(deps.queue.jobs).toEqual([]);
    expect(deps.schedules.calls).toEqual([]);
  });

  it('a second run finds it sent, queues nobody again, and removes the schedule again (idempotent)', async () => {
    const deps = await setup(SEND_AT);
    await planScheduledIssue(deps, 'scheduled');
    const jobs = deps.queue.jobs.length;
    expect(await planScheduledIssue(deps, 'scheduled')).toEqual({ status: 'skipped', issueId: 'scheduled', reason: 'already-sent' });
    expect(deps.queue.jobs).toHaveLength(jobs);
    expect(deps.schedules.calls).toEqual(['cancel scheduled', 'cancel scheduled']);
  });

  it('does nothing for an issue re-published without sendAt (it is the weekly run’s), removing the stale schedule', async () => {
    const deps = await setup(SEND_AT);
    await deps.content.put(issue('scheduled', '2026-12-03'));
    expect(await planScheduledIssue(deps, 'scheduled')).toEqual({ status: 'skipped', issueId: 'scheduled', reason: 'not-scheduled' });
    expect(deps.queue.jobs).toEqual([]);
    expect(deps.schedules.calls).toEqual(['cancel scheduled']);
  });

  it('does nothing for an issue that does not exist', async () => {
    const deps = await setup(SEND_AT);
    expect(await planScheduledIssue(deps, 'nope')).toEqual({ status: 'skipped', issueId: 'nope', reason: 'no-issue' });
  });
});

describe('the planner handler and the scheduled event', () => {
  it('runs the scheduled plan for { issueId, scheduled: true }', async () => {
    const deps = await setup(SEND_AT);
    const handler = makePlannerHandler(deps);
    expect(await handler({ issueId: 'scheduled', scheduled: true })).toMatchObject({ status: 'queued', issueId: 'scheduled' });
    expect(deps.schedules.calls).toEqual(['cancel scheduled']);
  });

  it('refuses a scheduled event without an issue id, and scheduled: false or a string', async () => {
    const handler = makePlannerHandler(await setup(SEND_AT));
    await expect(handler({ scheduled: true })).rejects.toThrow(/bad event: issueId: a scheduled run names its issue/);
    await expect(handler({ issueId: 'scheduled', scheduled: 'yes' })).rejects.toThrow(/bad event: scheduled/);
  });

  it('keeps the weekly event {} skipping the scheduled latest issue', async () => {
    const deps = await setup(SEND_AT);
    expect(await makePlannerHandler(deps)({})).toEqual({ status: 'skipped', issueId: 'scheduled', reason: 'scheduled' });
  });
});
