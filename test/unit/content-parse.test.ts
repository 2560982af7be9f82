import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { checkIssueReferences } from '../../lambdas/core/content/check';
import { ContentError, parseContent } from '../../lambdas/core/content/parse';
import type { Article, Issue } from '../../lambdas/core/model';
import { SETTINGS_FILE } from '../../lambdas/core/topics';

const root = join(__dirname, '..', '..');
const publishedAt = new Date('2024-11-04T06:00:00Z');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** Runs the parser and returns the ContentError it throws; fails the test if it does not throw one. */
function refusal(fileName: string, text: string): ContentError {
  try {
    parseContent(fileName, text, publishedAt);
  } catch (err) {
    if (err instanceof ContentError) return err;
    throw err;
  }
  throw new Error(`${fileName} was accepted`);
}

const goodArticle = [
  '---',
  'type: article',
  'id: sample-article',
  'title: A sample headline with <b>markup</b>',
  'summary: Two sentences of summary. Here is the second.',
  'keyPoints:',
  '  - First point',
  '  - Second point',
  'topics: [cyber, diplomacy]',
  'source:',
  '  name: European External Action Service',
  '  url: https://www.eeas.europa.eu/',
  'date: 2024-11-01',
  '---',
  '',
  'Some **Markdown** body.',
  '',
].join('\n');

const goodIssue = [
  '---',
  'type: issue',
  'id: sample-brief-001',
  'newsletter: Sample Brief',
  'number: 1',
  'title: The first issue',
  'summary: The editor introduces the issue.',
  'preheader: What is inside, in one line.',
  'date: 2024-11-04',
  'articles: [first-article, second-article]',
  '---',
  '',
].join('\n');

describe('parseContent: the real content under content/', () => {
  // The newsletter's topics.md is settings, read by its own parser (test/unit/topics.test.ts).
  const files = markdownFiles(join(root, 'content'))
    .map((path) => relative(root, path))
    .filter((path) => !path.endsWith(`/${SETTINGS_FILE}`));
  const parsed = files.map((file) => parseContent(file, readFileSync(join(root, file), 'utf8'), publishedAt));
  const articles = parsed.filter((c): c is Article => c.kind === 'article');
  const issues = parsed.filter((c): c is Issue => c.kind === 'issue');

  it('finds the first issue, its five articles and the sample alert, and parses all of them', () => {
    expect(files.length).toBe(7);
    expect(issues.map((i) => i.id)).toEqual(['eu-japan-security-brief-001']);
    expect(articles).toHaveLength(6);
  });

  it('gives every content file a unique id', () => {
    const ids = parsed.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has the first issue reference exactly the five digest articles, all of which exist', () => {
    const [issue] = issues;
    const digestArticles = articles.filter((a) => a.priority === 'normal').map((a) => a.id);
    expect(issue.articleIds).toHaveLength(5);
    expect([...issue.articleIds].sort()).toEqual([...digestArticles].sort());
    expect(checkIssueReferences(issue, new Set(articles.map((a) => a.id)))).toEqual([]);
  });

  it('maps the issue front matter onto the Issue model', () => {
    const [issue] = issues;
    expect(issue).toMatchObject({
      kind: 'issue',
      newsletter: 'EU–Japan Security Brief',
      number: 1,
      date: '2024-11-04',
      publishedAt: publishedAt.toISOString(),
    });
    expect(issue.preheader.length).toBeLessThanOrEqual(110);
  });

  it('marks the North Korea alert as breaking, dated 2024-10-31, with its two topics', () => {
    const alert = articles.find((a) => a.id === 'north-korea-icbm-test');
    expect(alert).toMatchObject({ priority: 'breaking', date: '2024-10-31', topics: ['north-korea', 'nuclear-disarmament'] });
  });

  it('gives every article at most 5 key points, known topics and an https source', () => {
    const taxonomy = new Set([
      'defence-industry',
      'maritime-security',
      'cyber',
      'space',
      'intelligence-sharing',
      'nuclear-disarmament',
      'north-korea',
      'russia',
      'china',
      'ukraine',
      'diplomacy',
    ]);
    for (const a of articles) {
      expect(a.keyPoints.length).toBeLessThanOrEqual(5);
      expect(a.topics.filter((t) => !taxonomy.has(t))).toEqual([]);
      expect(a.source.url).toMatch(/^https:\/\/[^/]+\/(en\/)?$/);
    }
  });
});

describe('parseContent: well-formed input', () => {
  it('maps an article, converting the YAML date to YYYY-MM-DD and defaulting priority to normal', () => {
    expect(parseContent('content/sample.md', goodArticle, publishedAt)).toEqual({
      kind: 'article',
      id: 'sample-article',
      title: 'A sample headline with <b>markup</b>',
      summary: 'Two sentences of summary. Here is the second.',
      keyPoints: ['First point', 'Second point'],
      topics: ['cyber', 'diplomacy'],
      source: { name: 'European External Action Service', url: 'https://www.eeas.europa.eu/' },
      date: '2024-11-01',
      priority: 'normal',
      body: 'Some **Markdown** body.',
      publishedAt: '2024-11-04T06:00:00.000Z',
    });
  });

  it('accepts a quoted date string as well as an unquoted YAML date', () => {
    const quoted = goodArticle.replace('date: 2024-11-01', 'date: "2024-11-01"');
    expect(parseContent('content/quoted.md', quoted, publishedAt)).toMatchObject({ date: '2024-11-01' });
  });

  it('accepts a file saved with CRLF line ends as the same content', () => {
    const crlf = goodArticle.replace(/\n/g, '\r\n');
    expect(parseContent('content/crlf.md', crlf, publishedAt)).toEqual(parseContent('content/lf.md', goodArticle, publishedAt));
  });

  it('maps an issue, turning `articles` into articleIds in their order', () => {
    expect(parseContent('content/issue.md', goodIssue, publishedAt)).toMatchObject({
      kind: 'issue',
      id: 'sample-brief-001',
      number: 1,
      date: '2024-11-04',
      articleIds: ['first-article', 'second-article'],
    });
  });
});

describe('parseContent: bad input is refused with the file name and the field path', () => {
  it('missing title: names title as required', () => {
    const err = refusal('content/no-title.md', goodArticle.replace(/^title: .*\n/m, ''));
    expect(err.message).toContain('content/no-title.md: title: is required');
  });

  it('source.url of javascript:alert(1): refused as not an http(s) URL', () => {
    const err = refusal('content/bad-url.md', goodArticle.replace('https://www.eeas.europa.eu/', 'javascript:alert(1)'));
    expect(err.message).toContain('content/bad-url.md:12: source.url: must be an http(s) URL');
  });

  it('the typo `keypoints`: named as an unknown field with a hint (keyPoints itself is optional)', () => {
    const err = refusal('content/typo.md', goodArticle.replace('keyPoints:', 'keypoints:'));
    expect(err.message).toContain('content/typo.md:6: keypoints: unknown field (did you mean "keyPoints"?)');
    expect(err.problems).toHaveLength(1);
  });

  it('impossible date 2024-02-30, unquoted (which YAML would roll over into March): refused', () => {
    const err = refusal('content/feb-30.md', goodArticle.replace('date: 2024-11-01', 'date: 2024-02-30'));
    expect(err.message).toContain('content/feb-30.md:13: date: is not a real calendar date');
  });

  it('impossible date "2024-02-30", quoted: refused', () => {
    const err = refusal('content/feb-30-quoted.md', goodArticle.replace('date: 2024-11-01', 'date: "2024-02-30"'));
    expect(err.message).toContain('content/feb-30-quoted.md:13: date: is not a real calendar date');
  });

  it('a date with a time of day: refused', () => {
    const err = refusal('content/datetime.md', goodArticle.replace('date: 2024-11-01', 'date: 2024-11-01T10:00:00Z'));
    expect(err.message).toContain('content/datetime.md:13: date: must be a calendar date');
  });

  it('CR/LF inside a title (a header injection attempt): refused', () => {
    const err = refusal('content/crlf-title.md', goodArticle.replace(/^title: .*$/m, 'title: "Headline\\r\\nBcc: victim@example.com"'));
    expect(err.message).toContain('content/crlf-title.md:4: title: must not contain line breaks or control characters');
  });

  it('a line break inside a key point: refused at its index', () => {
    const err = refusal('content/kp-newline.md', goodArticle.replace('  - Second point', '  - "Second\\npoint"'));
    expect(err.message).toContain('content/kp-newline.md:8: keyPoints.1: must not contain line breaks');
  });

  it('an oversized body of 60,000 characters: refused', () => {
    const err = refusal('content/huge.md', goodArticle + 'x'.repeat(60_000));
    expect(err.message).toContain('content/huge.md: body: must be at most 50000 characters');
  });

  it('a control character (NUL) in the body: refused', () => {
    const err = refusal('content/nul.md', goodArticle + 'bad\u0000byte');
    expect(err.message).toContain('content/nul.md: body: must not contain control characters');
  });

  it('invalid YAML (an unclosed flow list): refused at the line that opened the list, with the fix', () => {
    const err = refusal('content/bad-yaml.md', goodArticle.replace('topics: [cyber, diplomacy]', 'topics: [cyber, diplomacy'));
    expect(err.message).toMatch(/^content\/bad-yaml\.md:9: topics: invalid YAML: the list opened with \[ is not closed: end it with \]/);
  });

  it('invalid YAML refused again on a second parse of the same text (no stale cache)', () => {
    const text = goodArticle.replace('title: A sample', 'title: [A sample');
    expect(refusal('content/again.md', text).message).toContain('invalid YAML');
    expect(refusal('content/again.md', text).message).toContain('invalid YAML');
  });

  it('no front matter at all: refused', () => {
    const err = refusal('content/plain.md', '# Just a heading\n\nSome text.\n');
    expect(err.message).toContain('content/plain.md: front matter: missing');
  });

  it('front matter that is never closed: refused', () => {
    const err = refusal('content/unclosed.md', '---\ntype: article\nid: x\n');
    expect(err.message).toContain('content/unclosed.md: front matter: not closed');
  });

  it('a `---js` front matter block: refused without being evaluated', () => {
    const marker = globalThis as { __contentEvaluated?: boolean };
    const err = refusal('content/js.md', '---js\n{ type: (globalThis.__contentEvaluated = true, "article") }\n---\n');
    expect(err.message).toContain('content/js.md: front matter: must be YAML');
    expect(marker.__contentEvaluated).toBeUndefined();
  });

  it('front matter that is a YAML list, not a mapping: refused', () => {
    const err = refusal('content/list.md', '---\n- type\n- article\n---\n');
    expect(err.message).toContain('content/list.md: front matter: must be a mapping');
  });

  it('duplicate article ids in an issue: refused at the repeated entry', () => {
    const err = refusal(
      'content/dup.md',
      goodIssue.replace('[first-article, second-article]', '[first-article, second-article, first-article]'),
    );
    expect(err.message).toContain('content/dup.md:10: articles.2: repeats "first-article"');
  });

  it('wrong type (`post`): refused', () => {
    const err = refusal('content/post.md', goodArticle.replace('type: article', 'type: post'));
    expect(err.message).toBe('content/post.md:2: type: must be "article" or "issue"');
  });

  it('missing type: refused', () => {
    const err = refusal('content/untyped.md', goodArticle.replace('type: article\n', ''));
    expect(err.message).toContain('content/untyped.md: type: is required');
  });

  it('an issue number of 0 and a preheader over 150 characters: both reported in one message', () => {
    const text = goodIssue.replace('number: 1', 'number: 0').replace(/^preheader: .*$/m, `preheader: ${'p'.repeat(151)}`);
    const err = refusal('content/issue-bad.md', text);
    expect(err.message).toContain('content/issue-bad.md:5: number: must be 1 or more');
    expect(err.message).toContain('content/issue-bad.md:8: preheader: must be at most 150 characters');
  });

  it('an id that is not a slug (upper case and spaces): refused', () => {
    const err = refusal('content/id.md', goodArticle.replace('id: sample-article', 'id: Sample Article'));
    expect(err.message).toContain('content/id.md:3: id: must be a slug');
  });

  it('an unknown priority (`urgent`): refused', () => {
    const err = refusal('content/prio.md', goodArticle.replace('date: 2024-11-01', 'date: 2024-11-01\npriority: urgent'));
    expect(err.message).toContain('content/prio.md:14: priority: must be "normal" or "breaking"');
  });

  it('nine key points and an unknown key inside source: both reported', () => {
    const nine = Array.from({ length: 9 }, (_, i) => `  - Point ${i + 1}`).join('\n');
    const text = goodArticle
      .replace('  - First point\n  - Second point', nine)
      .replace('  url: https://www.eeas.europa.eu/', '  url: https://www.eeas.europa.eu/\n  link: https://www.eeas.europa.eu/');
    const err = refusal('content/many.md', text);
    expect(err.message).toContain('content/many.md:6: keyPoints: must list at most 8 key points');
    expect(err.message).toContain('content/many.md:20: source.link: unknown field');
  });

  it('text in the body of an issue: refused rather than silently dropped', () => {
    const err = refusal('content/issue-body.md', goodIssue + 'An intro written in the wrong place.\n');
    expect(err.message).toContain('content/issue-body.md: body: an issue has no body');
  });
});

describe('checkIssueReferences', () => {
  const issue = { articleIds: ['a', 'b', 'c', 'b'] } as Pick<Issue, 'articleIds'> as Issue;

  it('returns nothing when every article exists', () => {
    expect(checkIssueReferences(issue, new Set(['a', 'b', 'c', 'extra']))).toEqual([]);
  });

  it('lists each missing id once, in the issue order', () => {
    expect(checkIssueReferences(issue, new Set(['a']))).toEqual(['b', 'c']);
  });
});
