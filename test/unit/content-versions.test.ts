/**
 * Versions of stored content, the pure parts: the stale rule, the next stamp, what counts as a
 * change, the `version:` field, the files `content pull` writes (they parse back to the stored
 * item), and pull's plan for local files. Publish's use of them runs on the in-memory store here;
 * the conditional writes and races are in test/integration/content-versions.test.ts.
 */
import { parseContent, ContentError } from '../../lambdas/core/content/parse';
import { readSettingsFile } from '../../lambdas/core/content/topics-file';
import { articleMarkdown, issueMarkdown, settingsMarkdown, withVersionLine } from '../../lambdas/core/content/markdown-out';
import { contentChanged, nextStamp, staleMessage, staleVersion } from '../../lambdas/core/content/versions';
import { planPull, type PulledItem } from '../../lambdas/usecases/pull-content';
import { publish, PublishError } from '../../lambdas/usecases/publish';
import type { Article, Issue } from '../../lambdas/core/model';
import { sampleIssueFiles, sampleSettingsFile } from '../../lib/local/sample-content';
import { plainArticle } from './fixtures';
import { fixedClock, MemoryContent } from './fakes';

const NOW = new Date('2026-12-01T09:00:00Z');
const STAMP = { version: 4, updatedAt: '2026-11-30T17:05:00.000Z', updatedBy: 'ana@example.org' };

describe('the stale rule', () => {
  it('refuses a base older than the stored version, naming who and when (mistake: comparing the other way round)', () => {
    expect(staleVersion(3, STAMP)).toEqual({ base: 3, stored: STAMP });
    expect(staleMessage('articles/pact.md', 'article pact', staleVersion(3, STAMP)!)).toBe(
      'articles/pact.md: article pact was changed by ana@example.org on 2026-11-30 17:05 UTC (version 4; this file is version 3): ' +
        'get the newer one with npm run cli -- content pull <dir>, or publish with --force to overwrite it',
    );
  });

  it('lets through the same version, no base, nothing stored, and an item stored before versions', () => {
    expect(staleVersion(4, STAMP)).toBeUndefined();
    expect(staleVersion(undefined, STAMP)).toBeUndefined();
    expect(staleVersion(1, undefined)).toBeUndefined();
    expect(staleVersion(1, {})).toBeUndefined();
  });

  it('a new item (base 0) is refused once one was stored meanwhile', () => {
    expect(staleVersion(0, { version: 1, updatedAt: STAMP.updatedAt, updatedBy: 'ben@example.org' })?.stored.updatedBy).toBe(
      'ben@example.org',
    );
  });

  it('numbers versions 1 on the first write and one more on each change (mistake: restarting at 1)', () => {
    expect(nextStamp(undefined, NOW, 'cli:ana')).toEqual({ version: 1, updatedAt: NOW.toISOString(), updatedBy: 'cli:ana' });
    expect(nextStamp({}, NOW, 'cli:ana').version).toBe(1);
    expect(nextStamp(STAMP, NOW, 'cli:ana').version).toBe(5);
  });
});

describe('what counts as a change', () => {
  const a = plainArticle('pact', { source: { name: 'Reuters', url: 'https://example.org/a' } });

  it('not the bookkeeping, nor the order of keys the store hands back (mistake: every publish a new version)', () => {
    const stored = {
      ...a,
      ...STAMP,
      source: { url: 'https://example.org/a', name: 'Reuters' },
      publishedAt: '2020-01-01T00:00:00Z',
      alertedAt: 'x',
    };
    expect(contentChanged(stored, { ...a, version: 2 })).toBe(false);
  });

  it('a changed field, an added optional field, and nothing stored', () => {
    expect(contentChanged(a, { ...a, title: 'Another title' })).toBe(true);
    expect(contentChanged(a, { ...a, whyItMatters: 'It matters.' })).toBe(true);
    expect(contentChanged(undefined, a)).toBe(true);
  });
});

describe('the version field of a file', () => {
  const article = sampleIssueFiles().find((f) => /^type: article$/m.test(f.text))!;

  it('is read as the version the file was taken from', () => {
    const parsed = parseContent(article.name, article.text.replace(/^type: article$/m, 'type: article\nversion: 3'), NOW);
    expect(parsed.version).toBe(3);
  });

  it('refuses a version that is not a whole number of 1 or more, at its line (bad input: version: 0, version: two)', () => {
    for (const bad of ['0', 'two', '1.5']) {
      const attempt = () => parseContent(article.name, article.text.replace(/^type: article$/m, `type: article\nversion: ${bad}`), NOW);
      expect(attempt).toThrow(ContentError);
      expect(attempt).toThrow(new RegExp(`${article.name.replace(/[.]/g, '\\.')}:3: version: must be`));
    }
  });

  it('is read from topics.md too, and refused there the same way', () => {
    const topics = sampleSettingsFile();
    expect(readSettingsFile('topics.md', withVersionLine(topics.text, 7)).version).toBe(7);
    expect(() => readSettingsFile('topics.md', withVersionLine(topics.text, 7).replace('version: 7', 'version: -1'))).toThrow(
      /version: must be 1 or more/,
    );
  });
});

describe('the files content pull writes', () => {
  const parsed = sampleIssueFiles().map((f) => parseContent(f.name, f.text, NOW, { pastSendAt: 'later' }));

  it('parse back to the same articles and issue, with their version (mistake: a field renamed or dropped on the way out)', () => {
    expect(parsed.length).toBeGreaterThan(1);
    for (const item of parsed) {
      const stored = { ...item, version: 3 };
      const text = item.kind === 'article' ? articleMarkdown(stored as Article) : issueMarkdown(stored as Issue);
      const back = parseContent(`${item.id}.md`, text, NOW, { pastSendAt: 'later' });
      expect(contentChanged(stored, back)).toBe(false);
      expect(back.version).toBe(3);
    }
  });

  it('keep an issue’s sendAt and subject test, and an article’s sources and body', () => {
    const issue = parsed.find((i): i is Issue => i.kind === 'issue')!;
    const full: Issue = {
      ...issue,
      sendAt: '2026-12-03T06:00:00.000Z',
      subjectTest: { subjects: ['One: a test', 'Two'], sharePercent: 10, waitMinutes: 90 },
    };
    expect(contentChanged(full, parseContent('i.md', issueMarkdown(full), NOW, { pastSendAt: 'later' }))).toBe(false);
    const article: Article = {
      ...plainArticle('a'),
      sources: [{ title: 'Text', url: 'https://example.org/t' }],
      body: '## Heading\n\nA paragraph with "quotes": and a colon.',
    };
    expect(contentChanged(article, parseContent('a.md', articleMarkdown(article), NOW))).toBe(false);
  });

  it('topics.md parses back to the same settings', () => {
    const { settings } = readSettingsFile('topics.md', sampleSettingsFile().text);
    expect(readSettingsFile('topics.md', settingsMarkdown(settings, 2))).toEqual({ settings, version: 2 });
  });

  it('a version line is set in a file without touching its comments or layout', () => {
    const text = '---\n# a comment\ntype: article\nid: a\n---\nBody\n';
    expect(withVersionLine(text, 2)).toBe('---\n# a comment\ntype: article\nid: a\nversion: 2\n---\nBody\n');
    expect(withVersionLine(withVersionLine(text, 2), 5)).toBe('---\n# a comment\ntype: article\nid: a\nversion: 5\n---\nBody\n');
  });
});

describe("pull's plan for the local files", () => {
  const stored: Article = { ...plainArticle('pact'), ...STAMP };
  const item: PulledItem = {
    kind: 'article',
    id: 'pact',
    defaultPath: 'articles/pact.md',
    text: articleMarkdown(stored),
    stamp: STAMP,
    sameAs: (local) => !contentChanged(stored, parseContent('l.md', local, NOW)),
  };
  const join = (rel: string) => `dir/${rel}`;
  const edited = item.text.replace(/^title: .*$/m, 'title: Edited here');

  it('a new file at the default path; the same text is left alone', () => {
    expect(planPull([item], [], join, false)).toEqual([{ item, path: 'dir/articles/pact.md', action: 'new', text: item.text }]);
    expect(planPull([item], [{ path: 'dir/x/any.md', text: item.text }], join, false)[0]).toMatchObject({
      path: 'dir/x/any.md',
      action: 'same',
    });
  });

  it('a local file saying the same in another layout only gets its version line', () => {
    const handwritten = item.text.replace(/^version: 4\n/m, '').replace('---\n', '---\n# kept\n');
    const [step] = planPull([item], [{ path: 'dir/a.md', text: handwritten }], join, false);
    expect(step.action).toBe('version');
    expect(step.text).toContain('# kept');
    expect(step.text).toContain('version: 4');
  });

  it('refuses a local edit not published, and replaces it only with force (bad input: an edited local file)', () => {
    expect(planPull([item], [{ path: 'dir/a.md', text: edited }], join, false)[0]).toMatchObject({ action: 'differs' });
    expect(planPull([item], [{ path: 'dir/a.md', text: edited }], join, true)[0]).toMatchObject({ action: 'replaced', text: item.text });
  });

  it('replaces a file still as the last pull wrote it with the newer stored version', () => {
    expect(planPull([item], [{ path: 'dir/a.md', text: edited, untouched: true }], join, false)[0]).toMatchObject({
      action: 'updated',
      text: item.text,
    });
  });
});

describe('publish with versions, on the in-memory store', () => {
  const files = sampleIssueFiles();
  const articleFile = files.find((f) => /^type: article$/m.test(f.text))!;
  const articleId = /^id: (.*)$/m.exec(articleFile.text)![1];

  it('stamps the first write version 1 by who published, and writes nothing again for the same files', async () => {
    const content = new MemoryContent();
    const first = await publish({ content, clock: fixedClock('2026-11-28T10:00:00Z') }, files, { by: 'cli:ana' });
    expect(first.versions.length).toBe(files.length);
    expect((await content.getArticles([articleId]))[0]).toMatchObject({
      version: 1,
      updatedBy: 'cli:ana',
      updatedAt: '2026-11-28T10:00:00.000Z',
    });
    const again = await publish({ content, clock: fixedClock('2026-11-29T10:00:00Z') }, files, { by: 'cli:ben' });
    expect(again.versions).toEqual([]);
    expect((await content.getArticles([articleId]))[0]).toMatchObject({ version: 1, updatedBy: 'cli:ana' });
  });

  it('refuses a changed file taken from an older version, and writes nothing of the folder (bad input: a stale file)', async () => {
    const content = new MemoryContent();
    const clock = fixedClock('2026-11-28T10:00:00Z');
    await publish({ content, clock }, files, { by: 'cli:ana' });
    const edit = (title: string) => articleFile.text.replace(/^title: .*$/m, `title: ${title}`);
    await publish({ content, clock }, [{ ...articleFile, text: edit('Second') }], { by: 'ben@example.org' });
    const stale = { ...articleFile, text: edit('Third').replace(/^type: article$/m, 'type: article\nversion: 1') };
    // Another file of the folder changed too: it is not written either (publish is all or nothing).
    const other = files.find((f) => f !== articleFile && /^type: article$/m.test(f.text))!;
    const otherId = /^id: (.*)$/m.exec(other.text)![1];
    const otherEdited = { ...other, text: other.text.replace(/^title: .*$/m, 'title: Changed beside the stale file') };
    const attempt = publish({ content, clock }, [...files.filter((f) => f !== articleFile && f !== other), stale, otherEdited], {
      by: 'cli:ana',
    });
    await expect(attempt).rejects.toThrow(PublishError);
    await expect(attempt).rejects.toThrow(
      `${articleFile.name}: article ${articleId} was changed by ben@example.org on 2026-11-28 10:00 UTC (version 2; this file is version 1)`,
    );
    expect((await content.getArticles([articleId]))[0]).toMatchObject({ title: 'Second', version: 2 });
    expect((await content.getArticles([otherId]))[0]).toMatchObject({ version: 1 });
    expect((await content.getArticles([otherId]))[0].title).not.toBe('Changed beside the stale file');
    // With --force it goes through, as version 3.
    const forced = await publish({ content, clock }, [stale], { by: 'cli:ana', force: true });
    expect(forced.versions).toEqual([{ kind: 'article', id: articleId, version: 3, file: stale.name }]);
  });
});
