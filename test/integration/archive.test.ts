/**
 * The public archive over real HTTP (the API handler on the local server, DynamoDB Local):
 * only issues the planner has queued are listed, newest first and paged; an issue page shows
 * the issue without any personal link and with a subscribe form that works; unknown, unsent,
 * traversal and over-long ids are 404 pages; the Atom feed reads back with a feed parser;
 * every answer carries its cache headers.
 */
import { parseFeed } from '@rowanmanning/feed-parser';
import type { Article, Issue } from '../../lambdas/core/model';
import { MAIL, startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;

const article: Article = {
  kind: 'article',
  id: 'pact-signed',
  title: 'EU and Japan sign a security pact',
  summary: 'The two sides agreed to hold regular talks <and> exercises.',
  whyItMatters: 'It ties Europe closer to the Indo-Pacific.',
  keyPoints: ['Talks every year'],
  topics: ['diplomacy'],
  source: { name: 'Example News', url: 'https://news.example.net/pact' },
  date: '2026-01-05',
  priority: 'normal',
  body: '',
  publishedAt: '2026-01-05T08:00:00Z',
};

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 7 * 86_400_000).toISOString().slice(0, 10);
const issue = (n: number): Issue => ({
  kind: 'issue',
  id: `weekly-${n}`,
  newsletter: MAIL.senderName,
  number: n,
  title: `Headline of week ${n}`,
  summary: `The week ${n} in one sentence.`,
  preheader: 'Preview line',
  date: day(n),
  articleIds: [article.id],
  publishedAt: `${day(n)}T05:00:00Z`,
});

/** 22 sent issues (two pages) and one published but not yet sent, with the newest date of all. */
const SENT = 22;
beforeAll(async () => {
  api = await startSubscriptionApi();
  await api.content.put(article);
  for (let n = 1; n <= SENT + 1; n++) await api.content.put(issue(n));
  for (let n = 1; n <= SENT; n++) await api.content.markIssuePlanned(`weekly-${n}`, new Date(`${day(n)}T06:00:00Z`));
});
afterAll(() => api?.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.http.url}${path}`, { headers, redirect: 'manual' });
const numbersIn = (html: string) => [...html.matchAll(/No\. (\d+) ·/g)].map((m) => Number(m[1]));

describe('the archive index', () => {
  it('lists only sent issues, newest first, 20 a page, with links to older and newer pages', async () => {
    const first = await get('/archive');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    expect(first.headers.get('etag')).toMatch(/^W\/"/);
    const html = await first.text();
    expect(numbersIn(html)).toEqual(Array.from({ length: 20 }, (_, i) => SENT - i));
    expect(html).not.toContain(`Headline of week ${SENT + 1}`);
    expect(html).toContain('href="/archive/weekly-22"');
    expect(html).toContain('sent <time datetime="2026-06-04T06:00:00.000Z">4 June 2026</time>');
    expect(html).toContain('rel="next" href="/archive?page&#x3D;2"');

    const second = await get('/archive?page=2');
    const html2 = await second.text();
    expect(numbersIn(html2)).toEqual([2, 1]);
    expect(html2).toContain('rel="prev" href="/archive"');
    expect(html2).not.toContain('rel="next"');
    expect((await get('/archive?page=3')).status).toBe(404);
  });

  it('answers a revalidation with 304 while nothing changed', async () => {
    const etag = (await get('/archive')).headers.get('etag')!;
    const again = await get('/archive', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });
});

describe('an issue page', () => {
  it('shows the issue as the digest does, for a phone too, without any personal link or token', async () => {
    const res = await get('/archive/weekly-7');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('Headline of week 7');
    expect(html).toContain('EU and Japan sign a security pact');
    expect(html).toContain('regular talks &lt;and&gt; exercises');
    expect(html).toContain('Why it matters:');
    expect(html).not.toMatch(/token=|href="[^"]*(unsubscribe|preferences)|You receive this|you subscribed/i);
    expect(html).not.toContain(MAIL.publicBaseUrl);
  });

  it('carries a subscribe form that signs the reader up for the digest', async () => {
    const html = await (await get('/archive/weekly-7')).text();
    const form = /<form method="post" action="\/subscribe"[\s\S]*?<\/form>/.exec(html)?.[0];
    expect(form).toBeDefined();
    const fields = Object.fromEntries([...form!.matchAll(/<input type="hidden" name="(\w+)" value="(\w+)">/g)].map((m) => [m[1], m[2]]));
    expect(fields).toEqual({ digest: 'yes' });
    expect(form).toContain('name="email"');
    const email = `reader@${uniqueDomain()}`;
    const res = await api.postForm('/subscribe', { ...fields, email, website: '' });
    expect(res.status).toBe(303);
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ status: 'pending', digest: true, alerts: false });
  });

  it('is a 404 page for an unknown, an unsent, a traversal or an over-long id, never an error', async () => {
    for (const path of [
      '/archive/no-such-issue',
      `/archive/weekly-${SENT + 1}`,
      '/archive/..%2F..%2Fetc%2Fpasswd',
      '/archive/..%5C..%5Cwin.ini',
      '/archive/weekly-1%00',
      '/archive/WEEKLY-1',
      `/archive/${'a'.repeat(3000)}`,
      '/archive/weekly-1/extra',
    ]) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('the Atom feed', () => {
  it('parses, lists the sent issues newest first with links to their pages, and is cacheable', async () => {
    const res = await get('/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const feed = parseFeed(await res.text());
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe(MAIL.senderName);
    expect(feed.self).toBe(`${MAIL.publicBaseUrl}/feed.xml`);
    expect(feed.items).toHaveLength(20);
    expect(feed.items[0]).toMatchObject({
      title: `Headline of week ${SENT} · No. ${SENT}`,
      url: `${MAIL.publicBaseUrl}/archive/weekly-${SENT}`,
    });
    expect(feed.items[0].published?.toISOString()).toBe(`${day(SENT)}T06:00:00.000Z`);
    expect(feed.items.some((i) => i.title?.includes(`week ${SENT + 1}`))).toBe(false);
    // Every entry's link is a page that exists.
    expect((await get(new URL(feed.items[19].url!).pathname)).status).toBe(200);
  });
});
