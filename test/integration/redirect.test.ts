/**
 * The click redirect over real HTTP: the API handler on the local server, DynamoDB Local
 * through the real SDK clients. A tracked link leads only to a link its issue contains; a
 * scanner's GET changes nothing but the click count (both tables snapshotted around it); HEAD
 * counts nothing; forged, foreign and unknown-key tokens and open-redirect attempts go nowhere;
 * the counts per article are right after several clicks, and per-reader clicks land on the
 * reader's own ledger entry only when that mode signed the link.
 */
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { makeApiHandler } from '../../lambdas/api/handler';
import { clickLinker, signClickToken } from '../../lambdas/core/click-token';
import { CLICKS_KEY } from '../../lambdas/core/keys';
import type { Article, Issue } from '../../lambdas/core/model';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { serveHttp } from '../../lib/local/http';
import { createTestTables } from '../support/tables';

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));
const stranger = parseSigningKeys(JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));
const base = 'https://brief.example.org';

const article = (id: string, sources = 1): Article => ({
  kind: 'article',
  id,
  title: `Story ${id}`,
  summary: 'Summary.',
  keyPoints: [],
  topics: ['diplomacy'],
  source: { name: 'Example News', url: `https://news.example.net/${id}` },
  sources: Array.from({ length: sources }, (_, i) => ({ title: `Doc ${i}`, url: `https://docs.example.net/${id}/${i}` })),
  date: '2026-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-11-01T08:00:00Z',
});
const issue = (id: string, articleIds: string[]): Issue => ({
  kind: 'issue',
  id,
  newsletter: 'Brief',
  number: 1,
  title: id,
  summary: '',
  preheader: '',
  date: '2026-11-02',
  articleIds,
  publishedAt: '2026-11-02T05:00:00Z',
});

let tables: Awaited<ReturnType<typeof createTestTables>>;
let http: Awaited<ReturnType<typeof serveHttp>>;
let ports: ReturnType<typeof dynamoPorts<Awaited<ReturnType<typeof createTestTables>>['names']>>;
const link = clickLinker(keys, base, { kind: 'digest', campaignId: 'issue-1' });
const pathOf = (url: string) => url.slice(base.length);

beforeAll(async () => {
  tables = await createTestTables('redirect');
  ports = dynamoPorts(documentClient(), tables.names);
  for (const c of [
    article('pact', 2),
    article('talks', 0),
    article('elsewhere'),
    issue('issue-1', ['pact', 'talks']),
    issue('issue-2', ['elsewhere']),
  ])
    await ports.content.put(c);
  const now = new Date();
  for (const [i, sid] of ['sub-1', 'sub-2'].entries()) {
    await ports.subscriptions.create({
      subscriberId: sid,
      email: `reader${i}@example.com`,
      status: 'confirmed',
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'Europe/Brussels',
      source: 'cli',
      createdAt: now.toISOString(),
    });
    await ports.ledger.claim('issue-1', sid, now);
    await ports.ledger.markSent('issue-1', sid, `ses-${sid}`, now);
  }
  await ports.counters.add('issue-1', { sent: 2 }, now);
  const handler = makeApiHandler({
    subscribers: ports.subscribers,
    clock: systemClock,
    keys: () => Promise.resolve(keys),
    redirect: { content: ports.content, clicks: ports.clicks },
  });
  http = await serveHttp(handler, { port: 0 });
});
afterAll(async () => {
  await http?.close();
  await tables?.drop();
});

const get = (path: string, init: RequestInit = {}) => fetch(`${http.url}${path}`, { redirect: 'manual', ...init });
const counts = async () => Object.fromEntries((await ports.clicks.list('issue-1')).map((t) => [t.articleId, t.clicks]));
async function scan(table: string) {
  const out = await documentClient().send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (out.Items ?? []).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
/** Both tables as they are, but for the campaign's #clicks item. */
const snapshot = async () => ({
  subscribers: await scan(tables.names.subscribers),
  deliveries: (await scan(tables.names.deliveries)).filter((i) => i.subscriberId !== CLICKS_KEY),
});

describe('the click redirect over HTTP against DynamoDB Local', () => {
  it("a link scanner's GET (no cookies, scanner user agent) changes nothing but the count", async () => {
    const before = await snapshot();
    const clicksBefore = (await counts()).pact ?? 0;
    const res = await get(pathOf(link('pact', 0)), {
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; SafeLinks scanner; +https://scanner.example)' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://news.example.net/pact');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await snapshot()).toEqual(before);
    expect((await counts()).pact).toBe(clicksBefore + 1);
  });

  it('HEAD answers the same redirect and counts nothing', async () => {
    const before = await counts();
    const res = await get(pathOf(link('talks', 0)), { method: 'HEAD' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://news.example.net/talks');
    expect(await counts()).toEqual(before);
  });

  it('counts per article are right after several clicks on several links', async () => {
    const before = await counts();
    const clicks = [link('pact', 0), link('pact', 1), link('pact', 2), link('talks', 0), link('talks', 0)];
    await Promise.all(clicks.map((u) => get(pathOf(u)).then((r) => expect(r.status).toBe(302))));
    expect(await counts()).toEqual({ pact: (before.pact ?? 0) + 3, talks: (before.talks ?? 0) + 2 });
  });

  it.each([
    [
      'forged: the signature changed',
      () => pathOf(link('pact', 0)).replace(/.(.)$/, (_m, c: string) => (c === 'A' ? 'BB' : 'AA').slice(0, 2)),
    ],
    [
      'foreign: valid signature, an article of another issue',
      () => `/r/${signClickToken(keys, { kind: 'digest', campaignId: 'issue-1', articleId: 'elsewhere', link: 0 })}`,
    ],
    [
      'foreign: valid signature, another campaign that does not list the article',
      () => `/r/${signClickToken(keys, { kind: 'digest', campaignId: 'issue-2', articleId: 'pact', link: 0 })}`,
    ],
    [
      'unknown key id',
      () =>
        `/r/${signClickToken({ current: 'k7', keys: new Map([['k7', randomBytes(32)]]) }, { kind: 'digest', campaignId: 'issue-1', articleId: 'pact', link: 0 })}`,
    ],
    [
      'signed with a key this deployment does not hold',
      () => `/r/${signClickToken(stranger, { kind: 'digest', campaignId: 'issue-1', articleId: 'pact', link: 0 })}`,
    ],
    ['a link index out of range', () => pathOf(link('talks', 1))],
    ['an oversized token', () => `/r/c1.k1.${'A'.repeat(2000)}.${'B'.repeat(43)}`],
    ['open redirect: //evil.example in the path', () => '/r//evil.example'],
    ['open redirect: an external URL as the token', () => `/r/${encodeURIComponent('https://evil.example/')}`],
  ])('404 page, no Location, nothing counted: %s', async (_name, path) => {
    const before = await counts();
    const res = await get(path());
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('<html');
    expect(await counts()).toEqual(before);
  });

  it('open redirect: a url= query parameter is ignored, the stored link is where it goes', async () => {
    const res = await get(`${pathOf(link('pact', 0))}?url=${encodeURIComponent('https://evil.example/')}&next=//evil.example`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://news.example.net/pact');
  });

  it("per-reader link: the article lands on that reader's ledger entry, and on no other", async () => {
    const perReader = clickLinker(keys, base, { kind: 'digest', campaignId: 'issue-1', subscriberId: 'sub-1' });
    expect((await get(pathOf(perReader('talks', 0)))).status).toBe(302);
    expect((await ports.ledger.get('issue-1', 'sub-1')) as unknown as Record<string, unknown>).toMatchObject({
      clickedArticles: new Set(['talks']),
    });
    expect(((await ports.ledger.get('issue-1', 'sub-2')) as unknown as Record<string, unknown>).clickedArticles).toBeUndefined();
    // Never creates an entry for a reader the campaign was not sent to.
    const ghost = clickLinker(keys, base, { kind: 'digest', campaignId: 'issue-1', subscriberId: 'nobody' });
    expect((await get(pathOf(ghost('talks', 0)))).status).toBe(302);
    expect(await ports.ledger.get('issue-1', 'nobody')).toBeUndefined();
  });

  it("the ledger's list, the privacy export and the erasure never see the #clicks item", async () => {
    expect((await ports.ledger.list('issue-1')).map((d) => d.subscriberId).sort()).toEqual(['sub-1', 'sub-2']);
    // A reader's export is their own entries (with their clicks in per-reader mode), never the counts.
    expect((await ports.deliveryEvents.listForSubscriber('sub-1')).map((d) => [d.campaignId, d.subscriberId])).toEqual([
      ['issue-1', 'sub-1'],
    ]);
    await ports.deliveryEvents.deleteForSubscriber('sub-2');
    expect((await counts()).pact).toBeGreaterThan(0);
  });
});
