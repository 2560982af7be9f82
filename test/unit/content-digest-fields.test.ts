/**
 * The front matter behind a digest people scan: an article's `whyItMatters` and `sources`,
 * optional key points that must not repeat the summary, and an issue's `lead`, `editorsNote`
 * and `signOff`. Bad input is refused with the file and the field; the shipped sample uses
 * every field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentError, parseContent, repeatsSummary } from '../../lambdas/core/content/parse';
import type { Article, Issue } from '../../lambdas/core/model';
import { sampleIssue } from '../../bin/bench';

const at = new Date('2024-11-04T06:00:00Z');

const article = (extra: string[], keyPoints = ['  - The two ministers met in Tokyo on a Friday.']) =>
  [
    '---',
    'type: article',
    'id: sample-article',
    'title: A sample headline',
    'summary: The two sides agreed a partnership on security and defence.',
    ...(keyPoints.length ? ['keyPoints:', ...keyPoints] : []),
    'topics: [cyber]',
    'source:',
    '  name: A ministry',
    '  url: https://www.example.org/',
    'date: 2024-11-01',
    ...extra,
    '---',
    '',
  ].join('\n');

const issue = (extra: string[]) =>
  [
    '---',
    'type: issue',
    'id: sample-brief-001',
    'newsletter: Sample Brief',
    'number: 1',
    'title: The first issue',
    'summary: What the issue is about.',
    'preheader: What is inside, in one line.',
    'date: 2024-11-04',
    'articles: [first-story, second-story, third-story]',
    ...extra,
    '---',
    '',
  ].join('\n');

/** The parser's refusal, one line per problem; fails the test when the file is accepted. */
function refusal(file: string, text: string): string {
  try {
    parseContent(file, text, at);
  } catch (e) {
    if (e instanceof ContentError) return e.message;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

describe('article front matter: whyItMatters', () => {
  it('is read as one line of text', () => {
    const a = parseContent(
      'content/a.md',
      article(['whyItMatters: >-', '  It gives the region a standing channel', '  to Brussels.']),
      at,
    ) as Article;
    expect(a.whyItMatters).toBe('It gives the region a standing channel to Brussels.');
  });

  it('may be left out (alerts and older articles), and is then absent', () => {
    expect(parseContent('content/a.md', article([]), at)).not.toHaveProperty('whyItMatters');
  });

  it.each([
    ['empty', 'whyItMatters: ""', 'content/why.md:13: whyItMatters: must not be empty'],
    ['a list', 'whyItMatters: [one, two]', 'content/why.md:13: whyItMatters: must be text'],
    ['two lines', 'whyItMatters: |\n  line one\n  line two', 'content/why.md:13: whyItMatters: must not contain line breaks'],
    ['over 300 characters', `whyItMatters: ${'x'.repeat(301)}`, 'content/why.md:13: whyItMatters: must be at most 300 characters'],
  ])('is refused when %s, naming the file and the field', (_what, line, message) => {
    expect(refusal('content/why.md', article([line]))).toContain(message);
  });

  it('a typo is named with the field it was meant to be', () => {
    expect(refusal('content/why.md', article(['whyitmatters: x']))).toContain(
      'content/why.md:13: whyitmatters: unknown field (did you mean "whyItMatters"?)',
    );
  });
});

describe('article front matter: sources', () => {
  it('reads each source as a title and an https link, in order', () => {
    const a = parseContent(
      'content/a.md',
      article([
        'sources:',
        '  - title: Joint statement',
        '    url: https://www.example.org/statement',
        '  - { title: Press briefing, url: "https://www.example.org/briefing?id=1" }',
      ]),
      at,
    ) as Article;
    expect(a.sources).toEqual([
      { title: 'Joint statement', url: 'https://www.example.org/statement' },
      { title: 'Press briefing', url: 'https://www.example.org/briefing?id=1' },
    ]);
  });

  it('may be left out, and is then absent', () => {
    expect(parseContent('content/a.md', article([]), at)).not.toHaveProperty('sources');
  });

  it.each([
    [
      'a plain http link',
      ['sources:', '  - { title: T, url: "http://www.example.org/x" }'],
      'content/src.md:14: sources.0.url: must be an https URL',
    ],
    [
      'a javascript: link',
      ['sources:', '  - { title: T, url: "javascript:alert(1)" }'],
      'content/src.md:14: sources.0.url: must be an https URL',
    ],
    [
      'a link with a space',
      ['sources:', '  - { title: T, url: "https://www.example.org/a b" }'],
      'content/src.md:14: sources.0.url: must be an https URL',
    ],
    [
      'a link with a user name',
      ['sources:', '  - { title: T, url: "https://user@www.example.org/" }'],
      'content/src.md:14: sources.0.url: must be an https URL',
    ],
    ['no url', ['sources:', '  - { title: T }'], 'content/src.md:14: sources.0.url: is required'],
    ['no title', ['sources:', '  - { url: "https://www.example.org/x" }'], 'content/src.md:14: sources.0.title: is required'],
    [
      'a misspelt key',
      ['sources:', '  - { title: T, link: "https://www.example.org/x" }'],
      'content/src.md:14: sources.0.link: unknown field',
    ],
    [
      'a single link instead of a list',
      ['sources: https://www.example.org/x'],
      'content/src.md:13: sources: must be a list of sources, each with title and url',
    ],
    ['an empty list', ['sources: []'], 'content/src.md:13: sources: must list at least one source, or be left out'],
    [
      'the same link twice',
      ['sources:', '  - { title: A, url: "https://www.example.org/x" }', '  - { title: B, url: "https://www.example.org/x" }'],
      'content/src.md:15: sources.1.url: repeats https://www.example.org/x',
    ],
    [
      'seven sources',
      ['sources:', ...Array.from({ length: 7 }, (_, i) => `  - { title: T${i}, url: "https://www.example.org/${i}" }`)],
      'content/src.md:13: sources: must list at most 6 sources',
    ],
  ])('refuses %s, naming the file and the field', (_what, lines, message) => {
    expect(refusal('content/src.md', article(lines))).toContain(message);
  });
});

describe('article front matter: key points are optional and add facts', () => {
  it('may be left out: the story is then a summary (and why it matters) alone', () => {
    expect((parseContent('content/a.md', article([], []), at) as Article).keyPoints).toEqual([]);
  });

  it('refuses a key point that only repeats the summary, at its index', () => {
    const text = article([], ['  - The ministers met in Tokyo.', '  - The two sides agreed a partnership on security and defence.']);
    expect(refusal('content/repeat.md', text)).toBe(
      'content/repeat.md:8: keyPoints.1: repeats the summary; give a fact the summary does not, or leave the point out',
    );
  });

  it('tells a repeat from a point that shares a word or two with the summary', () => {
    const summary = 'Japan and the European Union agreed a security and defence partnership in Tokyo.';
    expect(repeatsSummary('A security and defence partnership between Japan and the European Union was agreed.', summary)).toBe(true);
    expect(repeatsSummary("Japan's foreign minister presented it at a joint press briefing.", summary)).toBe(false);
    expect(repeatsSummary('Tokyo talks.', summary)).toBe(false); // too short to judge
  });
});

describe('issue front matter: lead, editorsNote, signOff', () => {
  it("reads the lead story, the editor's note and the sign-off", () => {
    const i = parseContent(
      'content/issue.md',
      issue(['lead: second-story', "editorsNote: A note in the editor's voice.", 'signOff: Until next week.']),
      at,
    ) as Issue;
    expect(i).toMatchObject({ lead: 'second-story', editorsNote: "A note in the editor's voice.", signOff: 'Until next week.' });
  });

  it('leaves all three out when not given (the first article then leads)', () => {
    const i = parseContent('content/issue.md', issue([]), at);
    for (const field of ['lead', 'editorsNote', 'signOff']) expect(i).not.toHaveProperty(field);
  });

  it.each([
    [
      'a lead that is not one of the articles',
      ['lead: fourth-story'],
      `content/issue.md:11: lead: must be one of the issue's articles (first-story, second-story, third-story); "fourth-story" is not listed`,
    ],
    ['a lead that is not a slug', ['lead: Second Story'], 'content/issue.md:11: lead: must be a slug'],
    ["an empty editor's note", ['editorsNote: ""'], 'content/issue.md:11: editorsNote: must not be empty'],
    [
      "an editor's note over 1,200 characters",
      [`editorsNote: ${'x'.repeat(1201)}`],
      'content/issue.md:11: editorsNote: must be at most 1200 characters',
    ],
    ['a sign-off given as a list', ['signOff: [a, b]'], 'content/issue.md:11: signOff: must be text'],
    ['a sign-off with a line break', ['signOff: "Until\\nnext week"'], 'content/issue.md:11: signOff: must not contain line breaks'],
  ])('refuses %s, naming the file and the field', (_what, lines, message) => {
    expect(refusal('content/issue.md', issue(lines))).toContain(message);
  });

  it('a misspelt field is named with the one it was meant to be', () => {
    expect(refusal('content/issue.md', issue(['signoff: Bye.']))).toContain(
      'content/issue.md:11: signoff: unknown field (did you mean "signOff"?)',
    );
  });
});

describe('the shipped sample issue', () => {
  const { issue: sample, articles } = sampleIssue();

  it("names its lead, and has an editor's note and a sign-off that invites replies", () => {
    expect(sample.lead).toBe(sample.articleIds[0]);
    expect(sample.editorsNote).toBeDefined();
    expect(sample.signOff).toMatch(/reply/i);
  });

  it('gives every story a why-it-matters line', () => {
    for (const a of articles) expect({ id: a.id, why: (a.whyItMatters ?? '').length > 20 }).toEqual({ id: a.id, why: true });
  });

  it("has no key point that repeats its story's summary, nor one said twice", () => {
    for (const a of articles) {
      for (const point of a.keyPoints)
        expect({ id: a.id, point, repeats: repeatsSummary(point, a.summary) }).toEqual({ id: a.id, point, repeats: false });
      expect(new Set(a.keyPoints).size).toBe(a.keyPoints.length);
    }
  });

  it('gives no source links it cannot vouch for: none are listed in the sample', () => {
    // Source links must point at the real article; the sample's facts come without one, so
    // the sample lists none (the fixtures above and the render tests cover the field).
    const dir = join(__dirname, '..', '..', 'content', 'eu-japan-security-brief', 'articles');
    for (const a of articles) expect(readFileSync(join(dir, `${a.id}.md`), 'utf8')).not.toMatch(/^sources:/m);
  });
});
