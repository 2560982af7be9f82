/**
 * Mistakes a new editor makes in a content file, each refused with one message that names the
 * file, the line, the field and the fix (the issue "the editor's tools tell the truth"). Each
 * test names the mistake it tries; each failed before its fix (two messages, no line, no
 * did-you-mean, or the YAML reader's own wording).
 */
import { expect } from '@jest/globals';
import { ContentError, parseContent } from '../../lambdas/core/content/parse';
import { publish, PublishError, type SourceFile } from '../../lambdas/usecases/publish';
import { fixedClock, MemoryContent } from './fakes';

const clock = fixedClock('2026-11-28T10:00:00Z');

const articleLines = (id: string, edit: Record<string, string> = {}) =>
  [
    '---',
    'type: article',
    `id: ${id}`,
    'title: A story',
    'summary: What happened.',
    'topics: [diplomacy, cyber]',
    'source:',
    '  name: A source',
    '  url: https://example.org/story',
    'date: 2026-11-20',
    '---',
    'A body.',
  ].map((l) => {
    const key = /^\s*([a-z]+):/.exec(l)?.[1];
    return key !== undefined && key in edit ? l.replace(/:.*$/, `: ${edit[key]}`) : l;
  });

const article = (id: string, edit: Record<string, string> = {}): SourceFile => ({
  name: `content/x/articles/${id}.md`,
  text: articleLines(id, edit).join('\n'),
});

const issue = (articles: string[]): SourceFile => ({
  name: 'content/x/issues/001.md',
  text: [
    '---',
    'type: issue',
    'id: x-001',
    'newsletter: X Brief',
    'number: 1',
    'title: The first issue',
    'summary: The editor introduces the issue.',
    'preheader: What is inside, in one line.',
    'date: 2026-11-30',
    'articles:',
    ...articles.map((a) => `  - ${a}`),
    '---',
  ].join('\n'),
});

/** The ContentError a file is refused with; fails the test when it is accepted. */
function refusal(file: SourceFile): ContentError {
  try {
    parseContent(file.name, file.text, clock.now());
  } catch (e) {
    if (e instanceof ContentError) return e;
    throw e;
  }
  throw new Error(`${file.name} was accepted`);
}

/** The PublishError a run is refused with; fails the test when it is accepted. */
async function publishRefusal(content: MemoryContent, files: SourceFile[]): Promise<PublishError> {
  const ids = {
    contentIds: (kind: 'article' | 'issue') => Promise.resolve([...content.items.values()].filter((i) => i.kind === kind).map((i) => i.id)),
  };
  try {
    await publish({ content, clock, ids }, files);
  } catch (e) {
    if (e instanceof PublishError) return e;
    throw e;
  }
  throw new Error('the publish was accepted');
}

describe('a content file with one mistake gets one message, with its line and the fix', () => {
  it('mistake: `date: 6 Dec 2026` (a date in words): one message saying the form YYYY-MM-DD, not also "not a real date"', () => {
    const err = refusal(article('a-story', { date: '6 Dec 2026' }));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toBe(
      'content/x/articles/a-story.md:10: date: must be a date written YYYY-MM-DD, like 2026-12-06 (not "6 Dec 2026")',
    );
  });

  it('mistake: `topics: space, china` (not written as a list): one message with the fix, not also "at most 8 topics"', () => {
    const err = refusal(article('a-story', { topics: 'space, china' }));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toBe(
      'content/x/articles/a-story.md:6: topics: must be a list of topics: write [a, b], or each on a line of its own starting "- "',
    );
  });

  it('mistake: `date: 2026-02-30` (the right form, no such day): still told it is not a real date', () => {
    const err = refusal(article('a-story', { date: '"2026-02-30"' }));
    expect(err.message).toBe('content/x/articles/a-story.md:10: date: is not a real calendar date');
  });

  it('mistake: `type: artcle`: the line and a did-you-mean', () => {
    const err = refusal(article('a-story', { type: 'artcle' }));
    expect(err.message).toBe('content/x/articles/a-story.md:2: type: must be "article" or "issue" (did you mean "article"?)');
  });

  it('mistake: an unquoted `title: a: b`: the line, the field and "put the value in quotes", not the YAML reader\'s words', () => {
    const err = refusal(article('a-story', { title: 'Japan: the view from Tokyo' }));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toBe(
      'content/x/articles/a-story.md:4: title: invalid YAML: the value holds ": ", which YAML reads as the start of another field; put the value in quotes: title: "Japan: the view from Tokyo"',
    );
    expect(err.message).not.toMatch(/mapping pair|key node/);
  });

  it('mistake: a nested `name: a: b` under source: named by its dotted path', () => {
    const text = article('a-story').text.replace('  name: A source', '  name: Ministry: Tokyo');
    expect(refusal({ name: 'content/x/a.md', text }).message).toMatch(
      /^content\/x\/a\.md:8: source\.name: invalid YAML: .*put the value in quotes: name: "Ministry: Tokyo"$/,
    );
  });

  it('mistake: a quote opened and never closed: reported at the line that opened it, not where the reader gave up', () => {
    const err = refusal(article('a-story', { title: '"A story' }));
    expect(err.message).toMatch(/^content\/x\/articles\/a-story\.md:4: title: invalid YAML: the quote opened .* is not closed/);
  });

  it('mistake: a value starting with @: the fix is to quote it', () => {
    const err = refusal(article('a-story', { title: '@embassy says' }));
    expect(err.message).toBe(
      'content/x/articles/a-story.md:4: title: invalid YAML: a value cannot start with @ in YAML; put the value in quotes: title: "@embassy says"',
    );
  });
});

describe('publish: cross-file mistakes carry the line and a did-you-mean', () => {
  it('mistake: topic `north-korae` in an article: the topics line and "did you mean north-korea"', async () => {
    const content = new MemoryContent();
    const err = await publishRefusal(content, [article('a-story', { topics: '[diplomacy, north-korae]' })]);
    expect(err.problems).toEqual([
      expect.stringMatching(
        /^content\/x\/articles\/a-story\.md:6: topics: unknown topic "north-korae" \(did you mean "north-korea"\?\): choose from /,
      ),
    ]);
    expect(content.items.size).toBe(0);
  });

  it('mistake: an issue lists a misspelt article id: its own line in the list, and the nearest id published in the same run', async () => {
    const content = new MemoryContent();
    const err = await publishRefusal(content, [
      article('eu-japan-talks'),
      article('second-story'),
      issue(['second-story', 'eu-japan-tlaks']),
    ]);
    expect(err.problems).toEqual([
      'content/x/issues/001.md:12: articles: no such article: eu-japan-tlaks (did you mean "eu-japan-talks"?)',
    ]);
  });

  it('mistake: an issue names a stored article misspelt, and one that is nowhere: one line each, the first with the stored id suggested', async () => {
    const content = new MemoryContent();
    await publish({ content, clock }, [article('eu-japan-talks')]);
    const err = await publishRefusal(content, [issue(['eu-japan-talk', 'weather-report'])]);
    expect(err.problems).toEqual([
      'content/x/issues/001.md:11: articles: no such article: eu-japan-talk (did you mean "eu-japan-talks"?)',
      'content/x/issues/001.md:12: articles: no such article: weather-report',
    ]);
    expect(content.items.has('issue#x-001')).toBe(false);
  });
});
