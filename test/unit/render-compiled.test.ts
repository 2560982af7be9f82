/**
 * The build-time route (MJML compiled once by bin/build-templates.ts, Handlebars filled per
 * recipient) must give the same HTML as running MJML at send time on the Handlebars-filled
 * MJML source. If a template construct did not survive compilation (an expression MJML
 * rewrote, a loop MJML moved), this test fails.
 */
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { compileTemplates, mjmlOptions, TEMPLATES_DIR } from '../../bin/build-templates';
import { inlinedMjmlSource } from '../../bin/bench';
import compiled from '../../templates/compiled/templates.json';
import type { Article, Issue } from '../../lambdas/core/model';
import { digestViewModel, prepareDigest, type DigestRecipient } from '../../lambdas/core/render';

const article = (n: number, over: Partial<Article> = {}): Article => ({
  kind: 'article',
  id: `article-${n}`,
  title: `Article ${n}: ministers meet in Tokyo — “quotes” & ampersands`,
  summary: `Summary ${n}. The two sides agreed to deepen cooperation on security, with dialogues, exercises and industry links; it's a first for the EU in the region.`,
  keyPoints: [`Point ${n}.1 <b>not bold</b>`, `Point ${n}.2 = equals`],
  topics: ['north-korea', 'maritime-security'],
  source: { name: `Source ${n}`, url: `https://news.example.org/${n}?a=1&b=2` },
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
  number: 7,
  title: 'A test issue',
  summary: 'An introduction with <em>markup</em> that must stay text.',
  preheader: 'Preheader text for the inbox list',
  date: '2024-11-01',
  articleIds: ['article-1', 'article-2', 'article-3'],
  publishedAt: '2024-11-01T09:00:00Z',
};
const articles = [article(1), article(2, { topics: [] }), article(3, { keyPoints: [] })];

const recipient: DigestRecipient = {
  email: 'reader@example.com',
  unsubscribeUrl: 'https://briefing.example.org/unsubscribe?token=abc.def',
  preferencesUrl: 'https://briefing.example.org/preferences?token=abc.def',
  reason: 'You receive this because you subscribed on briefing.example.org & confirmed it.',
};

/**
 * Normalisation, and why it is needed: only runs of whitespace are folded to one space.
 * - line endings: the render module converts the compiled HTML to CRLF (MIME's canonical
 *   line break for text parts); MJML writes LF.
 * - indentation: in the build-time route the `{{#each}}` lines left by <mj-raw> are
 *   "standalone" Handlebars lines and vanish with their indentation, while at run time MJML
 *   indents around the now-empty <mj-raw> blocks.
 * HTML collapses any run of whitespace outside <pre> (which the layout does not use) to one
 * space, so neither difference can change what a reader sees; no other character is touched.
 */
const normalise = (html: string) => html.replace(/\s+/g, ' ').trim();

describe('compiled digest template', () => {
  it('is up to date with the MJML sources (templates/compiled matches a fresh compile)', async () => {
    // A stale templates.json would make every other check here test old templates.
    expect(await compileTemplates()).toEqual(compiled);
  });

  it('gives the same HTML as rendering MJML at run time on the Handlebars-filled source', async () => {
    const buildTime = prepareDigest(issue, articles).render(recipient).html;

    const source = Handlebars.compile(inlinedMjmlSource(), { strict: true });
    const filled = source({ ...digestViewModel(issue, articles), recipient });
    const runTime = await mjml2html(filled, mjmlOptions(path.join(TEMPLATES_DIR, 'digest.mjml')));
    expect(runTime.errors).toEqual([]);

    expect(normalise(buildTime)).toEqual(normalise(runTime.html));
    // The comparison is not vacuous: the article text is in both.
    expect(buildTime).toContain('Article 3: ministers meet in Tokyo');
  });
});
