/**
 * The console editor's forms and publish's files, both ways (lambdas/core/content/form.ts): a
 * stored item shown as a form and posted back gives the same item; whatever is typed stays a
 * value (YAML syntax typed into a field does not become YAML); publish's messages land beside
 * the field they are about.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { formToFile, formValues, messagesByField } from '../../lambdas/core/content/form';
import { parseContent } from '../../lambdas/core/content/parse';
import type { Article, Issue } from '../../lambdas/core/model';

const AT = new Date('2026-12-07T10:00:00Z');
const sample = (path: string) => parseContent(path, readFileSync(path, 'utf8'), AT);
const ARTICLE = 'content/eu-japan-security-brief/articles/eu-east-asia-tour-defence-talks.md';
const ISSUE = 'content/eu-japan-security-brief/issues/001.md';
const strip = ({ publishedAt: _p, ...rest }: Article | Issue) => rest;
/** What publish's parser says of the article form `values` (none: it parses). */
function publishProblems(values: Record<string, string>): string[] {
  const file = formToFile('article', (n) => values[n]);
  try {
    parseContent(file.name, file.text, AT);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

describe('a stored item as a form and back', () => {
  it('an article: the same article', () => {
    const a = sample(ARTICLE) as Article;
    const values = formValues('article', a);
    const file = formToFile('article', (n) => values[n]);
    expect(strip(parseContent(file.name, file.text, AT))).toEqual(strip(a));
  });

  it('an issue: the same issue, keeping its send time and subject test, which the form does not edit', () => {
    const i = { ...(sample(ISSUE) as Issue), sendAt: '2027-01-04T07:00:00.000Z' };
    const values = formValues('issue', i);
    const file = formToFile('issue', (n) => values[n], i);
    expect(file.text).toContain('sendAt:');
    expect((parseContent(file.name, file.text, AT, { pastSendAt: 'later' }) as Issue).articleIds).toEqual(i.articleIds);
  });
});

describe('what is typed stays a value (bad input: YAML typed into fields)', () => {
  it('a title with a colon and quotes, and a body that opens with a front-matter block of its own', () => {
    const a = sample(ARTICLE) as Article;
    const values: Record<string, string> = {
      ...formValues('article', a),
      title: 'Tokyo: talks "resume"',
      body: '---\npriority: breaking\n---\nText.',
    };
    const file = formToFile('article', (n) => values[n]);
    const parsed = parseContent(file.name, file.text, AT) as Article;
    expect(parsed.title).toBe('Tokyo: talks "resume"');
    expect(parsed.priority).toBe('normal');
    expect(parsed.body).toContain('priority: breaking');
  });

  it('a summary typed on two lines (with a key in the second) is refused on the summary, not read as YAML', () => {
    const values: Record<string, string> = { ...formValues('article', sample(ARTICLE)), summary: 'One\npriority: breaking' };
    const file = formToFile('article', (n) => values[n]);
    expect(() => parseContent(file.name, file.text, AT)).toThrow(/summary: must not contain line breaks/);
  });

  it('a number field with words is passed on as typed, for the parser to name', () => {
    const values: Record<string, string> = { ...formValues('issue', sample(ISSUE)), number: 'twelve' };
    expect(() => parseContent('issues/x.md', formToFile('issue', (n) => values[n]).text, AT)).toThrow(/number/);
  });
});

describe("publish's messages beside their fields", () => {
  it('by the front-matter path, nested paths and list entries on their field', () => {
    const { byField, general } = messagesByField(
      [
        'articles/x.md:5: date: must be a date written YYYY-MM-DD, like 2026-12-06 (not "6 Dec")',
        'articles/x.md:9: source.url: must be an http(s) URL\narticles/x.md:11: keyPoints.1: must not be empty',
        'articles/x.md: in issue eu-japan-security-brief-001 (published, not sent): the digest would be too large',
      ],
      'article',
    );
    expect(byField.date).toEqual(['must be a date written YYYY-MM-DD, like 2026-12-06 (not "6 Dec")']);
    expect(byField.sourceUrl).toEqual(['must be an http(s) URL']);
    expect(byField.keyPoints).toEqual(['must not be empty']);
    expect(general).toEqual(['in issue eu-japan-security-brief-001 (published, not sent): the digest would be too large']);
  });

  it('a real parse error of a form lands on its field', () => {
    const values: Record<string, string> = { ...formValues('article', sample(ARTICLE)), date: '6 Dec 2026' };
    const problems = publishProblems(values);
    expect(messagesByField(problems, 'article').byField.date?.[0]).toMatch(/YYYY-MM-DD/);
  });

  it('an id typed with spaces and capitals: every message still lands beside its field, none listed above the form', () => {
    const values: Record<string, string> = {
      ...formValues('article', sample(ARTICLE)),
      id: 'Japan Coast Guard drill',
      topics: 'diplomacy\nNot A Slug',
      sources: 'A source without its address',
    };
    const problems = publishProblems(values);
    const { byField, general } = messagesByField(problems, 'article');
    expect(general).toEqual([]);
    expect(Object.keys(byField).sort()).toEqual(['id', 'sources', 'topics']);
  });

  it('a direction override in a title (an issue subject that reads as another text) is refused on the title', () => {
    const values: Record<string, string> = { ...formValues('article', sample(ARTICLE)), title: 'Bidi \u202etset\u202c title' };
    const file = formToFile('article', (n) => values[n]);
    expect(() => parseContent(file.name, file.text, AT)).toThrow(/title: must not contain direction controls/);
  });
});
