/**
 * The archive snapshot's pure rules (core/archive-snapshot.ts), the planners' write of it
 * (usecases/archive-snapshot.ts: never blocks the send, a retry keeps the first), and publish
 * of an edited article in an issue sent before snapshots existed.
 */
import {
  archiveArticles,
  articleShownChanged,
  missingFromSnapshot,
  SNAPSHOT_MAX_BYTES,
  snapshotOf,
} from '../../lambdas/core/archive-snapshot';
import { sendAtPast, sendAtTiming } from '../../lambdas/core/content/send-at';
import { renderArchiveIssue } from '../../lambdas/core/render/archive';
import { keepArchiveSnapshot } from '../../lambdas/usecases/archive-snapshot';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { publish } from '../../lambdas/usecases/publish';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent, MemoryQueue, MemorySubscribers } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

const AT = new Date('2026-12-01T06:00:00Z');

describe('snapshotOf', () => {
  it('keeps the articles in the given order, without the alert planner mark', () => {
    const s = snapshotOf('i1', [plainArticle('b', { alertedAt: '2026-11-30T00:00:00Z' }), plainArticle('a')], AT)!;
    expect(s.articles.map((a) => a.id)).toEqual(['b', 'a']);
    expect(s.articles[0]).not.toHaveProperty('alertedAt');
    expect(s.takenAt).toBe(AT.toISOString());
  });

  it('gives none for articles too large for one DynamoDB item (the page then reads the live ones), rather than a failing write', () => {
    const big = plainArticle('big', { body: 'x'.repeat(SNAPSHOT_MAX_BYTES) });
    expect(snapshotOf('i1', [big], AT)).toBeUndefined();
  });
});

describe('archiveArticles', () => {
  const issue = { articleIds: ['a', 'b', 'c'] };
  const live = [plainArticle('a', { title: 'live a' }), plainArticle('b', { title: 'live b' }), plainArticle('c', { title: 'live c' })];

  it('takes each article from the snapshot, the live one only where the snapshot lacks it, in the issue order', () => {
    const snapshot = snapshotOf('i1', [plainArticle('b', { title: 'sent b' }), plainArticle('a', { title: 'sent a' })], AT);
    expect(missingFromSnapshot(issue, snapshot)).toEqual(['c']);
    expect(archiveArticles(issue, snapshot, live).map((a) => a.title)).toEqual(['sent a', 'sent b', 'live c']);
  });

  it('shows the live articles for an issue sent before snapshots', () => {
    expect(missingFromSnapshot(issue, undefined)).toEqual(['a', 'b', 'c']);
    expect(archiveArticles(issue, undefined, live).map((a) => a.title)).toEqual(['live a', 'live b', 'live c']);
  });
});

describe('articleShownChanged', () => {
  it('ignores bookkeeping: the same file published again (new publishedAt) is no change', () => {
    const a = plainArticle('a');
    expect(articleShownChanged(a, { ...a, publishedAt: '2027-01-01T00:00:00Z', alertedAt: '2027-01-01T00:00:00Z' })).toBe(false);
  });

  it('sees a change in what the page shows: title, body, a key point', () => {
    const a = plainArticle('a', { keyPoints: ['one'] });
    expect(articleShownChanged(a, { ...a, title: 'other' })).toBe(true);
    expect(articleShownChanged(a, { ...a, body: 'more' })).toBe(true);
    expect(articleShownChanged(a, { ...a, keyPoints: ['one', 'two'] })).toBe(true);
  });
});

describe('the planner keeps the snapshot', () => {
  it('a retried write keeps the first snapshot (the articles as they were at the send)', async () => {
    const content = new MemoryContent();
    await keepArchiveSnapshot(content, { id: 'i1' }, [plainArticle('a', { title: 'at the send' })], AT);
    await keepArchiveSnapshot(content, { id: 'i1' }, [plainArticle('a', { title: 'edited later' })], new Date('2026-12-02T00:00:00Z'));
    expect((await content.getArchiveSnapshot('i1'))?.articles[0].title).toBe('at the send');
  });

  it('a failed snapshot write never fails the send: the issue is still queued and marked sent', async () => {
    const content = new MemoryContent();
    content.putArchiveSnapshot = () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    await content.put(plainArticle('a'));
    await content.put(plainIssue('i1', { articleIds: ['a'] }));
    const subscribers = new MemorySubscribers();
    await subscribers.upsert(confirmedSubscriber({ email: 'r@example.com' }, 'import', new Date('2026-11-01T00:00:00Z')));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const r = await planDigest(
        { content, subscribers, queue: new MemoryQueue(), clock: fixedClock(AT.toISOString()) },
        { issueId: 'i1' },
      );
      expect(r).toMatchObject({ status: 'queued', recipients: 1 });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('archive snapshot of issue i1 not stored'));
    } finally {
      warn.mockRestore();
    }
    expect((await content.getIssue('i1'))?.plannedAt).toBe(AT.toISOString());
  });
});

describe('sendAt in the past', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  it('is refused by the parse-time check unless the caller checks it later itself', () => {
    expect(sendAtTiming('2026-11-30T06:00:00Z', now)).toEqual([expect.objectContaining({ path: 'sendAt' })]);
    expect(sendAtTiming('2026-11-30T06:00:00Z', now, { past: false })).toEqual([]);
    expect(sendAtPast('2026-11-30T06:00:00Z', now)?.message).toMatch(/^is in the past/);
    expect(sendAtPast('2026-12-02T06:00:00Z', now)).toBeUndefined();
  });

  it('the deferred check still refuses a sendAt too far ahead (only the past is left to publish)', () => {
    expect(sendAtTiming('2028-12-02T06:00:00Z', now, { past: false })).toEqual([expect.objectContaining({ path: 'sendAt' })]);
  });
});

describe('publish of an edited article in an issue sent before snapshots', () => {
  it('keeps the stored (pre-edit) article as the snapshot, so the page does not change, and says so', async () => {
    const content = new MemoryContent();
    const ids = {
      contentIds: (kind: string) => Promise.resolve([...content.items.values()].filter((i) => i.kind === kind).map((i) => i.id)),
    };
    await publish({ content, ids, clock: fixedClock('2026-11-28T10:00:00Z') }, sampleIssueFiles());
    // Sent by an older planner: marked, no snapshot.
    await content.markIssuePlanned(SAMPLE_ISSUE_ID, AT);
    const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
    const pageOf = async () => {
      const snapshot = await content.getArchiveSnapshot(SAMPLE_ISSUE_ID);
      return renderArchiveIssue(issue, archiveArticles(issue, snapshot, await content.getArticles(issue.articleIds)), '');
    };
    const before = await pageOf();
    const edited = sampleIssueFiles()
      .filter((f) => f.name.endsWith(`${issue.articleIds[0]}.md`))
      .map((f) => ({ ...f, text: f.text.replace(/^title: .*$/m, 'title: Retitled after the send') }));
    expect(edited).toHaveLength(1);
    const r = await publish({ content, ids, clock: fixedClock('2026-12-02T10:00:00Z') }, edited);
    expect(r.keptSent).toEqual([{ issueId: SAMPLE_ISSUE_ID, sentAt: AT.toISOString(), articleIds: [issue.articleIds[0]] }]);
    expect((await content.getArticles([issue.articleIds[0]]))[0].title).toBe('Retitled after the send');
    expect(await pageOf()).toBe(before);
  });
});

describe('publish --force of a sent issue names every article whose page text changes', () => {
  it('an article edit kept out earlier comes in with a forced re-publish of the issue, and publish names it (mistake: only the issue was named)', async () => {
    const content = new MemoryContent();
    const ids = {
      contentIds: (kind: string) => Promise.resolve([...content.items.values()].filter((i) => i.kind === kind).map((i) => i.id)),
    };
    await publish({ content, ids, clock: fixedClock('2026-11-28T10:00:00Z') }, sampleIssueFiles());
    const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
    await keepArchiveSnapshot(content, issue, await content.getArticles(issue.articleIds), AT);
    await content.markIssuePlanned(SAMPLE_ISSUE_ID, AT);
    const articleFile = sampleIssueFiles().filter((f) => f.name.endsWith(`${issue.articleIds[0]}.md`));
    const edited = articleFile.map((f) => ({ ...f, text: f.text.replace(/^title: .*$/m, 'title: Retitled after the send') }));
    // Kept out of the page: the editor is told so.
    expect((await publish({ content, ids, clock: fixedClock('2026-12-02T10:00:00Z') }, edited)).keptSent).toHaveLength(1);
    // Later the issue's own title is corrected with --force: the page takes the article edit too, and publish says which.
    const issueFile = sampleIssueFiles().filter((f) => f.text.includes('type: issue'));
    const retitled = issueFile.map((f) => ({ ...f, text: f.text.replace(/^title: .*$/m, 'title: Corrected issue title') }));
    const r = await publish({ content, ids, clock: fixedClock('2026-12-03T10:00:00Z') }, retitled, { force: true });
    expect(r.changedSent.map((c) => c.issueId)).toEqual([SAMPLE_ISSUE_ID]);
    expect(r.refreshedSent).toEqual([{ issueId: SAMPLE_ISSUE_ID, sentAt: AT.toISOString(), articleIds: [issue.articleIds[0]] }]);
    expect((await content.getArchiveSnapshot(SAMPLE_ISSUE_ID))?.articles[0].title).toBe('Retitled after the send');
  });
});
