/**
 * The digest as a reader scans it, in both parts: "In this issue" at the top links to every
 * story's anchor, the lead story comes first with more weight, each story has its why-it-matters
 * line, the editor's note opens and the sign-off closes the issue, and source articles are
 * linked when the front matter lists them. Built from the shipped sample and from fixtures.
 */
import Handlebars from 'handlebars';
import { sampleIssue } from '../../bin/bench';
import type { Article, Issue } from '../../lambdas/core/model';
import { digestViewModel, prepareDigest, renderDigest, storyOrder, type DigestRecipient } from '../../lambdas/core/render';

const reader: DigestRecipient = {
  email: 'reader@example.com',
  unsubscribeUrl: 'https://briefing.example.org/unsubscribe?token=t',
  preferencesUrl: 'https://briefing.example.org/preferences?token=t',
  reason: 'You receive this because you subscribed.',
};

const esc = (s: string) => Handlebars.escapeExpression(s);
/** The text part with each paragraph on one line, so a folded sentence can be searched whole. */
const unfold = (text: string) => text.replace(/\r\n(?!\r\n)[ \t]*/g, ' ');

const story = (n: number, over: Partial<Article> = {}): Article => ({
  kind: 'article',
  id: `story-${n}`,
  title: `Story ${n} headline`,
  summary: `What happened in story ${n}.`,
  whyItMatters: `Why story ${n} matters to you.`,
  keyPoints: [`A fact the summary of story ${n} leaves out.`],
  topics: ['cyber'],
  source: { name: 'A ministry', url: `https://www.example.org/${n}` },
  date: '2024-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2024-11-04T06:00:00Z',
  ...over,
});

const anIssue = (over: Partial<Issue> = {}): Issue => ({
  kind: 'issue',
  id: 'brief-001',
  newsletter: 'Sample Brief',
  number: 1,
  title: 'The first issue',
  summary: 'What the issue is about.',
  preheader: 'What is inside.',
  date: '2024-11-04',
  articleIds: ['story-1', 'story-2', 'story-3'],
  editorsNote: 'A note from the editor, with <b>markup</b> shown as text.',
  signOff: 'Until next week: reply to tell us what we missed.',
  publishedAt: '2024-11-04T06:00:00Z',
  ...over,
});

/** The "In this issue" links and the story headlines' anchors, in document order. */
function anchors(html: string) {
  const contents = /<ol class="contents-list"[\s\S]*?<\/ol>/.exec(html)?.[0] ?? '';
  return {
    links: [...contents.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]),
    targets: [...html.matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]),
    contentsAt: html.indexOf('<ol class="contents-list"'),
    firstStoryAt: html.indexOf('<h2 id="'),
  };
}

describe('the sample digest', () => {
  const { issue, articles } = sampleIssue();
  const { html, text } = prepareDigest(issue, articles).render(reader);
  const view = digestViewModel(issue, articles);

  it('opens with "In this issue": one link per story, each to that story\'s anchor, in the stories\' order', () => {
    const a = anchors(html);
    expect(a.links).toEqual(view.articles.map((s) => `story-${s.id}`));
    expect(a.targets).toEqual(a.links);
    expect(a.contentsAt).toBeGreaterThan(0);
    expect(a.contentsAt).toBeLessThan(a.firstStoryAt);
    expect(new Set(a.targets).size).toBe(articles.length);
  });

  it('lists every story in the text part too, numbered, before the first story', () => {
    const flat = unfold(text);
    const list = flat.indexOf('IN THIS ISSUE');
    expect(list).toBeGreaterThan(0);
    view.articles.forEach((s, i) => {
      const entry = flat.indexOf(`${i + 1}. ${s.title}`, list);
      expect({ story: s.id, listed: entry > list }).toEqual({ story: s.id, listed: true });
    });
    expect(flat.indexOf('LEAD STORY')).toBeGreaterThan(list);
  });

  it('puts the lead story first, labelled and with a larger headline than the others', () => {
    expect(view.articles[0].id).toBe(issue.lead);
    expect(view.articles.map((s) => s.lead)).toEqual([true, false, false, false, false]);
    const lead = html.indexOf('Lead story</p><h2 id="story-' + issue.lead + '" class="lead-title" style="');
    expect(lead).toBeGreaterThan(0);
    expect(html.slice(lead).match(/<h2 id="[^"]+"(?: class="[^"]*")? style="[^"]*font-size: ?(\d+)px/)?.[1]).toBe('24');
    const others = [...html.matchAll(/<h2 id="[^"]+"(?: class="[^"]*")? style="[^"]*font-size: ?(\d+)px/g)].slice(1).map((m) => m[1]);
    expect(new Set(others)).toEqual(new Set(['19']));
    expect(text).toContain(`LEAD STORY\r\n1. ${view.articles[0].title.slice(0, 40)}`);
  });

  it('gives each story its why-it-matters line, in both parts', () => {
    const flat = unfold(text);
    for (const a of articles) {
      expect(html).toContain(`<strong>Why it matters:</strong> ${esc(a.whyItMatters!)}`);
      expect(flat).toContain(`Why it matters: ${a.whyItMatters!}`);
    }
  });

  it("shows the editor's note before the first story and the sign-off after the last, in both parts", () => {
    const flat = unfold(text);
    const note = esc(issue.editorsNote!);
    const signOff = esc(issue.signOff!);
    expect(html.indexOf(note)).toBeGreaterThan(html.indexOf('From the editor'));
    expect(html.indexOf(note)).toBeLessThan(anchors(html).firstStoryAt);
    expect(html.indexOf(signOff)).toBeGreaterThan(html.lastIndexOf('<h2 id="'));
    expect(html.indexOf(signOff)).toBeLessThan(html.indexOf(esc(reader.reason)));
    expect(flat.indexOf(issue.editorsNote!)).toBeGreaterThan(flat.indexOf('FROM THE EDITOR'));
    expect(flat.indexOf(issue.editorsNote!)).toBeLessThan(flat.indexOf('LEAD STORY'));
    expect(flat.indexOf(issue.signOff!)).toBeGreaterThan(flat.lastIndexOf('Read at '));
    expect(flat.indexOf(issue.signOff!)).toBeLessThan(flat.indexOf(reader.reason));
  });

  it("shows no key point that repeats its story's summary", () => {
    for (const a of articles) for (const k of a.keyPoints) expect(k).not.toBe(a.summary);
  });
});

describe('the lead story', () => {
  const articles = [story(1), story(2), story(3)];

  it('is the first article when the issue names none', () => {
    expect(storyOrder(anIssue(), articles).map((a) => a.id)).toEqual(['story-1', 'story-2', 'story-3']);
  });

  it('moves to the top when the issue names another; the rest keep their order', () => {
    const issue = anIssue({ lead: 'story-3' });
    expect(storyOrder(issue, articles).map((a) => a.id)).toEqual(['story-3', 'story-1', 'story-2']);
    const { html, text } = prepareDigest(issue, articles).render(reader);
    expect(anchors(html).targets).toEqual(['story-story-3', 'story-story-1', 'story-story-2']);
    expect(anchors(html).links).toEqual(anchors(html).targets);
    expect(text).toContain('LEAD STORY\r\n1. Story 3 headline');
  });

  it('leaves the order alone when the lead is not among the articles found', () => {
    expect(storyOrder(anIssue({ lead: 'story-9' }), articles).map((a) => a.id)).toEqual(['story-1', 'story-2', 'story-3']);
  });
});

describe('source articles', () => {
  const withSources = story(2, {
    sources: [
      { title: 'Joint statement & annex', url: 'https://www.example.org/statement?lang=en&v=2' },
      { title: 'Press briefing', url: 'https://www.example.org/briefing' },
    ],
  });
  const { html, text } = prepareDigest(anIssue(), [story(1), withSources, story(3)]).render(reader);

  it('are linked under their story in the HTML, each title on its own link, escaped', () => {
    expect(html).toContain(
      `<a href="${esc('https://www.example.org/statement?lang=en&v=2')}" style="color: #1d4ed8;">Joint statement &amp; annex</a>`,
    );
    expect(html).toContain('<a href="https://www.example.org/briefing" style="color: #1d4ed8;">Press briefing</a>');
    expect((html.match(/<p class="sources"/g) ?? []).length).toBe(1);
    const at = html.indexOf('Press briefing');
    expect(at).toBeGreaterThan(html.indexOf('id="story-story-2"'));
    expect(at).toBeLessThan(html.indexOf('id="story-story-3"'));
  });

  it('are listed with their whole URLs in the text part', () => {
    expect(text).toContain(
      'Sources:\r\n  * Joint statement & annex\r\n    https://www.example.org/statement?lang=en&v=2\r\n  * Press briefing\r\n    https://www.example.org/briefing\r\n',
    );
    expect((text.match(/^Sources:/gm) ?? []).length).toBe(1);
  });
});

describe('an issue without the optional fields', () => {
  const plain = story(1, { whyItMatters: undefined, keyPoints: [] });
  const { html, text } = prepareDigest(anIssue({ editorsNote: undefined, signOff: undefined, articleIds: ['story-1'] }), [plain]).render(
    reader,
  );

  it('shows no empty headings, boxes or lists', () => {
    for (const absent of ['From the editor', 'Why it matters', '<ul class="keypoints"', 'class="note"', 'class="sources"'])
      expect(html).not.toContain(absent);
    for (const absent of ['FROM THE EDITOR', 'Why it matters', '  - ', 'Sources:']) expect(text).not.toContain(absent);
  });

  it('leaves no blank line where a block was left out (whitespace stays collapsed)', () => {
    expect(html).not.toMatch(/\n[ \t\r]*\n/);
  });

  it('still lists its one story in "In this issue"', () => {
    expect(anchors(html).links).toEqual(['story-story-1']);
  });
});

describe("the editor's note and sign-off as text", () => {
  it('are escaped in the HTML part and literal in the text part', () => {
    const issue = anIssue();
    const { html, text } = renderDigest(digestViewModel(issue, [story(1), story(2), story(3)]), reader);
    expect(html).toContain('with &lt;b&gt;markup&lt;/b&gt; shown as text');
    expect(unfold(text)).toContain('with <b>markup</b> shown as text');
  });
});
