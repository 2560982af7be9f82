/**
 * Front-matter refusals name the line: `<file>:<line>: <field>: <message>`, a misspelt field
 * gets a "did you mean", and one mistake gives one message (a misspelt required field is not
 * also reported missing).
 */
import { ContentError, parseContent } from '../../lambdas/core/content/parse';
import { fieldLine } from '../../lambdas/core/content/field-lines';

const article = (lines: Record<string, string>) =>
  [
    '---',
    'type: article', // line 2
    'id: pact-signed', // 3
    lines.title ?? 'title: Pact signed', // 4
    'summary: The EU and Japan signed a pact.', // 5
    'keyPoints:', // 6
    '  - Ships share radar data', // 7
    lines.point ?? '  - Exercises twice a year', // 8
    'topics: [defence]', // 9
    'source:', // 10
    lines.sourceName ?? '  name: EEAS', // 11
    lines.sourceUrl ?? '  url: https://www.eeas.europa.eu/', // 12
    'date: 2026-11-01', // 13
    '---',
    '',
  ].join('\n');

/** The error's lines, for a file that must be refused. */
function problems(text: string): string[] {
  try {
    parseContent('content/pact.md', text, new Date('2026-11-02T00:00:00Z'));
  } catch (e) {
    if (e instanceof ContentError) return e.message.split('\n');
    throw e;
  }
  throw new Error('accepted');
}

describe('front-matter errors', () => {
  it('accepts the file the mistakes are made in (so each refusal below is the mistake)', () => {
    expect(parseContent('content/pact.md', article({}), new Date('2026-11-02T00:00:00Z'))).toMatchObject({ id: 'pact-signed' });
  });

  it('a misspelt required field: one line, with its line number and the field meant', () => {
    expect(problems(article({ title: 'titel: Pact signed' }))).toEqual(['content/pact.md:4: titel: unknown field (did you mean "title"?)']);
  });

  it('a misspelt nested field: one line, at its own line', () => {
    expect(problems(article({ sourceName: '  nmae: EEAS' }))).toEqual([
      'content/pact.md:11: source.nmae: unknown field (did you mean "name"?)',
    ]);
  });

  it('an unknown field nothing is near: the fields allowed, no guess', () => {
    expect(problems(article({ sourceUrl: '  url: https://www.eeas.europa.eu/\n  colour: blue' }))).toEqual([
      'content/pact.md:13: source.colour: unknown field (allowed: name, url)',
    ]);
  });

  it('a bad value gives the line of the field, in a mapping and in a list', () => {
    expect(problems(article({ sourceUrl: '  url: ftp://eeas.example/' }))).toEqual([
      'content/pact.md:12: source.url: must be an http(s) URL, like https://example.org/page',
    ]);
    expect(problems(article({ point: '  - ""' }))).toEqual(['content/pact.md:8: keyPoints.1: must not be empty']);
  });

  it('a missing field has no line to give, and says so without one', () => {
    expect(problems(article({ title: '# no title' }))).toEqual(['content/pact.md: title: is required']);
  });

  it('lines count the same in a file saved with CRLF line ends', () => {
    expect(problems(article({ title: 'titel: Pact signed' }).replace(/\n/g, '\r\n'))).toEqual([
      'content/pact.md:4: titel: unknown field (did you mean "title"?)',
    ]);
  });
});

describe('fieldLine', () => {
  const matter =
    '\ntitle: x\nsources:\n  - title: A\n    url: https://a.example/\n  - { title: B, url: "https://b.example/" }\nlist: [a, b]\n';
  it.each([
    ['title', 2],
    ['sources', 3],
    ['sources.0.url', 5],
    ['sources.1.url', 6],
    ['list.1', 7],
    ['missing', undefined],
  ])('%s is on line %s', (path, line) => {
    expect(fieldLine(matter, path)).toBe(line);
  });
});
