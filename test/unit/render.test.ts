import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { sampleIssue } from '../../bin/bench';
import type { Article, Issue } from '../../lambdas/core/model';
import {
  digestViewModel,
  personalDigestView,
  formatLongDate,
  prepareDigest,
  renderDigest,
  topicLabel,
  wrapText,
  type DigestRecipient,
} from '../../lambdas/core/render';

const article = (n: number, over: Partial<Article> = {}): Article => ({
  kind: 'article',
  id: `article-${n}`,
  title: `Article ${n}`,
  summary: `Summary of article ${n}, long enough to be folded across more than one line of the plain-text part of the digest.`,
  keyPoints: [`Key point ${n}.1`, `Key point ${n}.2`],
  topics: ['north-korea', 'eu-defence'],
  source: { name: `Source ${n}`, url: `https://news.example.org/articles/${n}?ref=digest&lang=en` },
  date: '2024-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2024-11-01T09:00:00Z',
  ...over,
});

const issue: Issue = {
  kind: 'issue',
  id: 'test-issue-001',
  newsletter: 'EU–Japan Security Brief',
  number: 1,
  title: 'A first security pact',
  summary: 'What was agreed, and why now.',
  preheader: 'The partnership in five stories',
  date: '2024-11-01',
  articleIds: ['article-1', 'article-2', 'article-3'],
  publishedAt: '2024-11-01T09:00:00Z',
};

const recipient = (i: number, over: Partial<DigestRecipient> = {}): DigestRecipient => ({
  email: `reader${i}@example.com`,
  unsubscribeUrl: `https://briefing.example.org/unsubscribe?token=tok${i}`,
  preferencesUrl: `https://briefing.example.org/preferences?token=tok${i}`,
  reason: 'You receive this because you subscribed to the EU–Japan Security Brief on briefing.example.org.',
  ...over,
});

describe('topic labels, dates and folding', () => {
  it.each([
    ['north-korea', 'North Korea'],
    ['maritime-security', 'Maritime Security'],
    ['eu-defence', 'EU Defence'],
    ['freedom-of-navigation', 'Freedom of Navigation'],
    ['cyber', 'Cyber'],
  ])('labels topic %s as %s', (slug, label) => {
    expect(topicLabel(slug)).toBe(label);
  });

  it('writes dates as "1 November 2024" whatever the machine time zone', () => {
    expect(formatLongDate('2024-11-01')).toBe('1 November 2024');
    expect(formatLongDate('2025-01-31')).toBe('31 January 2025');
  });

  it.each([
    ['not a date', 'yesterday'],
    ['month 13', '2024-13-01'],
    ['day 0', '2024-11-00'],
  ])('refuses a bad date (%s)', (_n, input) => {
    expect(() => formatLongDate(input)).toThrow(/ISO calendar date/);
  });

  it('folds prose at 72 columns with a hanging indent and keeps a long link whole', () => {
    const url = `https://example.org/${'x'.repeat(90)}`;
    const out = wrapText(`word `.repeat(40) + url + ' end', 72, '  - ', '    ');
    const lines = out.split('\r\n');
    expect(lines[0].startsWith('  - word')).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('    '))).toBe(true);
    expect(lines).toContain(`    ${url}`);
    expect(lines.filter((l) => !l.includes(url)).every((l) => l.length <= 72)).toBe(true);
  });
});

describe('digest view model', () => {
  it('is pure: the same input gives the same model and the input is left untouched', () => {
    const articles = [article(1), article(2)];
    const before = JSON.stringify(articles);
    expect(digestViewModel(issue, articles)).toEqual(digestViewModel(issue, articles));
    expect(JSON.stringify(articles)).toBe(before);
  });

  it('precomputes subject, date text and topic labels, keeping article order', () => {
    const vm = digestViewModel(issue, [article(2), article(1)]);
    expect(vm.subject).toBe('A first security pact · No. 1');
    expect(vm.dateText).toBe('1 November 2024');
    expect(vm.articles.map((a) => a.id)).toEqual(['article-2', 'article-1']);
    expect(vm.articles[0].topicLabels).toEqual(['North Korea', 'EU Defence']);
  });

  it("names topics by the newsletter's labels when given (settings), by the id title-cased otherwise", () => {
    const labels = new Map([['eu-defence', 'EU defence policy']]);
    const vm = digestViewModel(issue, [article(1)], { topicLabels: labels });
    expect(vm.articles[0].topicLabels).toEqual(['North Korea', 'EU defence policy']);
    const personal = personalDigestView(vm, new Set(), [article(3)], labels);
    expect(personal.missedAlerts?.[0].topicLabels).toEqual(['North Korea', 'EU defence policy']);
  });

  it('collapses a line break in one-line fields (title, newsletter) so it cannot reach the subject', () => {
    const vm = digestViewModel({ ...issue, title: 'Line one\r\nBcc: x@example.com' }, []);
    expect(vm.subject).toBe('Line one Bcc: x@example.com · No. 1');
  });
});

describe('prepared digest rendering', () => {
  const digest = prepareDigest(issue, [article(1), article(2), article(3)]);

  it('exposes the subject and preheader computed once per issue', () => {
    expect(digest.subject).toBe('A first security pact · No. 1');
    expect(digest.preheader).toBe('The partnership in five stories');
  });

  it('gives exactly what running the full Handlebars templates gives, for ordinary and awkward recipients', () => {
    const vm = digestViewModel(issue, [article(1), article(2), article(3)]);
    const awkward = recipient(2, {
      email: `o'neil+"x"@example.com`,
      unsubscribeUrl: 'https://briefing.example.org/unsubscribe?token=a&b=<c>',
      reason: 'Because you asked & said "yes" <twice>, which is a reason long enough to need folding in the text part.',
    });
    for (const r of [recipient(1), awkward]) expect(digest.render(r)).toEqual(renderDigest(vm, r));
  });

  it('splits each body after the beginning every recipient shares: the same string for all, and shared + rest is the whole body', () => {
    const a = digest.renderSplit(recipient(1));
    const b = digest.renderSplit(recipient(2));
    for (const part of ['html', 'text'] as const) {
      expect(a[part].shared).toBe(b[part].shared);
      expect(a[part].shared.length).toBeGreaterThan(100);
      expect(a[part].shared + a[part].rest).toBe(digest.render(recipient(1))[part]);
      expect(b[part].rest).not.toBe(a[part].rest);
    }
  });

  it("puts each recipient's own links in the footer, escaped in the HTML and whole in the text", () => {
    const r = recipient(7, { unsubscribeUrl: 'https://briefing.example.org/unsubscribe?token=t7&x=1' });
    const { html, text } = digest.render(r);
    expect(html).toContain('href="https://briefing.example.org/unsubscribe?token&#x3D;t7&amp;x&#x3D;1"');
    expect(html).toContain('href="https://briefing.example.org/preferences?token&#x3D;tok7"');
    expect(text.split('\r\n')).toEqual(expect.arrayContaining([r.unsubscribeUrl, r.preferencesUrl]));
    expect(digest.render(recipient(8)).html).not.toContain('tok7');
  });

  it.each([
    ['an empty reason', { reason: '' }],
    ['a missing unsubscribe URL', { unsubscribeUrl: undefined as unknown as string }],
  ])('refuses a recipient with %s', (_n, over) => {
    expect(() => digest.render(recipient(1, over))).toThrow(/digest recipient/);
  });

  it('refuses an article with a missing field instead of rendering it empty (bad input: no source)', () => {
    const broken = { ...article(1), source: undefined } as unknown as Article;
    expect(() => prepareDigest(issue, [broken])).toThrow();
  });

  it('shows <script> in a summary and a key point as text: escaped in HTML, literal in the text part', () => {
    const evil = article(9, { summary: 'Before <script>alert(1)</script> after', keyPoints: ['<script>alert(1)</script>'] });
    const { html, text } = prepareDigest(issue, [evil]).render(recipient(1));
    expect(html).not.toMatch(/<script/i);
    expect(html.match(/&lt;script&gt;alert\(1\)&lt;\/script&gt;/g)).toHaveLength(2);
    expect(text).toContain('Before <script>alert(1)</script> after');
    expect(text).toContain('  - <script>alert(1)</script>');
  });
});

describe('digest HTML and text parts', () => {
  const { issue: sample, articles } = sampleIssue();
  const six = [...articles, { ...articles[0], id: 'sixth', title: 'A sixth story to test the size limit' }];
  const { html, text } = prepareDigest(sample, six).render(recipient(1));

  it('keeps a 6-article digest under Gmail’s ~102 KB clipping limit', () => {
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(102 * 1024);
  });

  it('loads nothing remote: no images, stylesheets, web fonts or url() references', () => {
    expect(html).not.toMatch(/<img|<link|@import|url\(|fonts\.googleapis|@font-face/i);
    expect(html).not.toMatch(/\ssrc=/i);
  });

  it('declares the language, carries a hidden preheader and the masthead facts', () => {
    expect(html).toMatch(/<html[^>]* lang="en"/);
    const preheaderStart = Handlebars.escapeExpression(sample.preheader.slice(0, 40));
    expect(html).toMatch(
      new RegExp(`<div class="preheader" style="display:none;[^"]*">${preheaderStart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    expect(html).toContain('No. 1 &middot; 4 November 2024');
    expect(html).toContain(`Read at ${Handlebars.escapeExpression(articles[0].source.name)}`);
    expect(html).toContain('role="presentation"');
  });

  it('writes the text part in CRLF lines of at most 72 columns, except for whole links', () => {
    expect(text).not.toMatch(/[^\r]\n/);
    const lines = text.split('\r\n');
    const long = lines.filter((l) => l.length > 72);
    expect(long.every((l) => /^https?:\/\/\S+$/.test(l))).toBe(true);
    for (const a of articles) {
      expect(lines).toContain(a.source.url);
      expect(lines).toContain(`Read at ${a.source.name}:`);
    }
    expect(text).toContain('Topics: Diplomacy · Defence Industry');
  });
});

describe('run-time code', () => {
  it('never imports mjml: no file under lambdas/ references it', () => {
    const root = path.join(__dirname, '..', '..', 'lambdas');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.[cm]?[jt]s$/.test(name)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(0);
    const importsMjml = /(?:from\s+|require\(\s*|import\(\s*)['"]mjml(?:-[\w-]+)?(?:\/[^'"]*)?['"]/;
    // The pattern itself catches the usual forms.
    expect(
      ["import mjml2html from 'mjml';", "const m = require('mjml-core');", "await import('mjml')"].every((l) => importsMjml.test(l)),
    ).toBe(true);
    const offenders = files.filter((f) => importsMjml.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
