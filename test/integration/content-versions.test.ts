/**
 * Versions of content against DynamoDB Local (this file's own tables, real SDK clients):
 * `publish` and `content pull` run in-process through commander on a copy of content/, and the
 * single-item save the console calls (usecases/save-content.ts). What is tried: a stale file
 * published over a newer version, two saves racing from one version (the conditional write
 * decides, not the read before it), pull then publish being no change, and pull refusing to
 * overwrite a local edit.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Target } from '../../bin/cli/target';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { CONTENT_DIR, SAMPLE_ISSUE_ID, SAMPLE_NEWSLETTER } from '../../lib/local/sample-content';
import { saveContent } from '../../lambdas/usecases/save-content';
import type { PublishDeps } from '../../lambdas/usecases/publish';
import type { Article } from '../../lambdas/core/model';
import { runCli } from '../support/cli-in-process';
import { createTestTables, scanAll, type TestTables } from '../support/tables';
import { walkedClock } from '../support/clocked-runtime';

const ARTICLE = 'japan-defence-build-up';

let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
const clock = walkedClock();
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
};

function target(): Target {
  return {
    content: db.content,
    ids: db.content,
    settings: db.settings,
    clock,
    schedules: new LocalIssueScheduler(),
    timeZone: 'UTC',
  } as unknown as Target;
}
const deps = (): PublishDeps => ({
  content: db.content,
  ids: db.content,
  settings: db.settings,
  clock,
  schedules: new LocalIssueScheduler(),
});
const stored = async (id = ARTICLE): Promise<Article> => (await db.content.getArticles([id]))[0];
/** Every Content item as stored (a raw Scan): what "no change" is checked against. */
const everything = async () => (await scanAll(tables.names.content)).sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
const later = () => (clock.at = new Date(clock.at.getTime() + 3_600_000));

/** The article's file as the console sends it: the text with `title` replaced, the file's own version line dropped. */
const articleText = (title: string, from: string) => from.replace(/^title: .*$/m, `title: ${title}`).replace(/^version: .*\n/m, '');

function edit(path: string, change: (text: string) => string): void {
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  // The edit must take: a test whose change missed the file would prove nothing.
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

beforeAll(async () => {
  tables = await createTestTables('versions');
  db = dynamoPorts(documentClient(), tables.names);
  const source = tempDir('versions-source');
  cpSync(join(CONTENT_DIR, SAMPLE_NEWSLETTER), source, { recursive: true });
  const out = await runCli(target(), 'publish', '--as', 'cli:first', source);
  expect(out[0]).toMatch(/^published 6 article\(s\), 1 issue\(s\), the topics and page text$/);
});
afterAll(async () => {
  await tables?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('content versions in DynamoDB', () => {
  it('the first publish stores every item as version 1, with who and when', async () => {
    expect(await stored()).toMatchObject({ version: 1, updatedBy: 'cli:first', updatedAt: clock.at.toISOString() });
    expect(await db.content.getIssue(SAMPLE_ISSUE_ID)).toMatchObject({ version: 1, updatedBy: 'cli:first' });
    expect(await db.settings.settingsStamp!()).toMatchObject({ version: 1, updatedBy: 'cli:first' });
  });

  it('pull then publish is no change: every item as it was, version and all (mistake: a pulled field that parses differently)', async () => {
    const dir = tempDir('versions-pull');
    const pulled = await runCli(target(), 'content', 'pull', dir);
    expect(pulled[0]).toBe(`pulled 6 article(s), 1 issue(s), the topics and page text into ${dir}`);
    expect(pulled).toContain('  new: 8');
    expect(readFileSync(join(dir, 'articles', `${ARTICLE}.md`), 'utf8')).toMatch(/^version: 1$/m);
    expect(existsSync(join(dir, 'topics.md'))).toBe(true);
    const before = await everything();
    later();
    const out = await runCli(target(), 'publish', '--as', 'cli:second', dir);
    expect(out.filter((l) => l.startsWith('  ') && !l.endsWith('(unchanged)'))).toEqual([]);
    expect(await everything()).toEqual(before);
  });

  it('a stale file is refused with who changed the item and when, and nothing of it is written (bad input: a file pulled before a save)', async () => {
    const dir = tempDir('versions-stale');
    await runCli(target(), 'content', 'pull', dir);
    const file = join(dir, 'articles', `${ARTICLE}.md`);
    later();
    const saved = await saveContent(deps(), {
      file: { name: `${ARTICLE}.md`, text: articleText('Saved in the console', readFileSync(file, 'utf8')) },
      baseVersion: 1,
      editor: 'ana@example.org',
    });
    expect(saved).toEqual({ saved: true, kind: 'article', id: ARTICLE, version: 2, changed: true });
    const savedAt = clock.at.toISOString().slice(0, 16).replace('T', ' ');
    edit(file, (t) => t.replace(/^title: .*$/m, 'title: Edited in the repository'));
    later();
    await expect(runCli(target(), 'publish', file)).rejects.toThrow(
      `${relative(process.cwd(), file)}: article ${ARTICLE} was changed by ana@example.org on ${savedAt} UTC (version 2; this file is version 1): ` +
        'get the newer one with npm run cli -- content pull <dir>, or publish with --force to overwrite it',
    );
    expect(await stored()).toMatchObject({ title: 'Saved in the console', version: 2, updatedBy: 'ana@example.org' });
    // The save's own refusal of the same stale base.
    const again = await saveContent(deps(), {
      file: { name: `${ARTICLE}.md`, text: articleText('Another', readFileSync(file, 'utf8')) },
      baseVersion: 1,
      editor: 'ben@example.org',
    });
    expect(again).toMatchObject({
      saved: false,
      refusal: { kind: 'article', id: ARTICLE, base: 1, stored: { version: 2, updatedBy: 'ana@example.org' } },
    });
    // --force overwrites, as the next version.
    const forced = await runCli(target(), 'publish', '--force', '--as', 'cli:third', file);
    expect(forced).toContain(`  ${ARTICLE} (version 3)`);
    expect(await stored()).toMatchObject({ title: 'Edited in the repository', version: 3, updatedBy: 'cli:third' });
  });

  it('a pulled file edited and published twice: its version line follows each publish (mistake: the second edit refused as stale against your own first)', async () => {
    const dir = tempDir('versions-twice');
    await runCli(target(), 'content', 'pull', dir);
    const file = join(dir, 'articles', `${ARTICLE}.md`);
    const from = (await stored()).version!;
    edit(file, (t) => t.replace(/^title: .*$/m, 'title: First edit in the repository'));
    later();
    const first = await runCli(target(), 'publish', '--as', 'cli:me', file);
    expect(first).toContain(`  ${ARTICLE} (version ${from + 1})`);
    expect(first).toContain(`version line updated in 1 file(s): ${relative(process.cwd(), file)}`);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^version: ${from + 1}$`, 'm'));
    edit(file, (t) => t.replace(/^title: .*$/m, 'title: Second edit in the repository'));
    later();
    expect(await runCli(target(), 'publish', '--as', 'cli:me', file)).toContain(`  ${ARTICLE} (version ${from + 2})`);
    expect(await stored()).toMatchObject({ title: 'Second edit in the repository', version: from + 2 });
    // And a pull now finds the file the same as the stored item.
    expect(await runCli(target(), 'content', 'pull', dir)).not.toContain(expect.stringContaining('differs'));
  });

  it('two saves from the same version at once: one is stored, the other refused naming the winner (mistake: both reported saved; the next test forces the race between read and write)', async () => {
    const base = await stored();
    const text = readFileSync(join(CONTENT_DIR, SAMPLE_NEWSLETTER, 'articles', `${ARTICLE}.md`), 'utf8');
    const save = (title: string, editor: string) =>
      saveContent(deps(), { file: { name: `${ARTICLE}.md`, text: articleText(title, text) }, baseVersion: base.version!, editor });
    const outcomes = await Promise.all([save('Title by ana', 'ana@example.org'), save('Title by ben', 'ben@example.org')]);
    const won = outcomes.filter((o) => o.saved);
    const lost = outcomes.flatMap((o) => (o.saved ? [] : [o.refusal]));
    expect(won).toEqual([{ saved: true, kind: 'article', id: ARTICLE, version: base.version! + 1, changed: true }]);
    expect(lost).toHaveLength(1);
    const now = await stored();
    expect(lost[0]).toMatchObject({ stored: { version: base.version! + 1, updatedBy: now.updatedBy } });
    expect(now.title).toBe(now.updatedBy === 'ana@example.org' ? 'Title by ana' : 'Title by ben');
  });

  it('a save that loses the race between its read and its write is refused the same way, not with a raw DynamoDB error', async () => {
    const base = await stored();
    const text = readFileSync(join(CONTENT_DIR, SAMPLE_NEWSLETTER, 'articles', `${ARTICLE}.md`), 'utf8');
    // The store as publish sees it, with another save made just before this save's write: the
    // read before it saw the old version, so only the write's condition can refuse it.
    let raced = false;
    const content = Object.create(db.content) as typeof db.content;
    content.put = async (item, expected) => {
      if (!raced) {
        raced = true;
        const other = await saveContent(deps(), {
          file: { name: `${ARTICLE}.md`, text: articleText('The other save', text) },
          baseVersion: base.version!,
          editor: 'ben@example.org',
        });
        expect(other).toMatchObject({ saved: true, version: base.version! + 1 });
      }
      return db.content.put(item, expected);
    };
    const outcome = await saveContent(
      { ...deps(), content },
      { file: { name: `${ARTICLE}.md`, text: articleText('This save', text) }, baseVersion: base.version!, editor: 'ana@example.org' },
    );
    expect(raced).toBe(true);
    expect(outcome).toMatchObject({
      saved: false,
      refusal: { file: `${ARTICLE}.md`, stored: { version: base.version! + 1, updatedBy: 'ben@example.org' } },
    });
    expect(outcome.saved === false && outcome.refusal.message).toMatch(
      /was changed by ben@example\.org on .* UTC \(version \d+; this file is version \d+\)/,
    );
    expect(await stored()).toMatchObject({ title: 'The other save', updatedBy: 'ben@example.org' });
  });

  it('pull refuses to overwrite an edited local file and writes nothing; a file untouched since the last pull takes the newer version', async () => {
    const dir = tempDir('versions-local');
    await runCli(target(), 'content', 'pull', dir);
    const mine = join(dir, 'articles', `${ARTICLE}.md`);
    const issue = join(dir, 'issues', `${SAMPLE_ISSUE_ID}.md`);
    edit(mine, (t) => t.replace(/^title: .*$/m, 'title: My edit, not published'));
    // Changed elsewhere since the pull: the issue (untouched here) and the article (edited here).
    later();
    const issueText = readFileSync(issue, 'utf8').replace(/^summary: .*$/m, 'summary: A summary saved in the console.');
    expect(
      await saveContent(deps(), {
        file: { name: 'issue.md', text: issueText.replace(/^version: .*\n/m, '') },
        baseVersion: 1,
        editor: 'ana@example.org',
      }),
    ).toMatchObject({ saved: true, version: 2 });
    const issueBefore = readFileSync(issue, 'utf8');
    await expect(runCli(target(), 'content', 'pull', dir)).rejects.toThrow(
      new RegExp(
        `nothing written: 1 local file\\(s\\) differ from the stored items\\n${mine.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: differs from the stored article ${ARTICLE} \\(version \\d+, by .*\\): publish it first if it is your change, or pull with --force`,
      ),
    );
    expect(readFileSync(mine, 'utf8')).toContain('title: My edit, not published');
    expect(readFileSync(issue, 'utf8')).toBe(issueBefore);
    // With --force: the local edit is replaced; the untouched issue file takes version 2 in any case.
    const out = await runCli(target(), 'content', 'pull', '--force', dir);
    expect(out).toContain('  replaced (--force): 1');
    expect(out).toContain('  updated: 1');
    expect(readFileSync(mine, 'utf8')).not.toContain('My edit');
    expect(readFileSync(issue, 'utf8')).toMatch(/^summary: A summary saved in the console\.$/m);
    expect(readFileSync(issue, 'utf8')).toMatch(/^version: 2$/m);
  });
});
