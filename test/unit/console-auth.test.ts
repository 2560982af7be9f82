/**
 * The console's protections, each tried with the bad input it must refuse: the handler with its
 * real session seals and its real ID token check (jose, against a key set made here), the
 * provider side stubbed (the flow itself runs against the real local provider in
 * test/integration/console-sign-in.test.ts).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { makeConsoleHandler } from '../../lambdas/console/handler';
import { sealKey, sealSession, SESSION_COOKIE } from '../../lambdas/console/session';
import { idTokenVerifier, roleOf } from '../../lambdas/console/sign-in';

const NOW = new Date('2026-12-07T10:00:00Z');
const settings = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test',
  clientId: 'console-client',
  baseUrl: 'https://api.example.org',
};
const SECRET = 'session-secret-for-tests';
let providerKey: CryptoKey;
let otherKey: CryptoKey;
let handler: ReturnType<typeof makeConsoleHandler>;
let sessionKeyBytes: Uint8Array;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  providerKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
  handler = makeConsoleHandler({
    settings,
    sessionSecret: () => Promise.resolve(SECRET),
    clock: { now: () => NOW },
    verify: idTokenVerifier(settings, jwks),
    provider: {
      start: () => Promise.resolve({ url: 'https://login.example/authorize', flow: { state: 's', nonce: 'n', verifier: 'v' } }),
      finish: () => Promise.reject(new Error('not used')),
      signOutUrl: () => Promise.resolve('https://login.example/logout'),
    },
  });
  sessionKeyBytes = sealKey(SECRET);
});

const iat = Math.floor(NOW.getTime() / 1000) - 60;
const claims = (extra: JWTPayload = {}): JWTPayload => ({ email: 'ed@example.org', 'cognito:groups': ['owner'], ...extra });

async function idToken(o: { key?: CryptoKey; aud?: string; exp?: number; payload?: JWTPayload } = {}) {
  return new SignJWT(o.payload ?? claims())
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(settings.issuer)
    .setSubject('user-1')
    .setAudience(o.aud ?? settings.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(o.exp ?? iat + 3600)
    .sign(o.key ?? providerKey);
}

async function cookieFor(token: string, csrf = 'csrf-token-1') {
  return `${SESSION_COOKIE}=${await sealSession(sessionKeyBytes, { idToken: token, csrf }, NOW)}`;
}

function event(method: string, path: string, cookie?: string, body?: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    ...(cookie && { cookies: [cookie] }),
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r1' },
  } as unknown as APIGatewayProxyEventV2;
}

const isSignInRedirect = (r: { statusCode?: number; headers?: Record<string, unknown> }) =>
  r.statusCode === 302 && r.headers?.location === '/admin/sign-in';

describe('a page without a valid session redirects to sign-in', () => {
  it('a valid session sees Home (the baseline the refusals below differ from)', async () => {
    const r = await handler(event('GET', '/admin/', await cookieFor(await idToken())));
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('ed@example.org');
    // The sign-out form's redirect goes to the provider: a form-action of 'self' alone would make the browser stop it.
    expect(r.headers?.['content-security-policy']).toContain("form-action 'self' https://cognito-idp.eu-west-1.amazonaws.com");
  });

  it('no session cookie at all', async () => {
    expect(isSignInRedirect(await handler(event('GET', '/admin')))).toBe(true);
  });

  it('a JSON path without a session answers 401, not a redirect', async () => {
    expect((await handler(event('GET', '/admin/api/status'))).statusCode).toBe(401);
  });

  it('an expired ID token (past the clock tolerance)', async () => {
    const r = await handler(event('GET', '/admin/', await cookieFor(await idToken({ exp: Math.floor(NOW.getTime() / 1000) - 30 }))));
    expect(isSignInRedirect(r)).toBe(true);
  });

  it('an ID token for another audience (another app client)', async () => {
    expect(isSignInRedirect(await handler(event('GET', '/admin/', await cookieFor(await idToken({ aud: 'another-client' })))))).toBe(true);
  });

  it("an ID token signed by another key (not the issuer's)", async () => {
    expect(isSignInRedirect(await handler(event('GET', '/admin/', await cookieFor(await idToken({ key: otherKey })))))).toBe(true);
  });

  it('a tampered session cookie (one character of the sealed value changed)', async () => {
    const good = await cookieFor(await idToken());
    const i = good.length - 10;
    const tampered = good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1);
    expect(isSignInRedirect(await handler(event('GET', '/admin/', tampered)))).toBe(true);
  });

  it('a session sealed with another key (a cookie made elsewhere)', async () => {
    const foreign = await sealSession(sealKey('another'), { idToken: await idToken(), csrf: 'x' }, NOW);
    expect(isSignInRedirect(await handler(event('GET', '/admin/', `${SESSION_COOKIE}=${foreign}`)))).toBe(true);
  });
});

describe('CSRF on state-changing requests', () => {
  it('a POST without the CSRF token is refused and the session is not cleared', async () => {
    const r = await handler(event('POST', '/admin/sign-out', await cookieFor(await idToken()), ''));
    expect(r.statusCode).toBe(403);
    expect(r.cookies ?? []).toEqual([]);
  });

  it("a POST with another session's CSRF token is refused", async () => {
    const r = await handler(event('POST', '/admin/sign-out', await cookieFor(await idToken(), 'mine'), 'csrf=theirs'));
    expect(r.statusCode).toBe(403);
  });

  it("with the session's token, sign-out clears the session and goes to the provider's logout", async () => {
    const r = await handler(event('POST', '/admin/sign-out', await cookieFor(await idToken(), 'mine'), 'csrf=mine'));
    expect(r.statusCode).toBe(302);
    expect(r.headers?.location).toBe('https://login.example/logout');
    expect(r.cookies?.[0]).toMatch(/^briefing_console=; .*Max-Age=0/);
  });
});

describe('the role comes from cognito:groups', () => {
  it('the highest of the groups, whatever their order', () => {
    expect(roleOf({ 'cognito:groups': ['viewer', 'editor'] })).toBe('editor');
    expect(roleOf({ 'cognito:groups': ['viewer', 'owner'] })).toBe('owner');
  });

  it('a role claimed elsewhere (custom:role, a string groups claim) is not read', () => {
    expect(roleOf({ 'custom:role': 'owner' })).toBeUndefined();
    expect(roleOf({ 'cognito:groups': 'owner' })).toBeUndefined();
  });

  it('Home shows the role of the token', async () => {
    const r = await handler(event('GET', '/admin/', await cookieFor(await idToken({ payload: claims({ 'cognito:groups': ['editor'] }) }))));
    expect(r.body).toMatch(/<dt>Role<\/dt><dd>editor<\/dd>/);
  });

  it('a valid token in none of the groups gets no session page', async () => {
    const r = await handler(
      event('GET', '/admin/', await cookieFor(await idToken({ payload: claims({ 'cognito:groups': ['readers'] }) }))),
    );
    expect(isSignInRedirect(r)).toBe(true);
  });
});
