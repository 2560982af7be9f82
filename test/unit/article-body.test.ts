/**
 * An article's Markdown body is the story's longer text: shown in the digest (HTML and plain
 * text), the alert, the archive page (and so the preview, which renders the digest), never
 * silently dropped; what it may not hold is refused with the file's line.
 */
import { ContentError, MAX_BODY_CHARS, parseContent } from '../../lambdas/core/content/parse';
import { bodyStartLine } from '../../lambdas/core/content/body';
import { bodyHtml, bodyProblems, bodyText } from '../../lambdas/core/render/markdown';
import { prepareDigest } from '../../lambdas/core/render';
import { prepareAlert } from '../../lambdas/core/render/alert';
import { renderArchiveIssue } from '../../lambdas/core/render/archive';
import type { Article } from '../../lambdas/core/model';
import { publish, PublishError } from '../../lambdas/usecases/publish';
import { fixedClock, MemoryContent } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

const at = new Date('2024-11-04T06:00:00Z');
const FRONT = [
  '---',
  'type: article',
  'id: body-story',
  'title: A story with a body',
  'summary: The summary of the story in one line.',
  'topics: [cyber]',
  'source:',
  '  name: Example Source',
  '  url: https://example.org/story',
  'date: 2024-11-01',
  '---',
  '',
];
/** The file's text with `body` under the front matter; the body starts on line 13. */
const file = (...body: string[]) => [...FRONT, ...body].join('\n');

const BODY = [
  'The talks opened with a **long** first paragraph that runs well past seventy-two columns, so the text part folds it.',
  '',
  '## What comes next',
  '',
  '- a first step',
  '- a second step with [the statement](https://example.org/statement)',
  '',
  '1. ministers meet',
  '2. officials follow',
].join('\n');

function refusal(text: string): ContentError {
  try {
    parseContent('content/body-story.md', text, at);
  } catch (e) {
    if (e instanceof ContentError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const reader = {
  email: 'r@example.com',
  unsubscribeUrl: 'https://x.example/u',
  preferencesUrl: 'https://x.example/p',
  reason: 'Why you get it.',
};
const withBody = (body: string): Article => plainArticle('a1', { title: 'Story one', body });

describe('the body is rendered, not dropped', () => {
  it('keeps the body through parsing, starting on its line of the file', () => {
    const a = parseContent('content/body-story.md', file(BODY), at) as Article;
    expect(a.body).toBe(BODY);
    expect(bodyStartLine(file(BODY))).toBe(13);
  });

  it('shows headings as sub-headings, lists and a safe link in the digest HTML', () => {
    const { html } = prepareDigest(plainIssue('i1'), [withBody(BODY)]).render(reader);
    expect(html).toContain('<strong>long</strong>');
    expect(html).toMatch(/<h3 style="[^"]*">What comes next<\/h3>/);
    expect(html).toContain('<li>a first step</li>');
    expect(html).toMatch(/<ol>\s*<li>ministers meet<\/li>/);
    expect(html).toContain('<a href="https://example.org/statement" style="color:#1d4ed8;">the statement</a>');
  });

  it('shows the body as readable folded text in the digest’s plain-text part', () => {
    const { text } = prepareDigest(plainIssue('i1'), [withBody(BODY)]).render(reader);
    const lines = text.split('\r\n');
    expect(lines).toContain('WHAT COMES NEXT');
    expect(lines).toContain('  - a first step');
    expect(lines).toContain('  - a second step with the statement (https://example.org/statement)');
    expect(lines).toContain('  1. ministers meet');
    expect(text).not.toMatch(/\*\*|##/); // no Markdown markers left for the reader
    expect(lines.every((l) => l.length <= 72 || !l.includes(' ') || /https?:\/\//.test(l))).toBe(true);
    expect(text).toContain('The talks opened with a long first paragraph');
  });

  it('shows it in the alert (both parts) and on the archive page', () => {
    const alert = prepareAlert(withBody(BODY), 'The Brief').render(reader);
    expect(alert.html).toMatch(/<h3[^>]*>What comes next<\/h3>/);
    expect(alert.text).toContain('WHAT COMES NEXT');
    expect(renderArchiveIssue(plainIssue('i1'), [withBody(BODY)], '')).toMatch(/<h3[^>]*>What comes next<\/h3>/);
  });

  it('adds nothing for an article without a body', () => {
    expect(bodyHtml('')).toBe('');
    expect(bodyText('  \n')).toBe('');
    const { html } = prepareDigest(plainIssue('i1'), [withBody('')]).render(reader);
    expect(html).not.toContain('<h3');
  });
});

describe('a body with what it may not hold is refused with the file and line', () => {
  it('raw HTML (a <script> and a <b>): refused at its line, one message a line', () => {
    const err = refusal(file('Fine first line.', '', 'Then <b>bold</b> here.', '', '<script>alert(1)</script>'));
    expect(err.message).toContain('content/body-story.md: body: line 15: HTML is not allowed in the body (<b>)');
    expect(err.message).toContain('content/body-story.md: body: line 17: HTML is not allowed in the body');
    expect(err.problems).toHaveLength(2);
  });

  it('a javascript: link: refused, naming the link and its line', () => {
    const err = refusal(file('Click [here](javascript:alert(1)) now.'));
    expect(err.message).toBe('content/body-story.md: body: line 13: link "javascript:alert(1)" must be http, https or mailto');
  });

  it('an image: refused (mail clients block them)', () => {
    expect(refusal(file('Line one', '![map](https://example.org/map.png)')).message).toContain('body: line 14: images are not allowed');
  });

  it('an oversized body: refused by the size guard, and not read further', () => {
    const err = refusal(file(`${'word '.repeat(MAX_BODY_CHARS / 5)}<b>x</b>`));
    expect(err.problems).toEqual([{ path: 'body', message: `must be at most ${MAX_BODY_CHARS} characters` }]);
  });

  it('even if one got through (stored before the check), the renderer escapes HTML and drops unsafe links', () => {
    const html = bodyHtml('<script>alert(1)</script>\n\nA [link](javascript:alert(1)) and [data](data:text/html,x).');
    expect(html).not.toMatch(/<script|href="javascript|href="data/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('an issue’s body: refused, with the line it starts on', () => {
    const issue = [
      '---',
      'type: issue',
      'id: issue-1',
      'newsletter: The Brief',
      'number: 1',
      'title: A title',
      'summary: An intro.',
      'preheader: A preheader.',
      'date: 2024-11-04',
      'articles: [body-story]',
      '---',
      '',
      'Some intro text here.',
    ].join('\n');
    let err: unknown;
    try {
      parseContent('content/issue-1.md', issue, at);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toContain('content/issue-1.md: body: an issue has no body (text from line 13)');
  });
});

describe('the mail size guard counts the body', () => {
  // Under MAX_BODY_CHARS as Markdown, but each "- a" line becomes "<li>a</li>": about 130 KB of HTML.
  const listBody = Array.from({ length: 12_000 }, () => '- a').join('\n');

  it('refuses a breaking article whose alert, body included, would be clipped by Gmail, and writes nothing', async () => {
    expect(listBody.length).toBeLessThan(MAX_BODY_CHARS);
    const content = new MemoryContent();
    const text = file(listBody).replace('date: 2024-11-01', 'date: 2024-11-01\npriority: breaking');
    const attempt = publish({ content, clock: fixedClock('2024-11-04T06:00:00Z') }, [{ name: 'content/body-story.md', text }]);
    await expect(attempt).rejects.toThrow(PublishError);
    await expect(attempt).rejects.toThrow(
      /content\/body-story\.md: body: the breaking alert's HTML would be \d+\.\d KB, over the 90\.0 KB limit/,
    );
    expect(content.items.size).toBe(0);
  });

  it('refuses an issue whose digest, with that body, would be clipped', async () => {
    const content = new MemoryContent();
    const issue = [
      '---',
      'type: issue',
      'id: issue-1',
      'newsletter: The Brief',
      'number: 1',
      'title: A title',
      'summary: An intro.',
      'preheader: A preheader.',
      'date: 2024-11-04',
      'articles: [body-story]',
      '---',
    ].join('\n');
    const attempt = publish({ content, clock: fixedClock('2024-11-04T06:00:00Z') }, [
      { name: 'content/body-story.md', text: file(listBody) },
      { name: 'content/issue-1.md', text: issue },
    ]);
    await expect(attempt).rejects.toThrow(/content\/issue-1\.md: articles: the digest's HTML would be .* largest articles: body-story/);
    expect(content.items.size).toBe(0);
  });

  it('refuses an article published alone whose longer body would push its issue, published earlier and not sent, past the guard', async () => {
    // The mistake: the issue fitted when it was published; its article is then re-published with a far longer body.
    const content = new MemoryContent();
    const ids = {
      contentIds: (kind: 'article' | 'issue') =>
        Promise.resolve([...content.items.values()].filter((x) => x.kind === kind).map((x) => x.id)),
    };
    const deps = { content, ids, clock: fixedClock('2024-11-04T06:00:00Z') };
    const issue = [
      '---',
      'type: issue',
      'id: issue-1',
      'newsletter: The Brief',
      'number: 1',
      'title: A title',
      'summary: An intro.',
      'preheader: A preheader.',
      'date: 2024-11-04',
      'articles: [body-story]',
      '---',
    ].join('\n');
    await publish(deps, [
      { name: 'content/body-story.md', text: file('A short body.') },
      { name: 'content/issue-1.md', text: issue },
    ]);
    const attempt = publish(deps, [{ name: 'content/body-story.md', text: file(listBody) }]);
    await expect(attempt).rejects.toThrow(
      /content\/body-story\.md: in issue issue-1 \(published, not sent\): articles: the digest's HTML would be/,
    );
    expect((await content.getArticles(['body-story']))[0].body).not.toContain('- a');
    // Once the issue has gone, its size no longer matters to the article.
    await content.markIssuePlanned('issue-1', new Date('2024-11-04T07:00:00Z'));
    await expect(publish(deps, [{ name: 'content/body-story.md', text: file(listBody) }])).resolves.toMatchObject({
      articles: ['body-story'],
    });
  });
});

describe('bodies that would break the layout', () => {
  it('a table is refused at its line (the mail has no table layout, the text part no way to show one)', () => {
    // The mistake: a Markdown table in a story's body.
    expect(bodyProblems('Launches:\n\n| Country | Launches |\n|---|---|\n| North Korea | 12 |')).toEqual([
      { line: 3, message: 'tables are not shown in mail; write the rows as a list' },
    ]);
  });

  it('code, or a paragraph indented four spaces by mistake, wraps instead of widening the mail', () => {
    const html = bodyHtml(`    ${'an accidentally indented paragraph '.repeat(5)}`);
    expect(html).toMatch(/^<pre style="white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;[^"]*"><code>/);
    expect(bodyHtml('```\nconst x = 1;\n```')).toContain('<pre style="white-space:pre-wrap;');
  });
});

describe('what the mail review found the text part and the HTML lost', () => {
  it('a hard line break (two spaces, or a backslash) stays a line break in the text part, as it is in the HTML', () => {
    // The mistake: an address or a sign-off written on three lines ran into one.
    const text = bodyText('The embassy  \n1 Rue de la Loi\\\n1000 Brussels');
    expect(text.split('\r\n')).toEqual(['The embassy', '1 Rue de la Loi', '1000 Brussels']);
    expect(bodyHtml('The embassy  \n1 Rue de la Loi')).toContain('<br>');
  });

  it('strikethrough is refused at its line: the text part cannot show it, so "~~5~~ 6" would read "5 6"', () => {
    expect(bodyProblems('Tests this year:\n\n~~5~~ 6 launches.')).toEqual([
      { line: 3, message: 'strikethrough (~~…~~) cannot be shown in the plain-text part; say the correction in words' },
    ]);
  });

  it('a quote is marked in the HTML (a rule at its left), and a quote of two paragraphs stays one quote in the text part', () => {
    expect(bodyHtml('> Said the minister.')).toMatch(/^<blockquote style="[^"]*border-left:3px solid/);
    // The mistake: the blank line between the paragraphs lost its marker, so one quote read as two.
    expect(bodyText('> First paragraph.\n>\n> Second paragraph.').split('\r\n')).toEqual([
      '> First paragraph.',
      '>',
      '> Second paragraph.',
    ]);
  });

  it('a sub-section (###) is smaller than a section (##), not the same size', () => {
    const html = bodyHtml('## Section\n\n### Sub-section');
    const size = (tag: string) => new RegExp(`<${tag} style="font-size:(\\d+)px`).exec(html)?.[1];
    expect(Number(size('h4'))).toBeLessThan(Number(size('h3')));
  });
});
