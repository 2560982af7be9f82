/**
 * Every answer of the API carries HSTS, a Permissions-Policy and `nosniff`, whatever the route,
 * status or content type (the health check and the feed included), and pages keep no Referer
 * for other sites while their own forms still send their Origin.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { makeApiHandler } from '../../lambdas/api/handler';
import { SITE_HEADERS } from '../../lambdas/api/http';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { fixedClock, MemorySubscribers } from './fakes';

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'k'.repeat(43) }));
const handler = makeApiHandler({
  subscribers: new MemorySubscribers(),
  clock: fixedClock(),
  keys: () => Promise.resolve(keys),
  mail: { senderName: 'Brief', publicBaseUrl: 'https://brief.example.org' },
});
const request = (method: string, path: string, body?: string) =>
  handler({
    rawPath: path,
    headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body,
    requestContext: { http: { method, sourceIp: '203.0.113.9' } },
  } as unknown as APIGatewayProxyEventV2);

describe('site headers', () => {
  it.each([
    ['GET /health (JSON)', 'GET', '/health', undefined],
    ['GET / (the subscribe page)', 'GET', '/', undefined],
    ['GET /check-inbox', 'GET', '/check-inbox', undefined],
    ['GET /unsubscribe with a forged token (400)', 'GET', '/unsubscribe?token=v1.k1.x.y', undefined],
    ['GET /nowhere (404)', 'GET', '/nowhere', undefined],
    ['POST /subscribe where sign-ups are not wired (503)', 'POST', '/subscribe', 'email=a%40example.org'],
    ['GET /feed.xml without an archive (503)', 'GET', '/feed.xml', undefined],
    ['an oversized body (413)', 'POST', '/subscribe', 'x'.repeat(20_000)],
  ] as [string, string, string, string | undefined][])('%s', async (_name, method, path, body) => {
    const res = await request(method, path, body);
    expect(res.headers).toMatchObject(SITE_HEADERS);
    expect(res.headers!['strict-transport-security']).toMatch(/^max-age=31536000/);
    expect(res.headers!['permissions-policy']).toMatch(/camera=\(\)/);
    expect(res.headers!['x-content-type-options']).toBe('nosniff');
  });

  it('pages send no Referer to other sites, yet their own forms keep their Origin (same-origin, not no-referrer)', async () => {
    const res = await request('GET', '/');
    expect(res.headers!['referrer-policy']).toBe('same-origin');
  });
});
