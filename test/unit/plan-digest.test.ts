import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { fixedClock, MemoryContent, MemoryQueue, MemorySubscribers } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

const article = (id: string) => plainArticle(id);
const issue = (id: string, articleIds: string[], date = '2024-11-04') => plainIssue(id, { articleIds, date });

async function setup(audience: number) {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  const queue = new MemoryQueue();
  await content.put(article('a1'));
  await content.put(issue('i1', ['a1']));
  const now = new Date();
  for (let n = 0; n < audience; n++) await subscribers.upsert(confirmedSubscriber({ email: `r${n}@example.com` }, 'import', now));
  return { content, subscribers, queue, clock: fixedClock() };
}

describe('planDigest', () => {
  it('queues every confirmed digest subscriber exactly once, in batches of at most 50', async () => {
    const deps = await setup(237);
    const r = await planDigest(deps, { issueId: 'i1' });
    expect(r).toEqual({ status: 'queued', issueId: 'i1', recipients: 237, batches: 5 });
    const ids = deps.queue.jobs.flatMap((j) => j.recipients.map((x) => x.subscriberId));
    expect(new Set(ids).size).toBe(237);
    expect(ids.length).toBe(237);
    expect(Math.max(...deps.queue.jobs.map((j) => j.recipients.length))).toBeLessThanOrEqual(50);
  });

  it('leaves out pending, unsubscribed, suppressed and digest-less subscribers', async () => {
    const deps = await setup(3);
    const now = new Date();
    await deps.subscribers.upsert({ ...confirmedSubscriber({ email: 'p@example.com' }, 'web', now), status: 'pending' });
    await deps.subscribers.upsert({ ...confirmedSubscriber({ email: 'u@example.com' }, 'web', now), status: 'unsubscribed' });
    await deps.subscribers.upsert({ ...confirmedSubscriber({ email: 's@example.com' }, 'web', now), suppressed: true });
    await deps.subscribers.upsert(confirmedSubscriber({ email: 'alerts-only@example.com', digest: false, alerts: true }, 'web', now));
    const r = await planDigest(deps, { issueId: 'i1' });
    expect(r).toMatchObject({ status: 'queued', recipients: 3 });
  });

  it('skips an issue that was already sent, so a second run queues nothing', async () => {
    const deps = await setup(10);
    await planDigest(deps, { issueId: 'i1' });
    const again = await planDigest(deps, { issueId: 'i1' });
    expect(again).toEqual({ status: 'skipped', issueId: 'i1', reason: 'already-sent' });
    expect(deps.queue.jobs.flatMap((j) => j.recipients)).toHaveLength(10);
  });

  it('skips an issue without articles and a missing issue', async () => {
    const deps = await setup(2);
    await deps.content.put(issue('empty', ['not-published']));
    expect(await planDigest(deps, { issueId: 'empty' })).toEqual({ status: 'skipped', issueId: 'empty', reason: 'no-articles' });
    expect(await planDigest(deps, { issueId: 'nope' })).toEqual({ status: 'skipped', issueId: 'nope', reason: 'no-issue' });
    expect(deps.queue.jobs).toHaveLength(0);
  });

  it('takes the latest issue by date when none is named', async () => {
    const deps = await setup(1);
    await deps.content.put(issue('i2', ['a1'], '2024-11-11'));
    expect(await planDigest(deps)).toMatchObject({ status: 'queued', issueId: 'i2' });
  });

  it('writes to the queue as it goes rather than holding the audience (10 jobs per write)', async () => {
    const deps = await setup(1200);
    await planDigest(deps, { issueId: 'i1' });
    expect(deps.queue.jobs).toHaveLength(24);
    expect(deps.queue.calls).toBe(3);
  });
});
