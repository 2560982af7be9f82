/**
 * Re-publishing a sent issue: the archive page renders the stored issue, so a change is refused
 * without --force (the archive keeps what readers got) and made, and said, with it.
 */
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { publish, PublishError, type SourceFile } from '../../lambdas/usecases/publish';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { renderArchiveIssue } from '../../lambdas/core/render/archive';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent, MemoryQueue, MemorySubscribers } from './fakes';

const SENT_AT = '2026-11-30T06:00:00Z';
const NEW_TITLE = 'A headline changed after the send';

/** The sample issue's files with the issue's title replaced (the edit made after the send). */
const retitled = (): SourceFile[] =>
  sampleIssueFiles().map((f) =>
    /^type: issue$/m.test(f.text) ? { ...f, text: f.text.replace(/^title: .*$/m, `title: ${NEW_TITLE}`) } : f,
  );

/** Published, then sent to one reader by the planner (which marks it sent), as `send-digest` does. */
async function publishedAndSent() {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  await publish({ content, clock: fixedClock('2026-11-28T10:00:00Z') }, sampleIssueFiles());
  await subscribers.upsert(confirmedSubscriber({ email: 'r@example.com' }, 'import', new Date('2026-11-01T00:00:00Z')));
  expect(
    await planDigest({ content, subscribers, queue: new MemoryQueue(), clock: fixedClock(SENT_AT) }, { issueId: SAMPLE_ISSUE_ID }),
  ).toMatchObject({
    status: 'queued',
  });
  return { content, clock: fixedClock('2026-12-01T09:00:00Z') };
}

async function archivePage(content: MemoryContent): Promise<string> {
  const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
  return renderArchiveIssue(issue, await content.getArticles(issue.articleIds), '');
}

describe('publish of an issue already sent', () => {
  it('refuses a change without --force, naming the issue, when it was sent and the way out; the archive page stays as sent', async () => {
    const deps = await publishedAndSent();
    const before = await archivePage(deps.content);
    const refused = publish(deps, retitled());
    await expect(refused).rejects.toThrow(PublishError);
    await expect(refused).rejects.toThrow(
      `issue ${SAMPLE_ISSUE_ID} was sent on 2026-11-30 06:00 UTC: its archive page keeps what was sent; use --force to change it`,
    );
    const after = await archivePage(deps.content);
    expect(after).toBe(before);
    expect(after).not.toContain(NEW_TITLE);
  });

  it('with --force, changes the archive page and says so in the result', async () => {
    const deps = await publishedAndSent();
    const r = await publish(deps, retitled(), { force: true });
    expect(r.changedSent).toEqual([{ issueId: SAMPLE_ISSUE_ID, sentAt: '2026-11-30T06:00:00.000Z' }]);
    expect(await archivePage(deps.content)).toContain(NEW_TITLE);
    // Still sent: the change never makes it sendable again.
    expect((await deps.content.getIssue(SAMPLE_ISSUE_ID))?.plannedAt).toBe('2026-11-30T06:00:00.000Z');
  });

  it('accepts the same files again without --force (no change), leaving the sent issue untouched, publishedAt included', async () => {
    const deps = await publishedAndSent();
    const stored = await deps.content.getIssue(SAMPLE_ISSUE_ID);
    const r = await publish(deps, sampleIssueFiles());
    expect(r.changedSent).toEqual([]);
    expect(await deps.content.getIssue(SAMPLE_ISSUE_ID)).toEqual(stored);
  });

  it('lets an unsent issue change freely (no --force needed before the send)', async () => {
    const content = new MemoryContent();
    const deps = { content, clock: fixedClock('2026-11-28T10:00:00Z') };
    await publish(deps, sampleIssueFiles());
    expect((await publish(deps, retitled())).changedSent).toEqual([]);
    expect((await content.getIssue(SAMPLE_ISSUE_ID))?.title).toBe(NEW_TITLE);
  });
});
