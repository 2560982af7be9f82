/**
 * Click tokens and the redirect's rule (core/click-token.ts, usecases/follow-click.ts) and the
 * route over the real API handler with in-memory ports: a token leads only to a link its
 * campaign contains; forged, foreign, unknown-key, malformed and oversized tokens lead nowhere
 * and count nothing; HEAD counts nothing.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { makeApiHandler } from '../../lambdas/api/handler';
import {
  clickLinker,
  MAX_CLICK_TOKEN_LENGTH,
  resolveClick,
  signClickToken,
  verifyClickToken,
  type ClickTarget,
} from '../../lambdas/core/click-token';
import type { Article, Issue } from '../../lambdas/core/model';
import type { ClickCounts, ClickTally } from '../../lambdas/core/click-ports';
import { parseSigningKeys, signToken } from '../../lambdas/core/tokens';
import { fixedClock, MemoryContent, MemorySubscribers } from './fakes';

const keys = parseSigningKeys(
  JSON.stringify({ current: 'k2', k1: 'old-signing-key-0123456789abcdef0123456789', k2: 'new-signing-key-0123456789abcdef0123456789' }),
);
const otherKeys = parseSigningKeys(JSON.stringify({ current: 'k2', k2: 'someone-elses-key-0123456789abcdef01234567' }));

const article = (id: string, extra: Partial<Article> = {}): Article => ({
  kind: 'article',
  id,
  title: `Story ${id}`,
  summary: 'Summary.',
  keyPoints: [],
  topics: ['diplomacy'],
  source: { name: 'Example News', url: `https://news.example.net/${id}` },
  sources: [{ title: 'The text', url: `https://docs.example.net/${id}.pdf` }],
  date: '2026-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-11-01T08:00:00Z',
  ...extra,
});
const issue = (id: string, articleIds: string[]): Issue => ({
  kind: 'issue',
  id,
  newsletter: 'Brief',
  number: 1,
  title: `Issue ${id}`,
  summary: '',
  preheader: '',
  date: '2026-11-02',
  articleIds,
  publishedAt: '2026-11-02T05:00:00Z',
});

const target = (t: Partial<ClickTarget> = {}): ClickTarget => ({ kind: 'digest', campaignId: 'issue-1', articleId: 'pact', link: 0, ...t });

class MemoryClicks implements ClickCounts {
  counts = new Map<string, number>();
  readers: string[] = [];
  count(c: string, a: string, v?: string) {
    const k = `${c}|${a}|${v ?? ''}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    return Promise.resolve();
  }
  noteReader(c: string, s: string, a: string) {
    this.readers.push(`${c}|${s}|${a}`);
    return Promise.resolve();
  }
  list(): Promise<ClickTally[]> {
    return Promise.resolve([]);
  }
  total = () => [...this.counts.values()].reduce((a, b) => a + b, 0);
}

describe('click tokens', () => {
  it('round-trip: campaign, article, link index and variant, and no reader unless one is given', () => {
    const check = verifyClickToken(keys, signClickToken(keys, target({ variant: 'b' })));
    expect(check).toEqual({
      ok: true,
      target: { kind: 'digest', campaignId: 'issue-1', articleId: 'pact', link: 0, variant: 'b', subscriberId: undefined },
    });
  });

  it('aggregate links of one campaign are the same for every reader (signed once, nobody in them)', () => {
    const link = clickLinker(keys, 'https://brief.example.org/', { kind: 'digest', campaignId: 'issue-1' });
    expect(link('pact', 1)).toBe(link('pact', 1));
    expect(link('pact', 1)).toMatch(/^https:\/\/brief\.example\.org\/r\/c1\.k2\./);
    const token = link('pact', 1).split('/r/')[1];
    expect(Buffer.from(token.split('.')[2], 'base64url').toString()).not.toContain('"s"');
  });

  it('a token signed with an older key still verifies (rotation)', () => {
    const old = signClickToken({ current: 'k1', keys: keys.keys }, target());
    expect(verifyClickToken(keys, old).ok).toBe(true);
  });

  it('forged: a payload changed after signing (another article) fails the signature', () => {
    const [v, kid, , sig] = signClickToken(keys, target()).split('.');
    const payload = Buffer.from(JSON.stringify({ k: 'd', c: 'issue-1', a: 'other', l: 0 })).toString('base64url');
    expect(verifyClickToken(keys, `${v}.${kid}.${payload}.${sig}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('forged: a signature changed by one character fails', () => {
    const token = signClickToken(keys, target());
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(verifyClickToken(keys, `${token.slice(0, -2)}${last}${token.at(-1)}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('signed with a key this deployment does not hold: bad signature, or unknown key by id', () => {
    expect(verifyClickToken(keys, signClickToken(otherKeys, target()))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyClickToken(keys, signClickToken({ current: 'k9', keys: new Map([['k9', Buffer.alloc(32, 1)]]) }, target()))).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('an unsubscribe token (v1, same keys) is not a click token', () => {
    expect(verifyClickToken(keys, signToken(keys, { subscriberId: 'pact', purpose: 'unsubscribe', now: new Date() }))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('malformed and oversized tokens are refused before any key is used', () => {
    expect(verifyClickToken(keys, 'https://evil.example')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyClickToken(keys, '')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyClickToken(keys, undefined)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyClickToken(keys, `c1.k2.${'A'.repeat(MAX_CLICK_TOKEN_LENGTH)}.x`)).toEqual({ ok: false, reason: 'oversized' });
  });

  it('a well-signed payload that names a URL instead of ids is refused (the payload is checked too)', () => {
    const signed = `c1.k2.${Buffer.from(JSON.stringify({ k: 'd', c: 'issue-1', a: 'https://evil.example/', l: 0 })).toString('base64url')}`;
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const token = `${signed}.${createHmac('sha256', keys.keys.get('k2')!).update(signed).digest('base64url')}`;
    expect(verifyClickToken(keys, token)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('resolving a click from stored content', () => {
  const i = issue('issue-1', ['pact']);
  it('link 0 is the source credit, link n the n-th source', () => {
    expect(resolveClick(target(), i, article('pact'))).toEqual({ ok: true, url: 'https://news.example.net/pact' });
    expect(resolveClick(target({ link: 1 }), i, article('pact'))).toEqual({ ok: true, url: 'https://docs.example.net/pact.pdf' });
  });
  it('a link index out of range, an article the issue does not list, no issue, a non-https link: nowhere', () => {
    expect(resolveClick(target({ link: 2 }), i, article('pact'))).toEqual({ ok: false, reason: 'no-link' });
    expect(resolveClick(target({ articleId: 'other' }), i, article('other'))).toEqual({ ok: false, reason: 'not-in-campaign' });
    expect(resolveClick(target(), undefined, article('pact'))).toEqual({ ok: false, reason: 'no-campaign' });
    expect(resolveClick(target(), i, article('pact', { source: { name: 'x', url: 'javascript:alert(1)' } }))).toEqual({
      ok: false,
      reason: 'not-https',
    });
  });
  it("an alert's campaign is its own article and no other", () => {
    expect(resolveClick(target({ kind: 'alert', campaignId: 'pact' }), undefined, article('pact')).ok).toBe(true);
    expect(resolveClick(target({ kind: 'alert', campaignId: 'other' }), undefined, article('pact'))).toEqual({
      ok: false,
      reason: 'not-in-campaign',
    });
  });
});

describe('GET and HEAD /r/<token> through the API handler', () => {
  async function setUp() {
    const content = new MemoryContent();
    await content.put(article('pact'));
    await content.put(article('other'));
    await content.put(issue('issue-1', ['pact']));
    await content.put(issue('issue-2', ['other']));
    const clicks = new MemoryClicks();
    const handler = makeApiHandler({
      subscribers: new MemorySubscribers(),
      clock: fixedClock(),
      keys: () => Promise.resolve(keys),
      redirect: { content, clicks },
    });
    const call = (method: string, path: string, query?: Record<string, string>) =>
      handler({
        rawPath: path,
        queryStringParameters: query,
        headers: {},
        requestContext: { http: { method, sourceIp: '192.0.2.1' } },
      } as unknown as APIGatewayProxyEventV2);
    return { clicks, call };
  }

  it('GET: 302 to the stored link, no-store and no-referrer, one count', async () => {
    const { clicks, call } = await setUp();
    const res = await call('GET', `/r/${signClickToken(keys, target())}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers).toMatchObject({
      location: 'https://news.example.net/pact',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect([...clicks.counts]).toEqual([['issue-1|pact|', 1]]);
  });

  it('HEAD: the same redirect, no count', async () => {
    const { clicks, call } = await setUp();
    const res = await call('HEAD', `/r/${signClickToken(keys, target())}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://news.example.net/pact');
    expect(clicks.total()).toBe(0);
  });

  it('a url= query parameter is ignored: the location is the stored link', async () => {
    const { call } = await setUp();
    const res = await call('GET', `/r/${signClickToken(keys, target())}`, { url: 'https://evil.example/' });
    expect(res.headers?.location).toBe('https://news.example.net/pact');
  });

  it.each([
    ['foreign: valid signature, an article of another issue', () => signClickToken(keys, target({ articleId: 'other' }))],
    ['foreign: valid signature, an issue that does not exist', () => signClickToken(keys, target({ campaignId: 'issue-9' }))],
    ['a link index out of range', () => signClickToken(keys, target({ link: 7 }))],
    ['forged: signed with another key', () => signClickToken(otherKeys, target())],
    ['a URL in place of the token', () => 'https%3A%2F%2Fevil.example'],
    ['no token at all', () => ''],
  ])('404 page, no redirect, no count: %s', async (_name, token) => {
    const { clicks, call } = await setUp();
    const res = await call('GET', `/r/${token()}`);
    expect(res.statusCode).toBe(404);
    expect(res.headers?.location).toBeUndefined();
    expect(res.body).toContain('This link does not lead anywhere');
    expect(clicks.total()).toBe(0);
  });

  it('//evil.example after /r/ matches no route: a 404, never a redirect', async () => {
    const { call } = await setUp();
    for (const path of ['/r//evil.example', '/r/x/https://evil.example']) {
      const res = await call('GET', path);
      expect(res.statusCode).toBe(404);
      expect(res.headers?.location).toBeUndefined();
    }
  });

  it('per-reader token: the reader is noted with the article as well as counted', async () => {
    const { clicks, call } = await setUp();
    await call('GET', `/r/${signClickToken(keys, target({ subscriberId: 'sub-1' }))}`);
    expect(clicks.readers).toEqual(['issue-1|sub-1|pact']);
    expect(clicks.total()).toBe(1);
  });
});
