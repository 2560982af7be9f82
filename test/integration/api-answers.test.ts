/**
 * What the API answers when something is off, over real HTTP (the API handler on the local
 * server, DynamoDB Local through the real SDK clients):
 * - HEAD is answered wherever GET is (pages, archive, feed, health): the GET's status and
 *   headers, no body, and nothing written.
 * - An unexpected error (here: a table that does not exist) is logged with the request id and
 *   answered with the project's own 500 page, not a bare error.
 * - A click whose count cannot be written (the Deliveries table is missing) still takes the
 *   reader to the article, and the failure is logged.
 * - A reader's time zone under its current IANA name (`Europe/Kyiv`) is accepted by the JSON
 *   sign-up (it was refused with 400 while the runtime lists only `Europe/Kiev`).
 */
import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { makeApiHandler } from '../../lambdas/api/handler';
import type { ApiDeps } from '../../lambdas/api/routes/context';
import { logger } from '../../lambdas/adapters/logger';
import { clickLinker } from '../../lambdas/core/click-token';
import type { Article, Issue } from '../../lambdas/core/model';
import { parseSigningKeys, signToken } from '../../lambdas/core/tokens';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { serveHttp } from '../../lib/local/http';
import { tableNames } from '../../lib/local/tables';
import { MAIL, startSubscriptionApi } from './subscribe-support';
import { createTestTables, scanAll } from '../support/tables';

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));
const base = 'https://brief.example.org';
const article: Article = {
  kind: 'article',
  id: 'pact',
  title: 'A pact',
  summary: 'Summary.',
  keyPoints: [],
  topics: ['diplomacy'],
  source: { name: 'Example News', url: 'https://news.example.net/pact' },
  date: '2026-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-11-01T08:00:00Z',
};
const issue: Issue = {
  kind: 'issue',
  id: 'issue-1',
  newsletter: 'Brief',
  number: 1,
  title: 'Issue one',
  summary: '',
  preheader: '',
  date: '2026-11-02',
  articleIds: ['pact'],
  publishedAt: '2026-11-02T05:00:00Z',
};

let tables: Awaited<ReturnType<typeof createTestTables>>;
let http: Awaited<ReturnType<typeof serveHttp>>;
let broken: Awaited<ReturnType<typeof serveHttp>>;
const subscriberId = 'sub-1';

beforeAll(async () => {
  tables = await createTestTables('answers');
  const ports = dynamoPorts(documentClient(), tables.names);
  await ports.content.put(article);
  await ports.content.put(issue);
  await ports.content.markIssuePlanned(issue.id, new Date('2026-11-02T06:00:00Z'));
  await ports.subscriptions.create({
    subscriberId,
    email: 'reader@example.com',
    status: 'confirmed',
    digest: true,
    alerts: false,
    topics: [],
    timezone: 'Europe/Brussels',
    source: 'cli',
    createdAt: new Date().toISOString(),
  });
  const deps: ApiDeps = {
    subscribers: ports.subscribers,
    subscriptions: ports.subscriptions,
    clock: systemClock,
    keys: () => Promise.resolve(keys),
    mail: MAIL,
    archive: ports.archive,
    redirect: { content: ports.content, clicks: ports.clicks },
  };
  http = await serveHttp(makeApiHandler(deps), { port: 0 });
  // The same API over tables that do not exist: the archive's read and the click's count fail.
  const missing = dynamoPorts(documentClient(), tableNames(`missing-${randomBytes(4).toString('hex')}-`));
  broken = await serveHttp(
    makeApiHandler({ ...deps, archive: missing.archive, redirect: { content: ports.content, clicks: missing.clicks } }),
    { port: 0 },
  );
});
afterAll(async () => {
  await http?.close();
  await broken?.close();
  await tables?.drop();
});

const call = (server: { url: string }, path: string, method = 'GET') => fetch(`${server.url}${path}`, { method, redirect: 'manual' });
const snapshot = async () => [await scanAll(tables.names.subscribers), await scanAll(tables.names.deliveries)];

describe('HEAD wherever GET', () => {
  const prefs = () => `/preferences?token=${signToken(keys, { subscriberId, purpose: 'preferences', now: new Date() })}`;
  const unsub = () => `/unsubscribe?token=${signToken(keys, { subscriberId, purpose: 'unsubscribe', now: new Date() })}`;
  it.each([
    ['/', () => '/'],
    ['/health', () => '/health'],
    ['/archive', () => '/archive'],
    ['/archive/<issue>', () => '/archive/issue-1'],
    ['/feed.xml', () => '/feed.xml'],
    ['/check-inbox', () => '/check-inbox'],
    ['/preferences?token=…', prefs],
    ['/unsubscribe?token=… (shows the page, unsubscribes no one)', unsub],
    ['an unknown path (404)', () => '/no-such-page'],
  ])('HEAD %s: the GET status and headers, no body, nothing written', async (_name, path) => {
    const p = path();
    const get = await call(http, p);
    const before = await snapshot();
    const head = await call(http, p, 'HEAD');
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(head.headers.get('cache-control')).toBe(get.headers.get('cache-control'));
    expect(await head.text()).toBe('');
    expect(await snapshot()).toEqual(before);
    if (p !== '/no-such-page') expect(get.status).toBe(200);
  });
});

describe('the error boundary', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers an unexpected error (a missing table) with the 500 page and logs it with the request id', async () => {
    const logged = jest.spyOn(logger, 'error');
    const res = await call(broken, '/archive');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toContain('We could not finish that request');
    expect(body).toContain(MAIL.senderName);
    expect(logged).toHaveBeenCalledWith(
      'API request failed',
      expect.objectContaining({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), error: expect.anything() }),
    );
    const head = await call(broken, '/archive', 'HEAD');
    expect(head.status).toBe(500);
    expect(await head.text()).toBe('');
  });
});

describe('counting a click is best effort', () => {
  afterEach(() => jest.restoreAllMocks());

  it('redirects to the article when the count cannot be written, and logs it', async () => {
    const warned = jest.spyOn(logger, 'warn');
    const link = clickLinker(keys, base, { kind: 'digest', campaignId: issue.id });
    const res = await call(broken, link('pact', 0).slice(base.length));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://news.example.net/pact');
    expect(warned).toHaveBeenCalledWith('click not counted', expect.objectContaining({ error: expect.anything() }));
  });
});

describe('time zones under their current name', () => {
  let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
  beforeAll(async () => {
    api = await startSubscriptionApi();
  });
  afterAll(() => api?.stop());

  it.each(['Europe/Kyiv', 'Europe/Kiev', 'Asia/Kolkata'])('POST /subscribe (JSON) with timezone %s is accepted (202)', async (timezone) => {
    const res = await fetch(`${api.http.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `zone-${timezone.replace('/', '-').toLowerCase()}@example.com`, timezone }),
    });
    expect(res.status).toBe(202);
  });
});
