/**
 * The archive shows a sent issue as it was sent, and publishing a folder with a sent, scheduled
 * issue works. Real tables in DynamoDB Local, the API on a local HTTP server for the archive
 * page, `publish` run in-process through commander on a copy of content/, and the digest planner
 * (the one the weekly run and the schedules invoke) marking the issue sent and keeping its
 * archive snapshot.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../bin/cli/target';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { documentClient, dynamoPorts, plannerPorts } from '../../lambdas/wiring';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { CONTENT_DIR, SAMPLE_ISSUE_ID, SAMPLE_NEWSLETTER } from '../../lib/local/sample-content';
import { runCli } from '../support/cli-in-process';
import { createTestTables, type TestTables } from '../support/tables';
import { walkedClock } from '../support/clocked-runtime';
import { MemoryQueue } from '../unit/fakes';
import { startSubscriptionApi } from './subscribe-support';

const ARTICLE = 'japan-defence-build-up';
const NEW_TITLE = 'Japan doubles its defence budget, edited after the send';

/** A copy of the sample newsletter's folder the test may edit; `issueLines` go into the issue's front matter. */
function contentCopy(prefix: string, issueLines = ''): { dir: string; file: (kind: string, name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  cpSync(join(CONTENT_DIR, SAMPLE_NEWSLETTER), dir, { recursive: true });
  const file = (kind: string, name: string) => join(dir, kind, `${name}.md`);
  if (issueLines) edit(file('issues', '001'), (t) => t.replace(/^type: issue$/m, `type: issue\n${issueLines}`));
  return { dir, file };
}

function edit(path: string, change: (text: string) => string): void {
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  // The edit must take: a test whose change missed the file would prove nothing.
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

/** A CLI target on `db` at the clock's time, with what `publish` reads. */
function publishTarget(db: ReturnType<typeof dynamoPorts<TestTables['names']>>, clock: { now(): Date }): Target {
  return {
    content: db.content,
    ids: db.content,
    settings: db.settings,
    clock,
    schedules: new LocalIssueScheduler(),
    timeZone: 'UTC',
  } as unknown as Target;
}

describe('the archive page of a sent issue whose article is edited afterwards', () => {
  let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
  let copy: ReturnType<typeof contentCopy>;
  let target: Target;
  const clock = walkedClock();
  let sentAt: Date;
  const page = async () => {
    const res = await fetch(`${api.http.url}/archive/${SAMPLE_ISSUE_ID}`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    api = await startSubscriptionApi();
    const db = dynamoPorts(documentClient(), api.tables.names);
    copy = contentCopy('archive-sent');
    target = publishTarget(db, clock);
    await runCli(target, 'publish', copy.dir);
    clock.at = sentAt = new Date(clock.at.getTime() + 3_600_000);
    const planned = await planDigest(plannerPorts(db, { queue: new MemoryQueue(), clock }).plan, { issueId: SAMPLE_ISSUE_ID });
    expect(planned).toMatchObject({ status: 'queued' });
    clock.at = new Date(clock.at.getTime() + 86_400_000);
    edit(copy.file('articles', ARTICLE), (t) => t.replace(/^title: .*$/m, `title: ${NEW_TITLE}`));
  });
  afterAll(async () => {
    await api?.stop();
    rmSync(copy.dir, { recursive: true, force: true });
  });

  it('without --force: the article is stored, the page keeps what was sent, and publish names the sent issue and --force', async () => {
    // The mistake tried: the page rendered from the live articles changes silently with the edit.
    const before = await page();
    expect(before).not.toContain(NEW_TITLE);
    const out = await runCli(target, 'publish', copy.file('articles', ARTICLE));
    expect(out).toContain(
      `issue ${SAMPLE_ISSUE_ID} was sent on ${sentAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: article ${ARTICLE} stored ` +
        'for later issues; its archive page keeps what was sent (use --force to update it)',
    );
    expect(await page()).toBe(before);
    const [stored] = await api.content.getArticles([ARTICLE]);
    expect(stored.title).toBe(NEW_TITLE);
  });

  it('the same file again without --force says so again and still changes nothing on the page', async () => {
    const before = await page();
    const out = await runCli(target, 'publish', copy.file('articles', ARTICLE));
    expect(out.some((l) => l.includes('its archive page keeps what was sent'))).toBe(true);
    expect(await page()).toBe(before);
  });

  it('with --force: the page shows the edited article, and publish says which archive page changed', async () => {
    const out = await runCli(target, 'publish', '--force', copy.file('articles', ARTICLE));
    expect(out.some((l) => l.endsWith(`its archive page now shows the changed article ${ARTICLE} (--force)`))).toBe(true);
    expect(await page()).toContain(NEW_TITLE);
  });

  it('the whole folder published again after --force is no change: no notice, the page as it is', async () => {
    const before = await page();
    const out = await runCli(target, 'publish', copy.dir);
    expect(out.filter((l) => l.includes('was sent on'))).toEqual([]);
    expect(await page()).toBe(before);
  });
});

describe('a folder with a sent issue that has sendAt', () => {
  let tables: TestTables;
  let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
  let copy: ReturnType<typeof contentCopy>;
  const clock = walkedClock();
  const sendAt = new Date(clock.at.getTime() + 10 * 60_000);

  beforeAll(async () => {
    tables = await createTestTables('archive-sendat');
    db = dynamoPorts(documentClient(), tables.names);
    copy = contentCopy('archive-sendat', `sendAt: ${sendAt.toISOString()}`);
    const out = await runCli(publishTarget(db, clock), 'publish', copy.dir);
    expect(out.some((l) => l.includes(`${SAMPLE_ISSUE_ID}: scheduled for`))).toBe(true);
    clock.at = sendAt;
    const planned = await planDigest(plannerPorts(db, { queue: new MemoryQueue(), clock }).plan, { issueId: SAMPLE_ISSUE_ID });
    expect(planned).toMatchObject({ status: 'queued' });
    clock.at = new Date(sendAt.getTime() + 3_600_000);
  });
  afterAll(async () => {
    await tables?.drop();
    rmSync(copy.dir, { recursive: true, force: true });
  });

  it('published again unchanged is no change: no "in the past" refusal, no new schedule, the issue as sent', async () => {
    // The mistake tried: the parse-time check refuses the sent issue's own sendAt as past.
    const stored = await db.content.getIssue(SAMPLE_ISSUE_ID);
    const out = await runCli(publishTarget(db, clock), 'publish', copy.dir);
    expect(out[0]).toMatch(/^published \d+ article\(s\), 1 issue\(s\)/);
    expect(out.filter((l) => l.includes('scheduled for'))).toEqual([]);
    expect(await db.content.getIssue(SAMPLE_ISSUE_ID)).toEqual(stored);
  });

  it('with its sendAt changed is refused, saying it was sent and what to do, and nothing is written', async () => {
    const stored = await db.content.getIssue(SAMPLE_ISSUE_ID);
    const later = new Date(clock.at.getTime() + 86_400_000).toISOString();
    edit(copy.file('issues', '001'), (t) => t.replace(/^sendAt: .*$/m, `sendAt: ${later}`));
    const refused = runCli(publishTarget(db, clock), 'publish', copy.dir);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `issues/001\\.md:\\d+: sendAt: issue ${SAMPLE_ISSUE_ID} was already sent on .* UTC, so it cannot be scheduled again: ` +
          `put back sendAt: ${sendAt.toISOString().replace(/\./g, '\\.')} or remove sendAt`,
      ),
    );
    expect(await db.content.getIssue(SAMPLE_ISSUE_ID)).toEqual(stored);
  });
});
