import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import type { PlanContinuation } from '../../lambdas/core/ports';
import { fixedClock, MemoryContent, MemoryQueue, MemorySubscribers } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

async function setup(audience: number) {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  await content.put(plainArticle('a1', { title: 't' }));
  await content.put(plainIssue('i1', { newsletter: 'B' }));
  for (let n = 0; n < audience; n++) await subscribers.upsert(confirmedSubscriber({ email: `r${n}@example.com` }, 'import', new Date()));
  return { content, subscribers, queue: new MemoryQueue(), clock: fixedClock() };
}

describe('planning a large audience in pieces', () => {
  it('hands over to a continuation when time runs low, and the pieces together queue everyone exactly once', async () => {
    const deps = await setup(1_200);
    const handed: Parameters<PlanContinuation['continueLater']>[0][] = [];
    let pages = 0;
    const page = deps.subscribers.digestAudiencePage.bind(deps.subscribers);
    deps.subscribers.digestAudiencePage = async (...a) => (pages++, page(...a));
    // Each invocation has time for three pages.
    const piece = () => {
      const start = pages;
      return {
        continuation: {
          continueLater: (e: (typeof handed)[number]) => {
            handed.push(e);
            return Promise.resolve();
          },
        },
        timeLeftMs: () => (pages - start >= 3 ? 0 : 1e9),
      };
    };
    let result = await planDigest({ ...deps, ...piece() }, { issueId: 'i1' });
    let pieces = 1;
    while (result.status === 'continued') {
      result = await planDigest({ ...deps, ...piece() }, handed[handed.length - 1]);
      pieces++;
    }
    expect(pieces).toBeGreaterThan(2);
    expect(result).toMatchObject({ status: 'queued', recipients: 1_200 });
    const ids = deps.queue.jobs.flatMap((j) => j.recipients.map((r) => r.subscriberId));
    expect(ids).toHaveLength(1_200);
    expect(new Set(ids).size).toBe(1_200);
    expect((await deps.content.getIssue('i1'))?.plannedAt).toBeDefined();
  });

  it('plans a planned but unfinished issue again only when asked to resume', async () => {
    const deps = await setup(5);
    const progress = {
      campaignId: 'i1',
      state: 'queued' as const,
      planned: 5,
      queued: 5,
      sent: 2,
      failed: 0,
      suppressed: 0,
      skipped: 0,
      throttled: 0,
      reclaimed: 0,
    };
    const counters = {
      add: () => Promise.resolve(undefined),
      startPlanning: () => Promise.resolve(undefined),
      finishPlanning: () => Promise.resolve(undefined),
      setState: () => Promise.resolve(undefined),
      get: () => Promise.resolve(progress),
    };
    await planDigest({ ...deps, counters }, { issueId: 'i1' });
    expect(await planDigest({ ...deps, counters }, { issueId: 'i1' })).toMatchObject({ status: 'skipped', reason: 'already-sent' });
    expect(await planDigest({ ...deps, counters }, { issueId: 'i1', resume: true })).toMatchObject({ status: 'queued', recipients: 5 });
    progress.sent = 5;
    expect(await planDigest({ ...deps, counters }, { issueId: 'i1', resume: true })).toMatchObject({
      status: 'skipped',
      reason: 'already-sent',
    });
  });
});
