/**
 * The public archive's pure parts and its routes on in-memory content: only sent issues, ids
 * and pages read strictly (404, never an exception), paging, the Atom feed (read back with a
 * feed parser), no personal link on an issue page, cache headers and revalidation.
 */
import { parseFeed } from '@rowanmanning/feed-parser';
import { atomFeed, isSent, newestFirst, pageOf, parseIssueId, parsePage, xmlText, type SentIssue } from '../../lambdas/core/archive';
import type { Article, Issue } from '../../lambdas/core/model';
import type { IssueArchive } from '../../lambdas/core/ports';
import type { ArchiveSnapshot } from '../../lambdas/core/archive-snapshot';
import { makeApiHandler } from '../../lambdas/api/handler';
import { fixedClock } from './fakes';

const issue = (n: number, extra: Partial<Issue> = {}): Issue => ({
  kind: 'issue',
  id: `brief-${n}`,
  newsletter: 'Test Brief',
  number: n,
  title: `Issue ${n} headline`,
  summary: `What issue ${n} is about.`,
  preheader: 'Preview',
  date: `2026-${String(1 + Math.floor((n - 1) / 28)).padStart(2, '0')}-${String(1 + ((n - 1) % 28)).padStart(2, '0')}`,
  articleIds: ['a1'],
  publishedAt: '2026-01-01T00:00:00Z',
  plannedAt: `2026-${String(1 + Math.floor((n - 1) / 28)).padStart(2, '0')}-${String(1 + ((n - 1) % 28)).padStart(2, '0')}T06:00:00Z`,
  ...extra,
});

const article: Article = {
  kind: 'article',
  id: 'a1',
  title: 'A story <b>bold</b>',
  summary: 'Summary & more.',
  whyItMatters: 'It matters.',
  keyPoints: [],
  topics: ['cyber'],
  source: { name: 'Source', url: 'https://source.example/a1' },
  date: '2026-01-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-01-01T00:00:00Z',
};

function memoryArchive(issues: Issue[], snapshots: ArchiveSnapshot[] = []): IssueArchive {
  return {
    getIssue: (id) => Promise.resolve(issues.find((i) => i.id === id)),
    getArticles: (ids) => Promise.resolve(ids.includes('a1') ? [article] : []),
    sentIssues: (limit) => Promise.resolve(newestFirst(issues.filter((i) => i.plannedAt)).slice(0, limit)),
    // Without one (issues sent before archive snapshots) the page reads the live articles.
    getArchiveSnapshot: (id) => Promise.resolve(snapshots.find((s) => s.issueId === id)),
  };
}

function api(issues: Issue[], snapshots: ArchiveSnapshot[] = []) {
  const handler = makeApiHandler({
    subscribers: {} as never,
    clock: fixedClock(),
    keys: () => Promise.reject(new Error('no keys needed')),
    mail: {
      senderEmail: 'b@news.example.com',
      senderName: 'Test Brief',
      publicBaseUrl: 'https://brief.example.org/',
      organisationName: 'Sample Publishers',
      postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
    },
    archive: memoryArchive(issues, snapshots),
  });
  return (path: string, headers: Record<string, string> = {}) => {
    const [rawPath, qs] = path.split('?');
    return handler({
      rawPath,
      headers,
      queryStringParameters: qs ? Object.fromEntries(new URLSearchParams(qs)) : undefined,
      requestContext: { http: { method: 'GET', sourceIp: '203.0.113.1' } },
    } as never);
  };
}

describe('archive ids and pages', () => {
  it('accepts slugs and refuses traversal, encoded slashes, upper case, empty and over-long ids', () => {
    expect(parseIssueId('eu-japan-001')).toBe('eu-japan-001');
    for (const bad of ['', '..', '%2e%2e', '..%2Fetc', 'a/b', 'A-1', 'a--b', '-a', 'a_b', 'a.b', 'x'.repeat(101), 'a%00']) {
      expect(parseIssueId(bad)).toBeUndefined();
    }
  });

  it('reads ?page as 1..500 and nothing else', () => {
    expect(parsePage(undefined)).toBe(1);
    expect(parsePage('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'abc', '01', '501', '99999999999']) expect(parsePage(bad)).toBeUndefined();
  });

  it('cuts pages of 20, newest first, with prev and next only where they exist', () => {
    const sorted = newestFirst(Array.from({ length: 45 }, (_, i) => issue(i + 1)));
    expect(sorted[0].number).toBe(45);
    expect(pageOf(sorted, 1)).toMatchObject({ page: 1, prev: undefined, next: 2 });
    expect(pageOf(sorted, 1)!.issues).toHaveLength(20);
    expect(pageOf(sorted, 3)).toMatchObject({ prev: 2, next: undefined });
    expect(pageOf(sorted, 3)!.issues.map((i) => i.number)).toEqual([5, 4, 3, 2, 1]);
    expect(pageOf(sorted, 4)).toBeUndefined();
    expect(pageOf([], 1)).toEqual({ page: 1, issues: [], prev: undefined, next: undefined });
  });

  it('counts an issue as sent once the planner marked it', () => {
    expect(isSent(issue(1))).toBe(true);
    expect(isSent(issue(1, { plannedAt: undefined }))).toBe(false);
    expect(isSent(undefined)).toBe(false);
  });
});

describe('Atom feed', () => {
  it('escapes markup and drops characters XML cannot hold', () => {
    expect(xmlText(`a<b>&"c'\u0000\u0008d`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;d');
  });

  it('parses with a feed parser: title, self link, one entry per issue with its archive link and send date', () => {
    const issues = [issue(2, { title: 'Tokyo & Brussels <agree>', summary: 'Ships, "drills"\u0001 and more.' }), issue(1)] as SentIssue[];
    const xml = atomFeed({ baseUrl: 'https://brief.example.org/', title: 'Test Brief', issues });
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('Test Brief');
    expect(feed.self).toBe('https://brief.example.org/feed.xml');
    expect(feed.url).toBe('https://brief.example.org/archive');
    expect(feed.items.map((i) => [i.title, i.url, i.id])).toEqual([
      ['Tokyo & Brussels <agree> · No. 2', 'https://brief.example.org/archive/brief-2', 'https://brief.example.org/archive/brief-2'],
      ['Issue 1 headline · No. 1', 'https://brief.example.org/archive/brief-1', 'https://brief.example.org/archive/brief-1'],
    ]);
    expect(feed.items[0].description).toBe('Ships, "drills" and more.');
    expect(feed.items[0].published?.toISOString()).toBe('2026-01-02T06:00:00.000Z');
    expect(feed.updated?.toISOString()).toBe('2026-01-02T06:00:00.000Z');
  });
});

describe('archive routes (in-memory content)', () => {
  const sent = Array.from({ length: 25 }, (_, i) => issue(i + 1));
  const unsent = issue(26, { id: 'brief-draft', title: 'Not yet sent', plannedAt: undefined });
  const get = api([...sent, unsent]);

  it('lists only sent issues, newest first, 20 a page with prev and next links, cacheable', async () => {
    const first = await get('/archive');
    expect(first.statusCode).toBe(200);
    expect(first.headers!['cache-control']).toBe('public, max-age=300');
    expect(first.body).not.toContain('Not yet sent');
    const numbers = [...first.body!.matchAll(/No\. (\d+) ·/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect(first.body).toContain('href="/archive?page&#x3D;2"');
    expect(first.body).not.toContain('rel="prev"');
    const second = await get('/archive?page=2');
    expect([...second.body!.matchAll(/No\. (\d+) ·/g)].map((m) => Number(m[1]))).toEqual([5, 4, 3, 2, 1]);
    expect(second.body).toContain('rel="prev" href="/archive"');
    expect(second.body).not.toContain('rel="next"');
    expect((await get('/archive?page=3')).statusCode).toBe(404);
    expect((await get('/archive?page=x')).statusCode).toBe(404);
  });

  it('shows a sent issue as the digest does, with a subscribe form and no personal link', async () => {
    const res = await get('/archive/brief-25');
    expect(res.statusCode).toBe(200);
    expect(res.headers!['cache-control']).toBe('public, max-age=3600');
    const body = res.body!;
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toContain('Issue 25 headline');
    expect(body).toContain('A story &lt;b&gt;bold&lt;/b&gt;');
    expect(body).toMatch(/<form method="post" action="\/subscribe"/);
    expect(body).not.toMatch(/token=|href="[^"]*(unsubscribe|preferences)|You receive this|recipient|rcpt/i);
  });

  it('answers 404 pages for unknown, unsent, traversal and over-long ids, never an exception', async () => {
    for (const path of [
      '/archive/nope',
      '/archive/brief-draft',
      '/archive/..%2F..%2Fetc',
      '/archive/%2e%2e',
      `/archive/${'a'.repeat(5000)}`,
      '/archive/',
    ]) {
      const res = await get(path);
      expect([path, res.statusCode]).toEqual([path, 404]);
      expect(res.headers!['content-type']).toMatch(/^text\/html/);
      expect(res.headers!['cache-control']).toBe('no-store');
    }
    expect((await get('/archive/brief-1/more')).statusCode).toBe(404);
  });

  it("serves an issue still being sent (a subject test's share went, the rest waits) once its snapshot is taken, but lists it only when sent (mistake: the mail's View-in-browser link answered 404 for hours)", async () => {
    const sending = issue(30, { plannedAt: undefined });
    const snapshot: ArchiveSnapshot = {
      issueId: sending.id,
      takenAt: '2026-02-02T06:00:00Z',
      articles: [{ ...article, title: 'As the test share got it' }],
    };
    const get = api([issue(1), sending], [snapshot]);
    const page = await get(`/archive/${sending.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('As the test share got it');
    expect((await get('/archive')).body).not.toContain('Issue 30 headline');
    // Without a snapshot an unsent issue stays out, as before.
    expect((await api([issue(1), sending])(`/archive/${sending.id}`)).statusCode).toBe(404);
  });

  it('serves the feed as Atom with absolute links, and answers a revalidation with 304', async () => {
    const res = await get('/feed.xml');
    expect(res.headers!['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = parseFeed(res.body!);
    expect(feed.items).toHaveLength(20);
    expect(feed.items[0].url).toBe('https://brief.example.org/archive/brief-25');
    expect(feed.items.some((i) => i.title?.includes('Not yet sent'))).toBe(false);
    const again = await get('/feed.xml', { 'if-none-match': res.headers!.etag as string });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});
