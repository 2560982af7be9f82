/**
 * The console's protections, each tried with the bad input it must refuse: the handler with its
 * real session seals and its real ID token check (jose, against a key set made here), the
 * provider side stubbed (the flow itself runs against the real local provider in
 * test/integration/console-sign-in.test.ts).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CryptoKey, JWTPayload } from 'jose';
import { sealKey, sealSession, SESSION_COOKIE } from '../../lambdas/console/session';
import { provider as oidcProvider, roleOf } from '../../lambdas/console/sign-in';
import { consoleEvent, MemorySessionStore, TEST_SETTINGS, testSignIn, type TestSignIn } from '../support/console-tokens';
import { memoryDesk, type MemoryDesk } from './desk-fakes';

const NOW = new Date('2026-12-07T10:00:00Z');
let signIn: TestSignIn;
let handler: TestSignIn['handler'];
let otherKey: CryptoKey;
let desk: MemoryDesk;

beforeAll(async () => {
  desk = memoryDesk(NOW, { kind: 'quota', reason: 'the daily quota is used up', openedAt: '2026-12-07T09:00:00Z', step: 0 });
  signIn = await testSignIn({ desk, clock: { now: () => NOW } }, NOW);
  ({ handler, otherKey } = signIn);
});

const claims = (extra: JWTPayload = {}): JWTPayload => ({ email: 'ed@example.org', 'cognito:groups': ['owner'], ...extra });
const idToken = (o: Parameters<TestSignIn['idToken']>[0] = {}) => signIn.idToken({ payload: claims(), ...o });
const cookieFor = (token: string, csrf?: string) => signIn.cookieFor(token, csrf);

const event = (method: string, path: string, cookie?: string, body?: string) => consoleEvent(method, path, cookie, body);

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
    expect((await handler(event('GET', '/admin/api'))).statusCode).toBe(401);
  });

  it('a page whose name only starts like the JSON paths (/admin/apiary) is a page: redirected, not 401', async () => {
    expect(isSignInRedirect(await handler(event('GET', '/admin/apiary')))).toBe(true);
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
    const foreign = await sealSession(sealKey('another'), { sid: 'x', csrf: 'x', started: NOW.getTime() / 1000 }, NOW);
    expect(sealKey('another')).not.toEqual(signIn.sessionKey);
    expect(isSignInRedirect(await handler(event('GET', '/admin/', `${SESSION_COOKIE}=${foreign}`)))).toBe(true);
  });
});

describe('paths', () => {
  it('a broken %-escape in a path (`%E0%A4%A`) answers 404, not 500', async () => {
    const r = await handler(event('GET', '/admin/issues/%E0%A4%A', await cookieFor(await idToken())));
    expect(r.statusCode).toBe(404);
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

  it('a token whose address the pool has not verified (an editor who changed their own email) gets no session page', async () => {
    for (const verified of [false, undefined]) {
      const token = await idToken({ payload: claims({ email: 'someone-else@example.org', email_verified: verified }) });
      expect(isSignInRedirect(await handler(event('GET', '/admin/', await cookieFor(token))))).toBe(true);
    }
  });

  it('a valid token in none of the groups gets no session page', async () => {
    const r = await handler(
      event('GET', '/admin/', await cookieFor(await idToken({ payload: claims({ 'cognito:groups': ['readers'] }) }))),
    );
    expect(isSignInRedirect(r)).toBe(true);
  });
});

describe("an owner's actions, by role", () => {
  const as = (role: string) => signIn.as([role]);

  it("an editor posting Resume (an owner's action) is refused with 403, the pause stays, and the refusal is in the audit log", async () => {
    const before = desk.audit.entries.length;
    const r = await handler(event('POST', '/admin/resume', await as('editor'), 'csrf=tok'));
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('needs the owner role');
    expect(desk.state.pause?.kind).toBe('quota');
    expect(desk.audit.entries.slice(before)).toEqual([
      expect.objectContaining({ who: 'ed@example.org', role: 'editor', action: 'refused', target: 'POST /admin/resume' }),
    ]);
  });

  it('a viewer opening the audit log (owners only) is refused with 403', async () => {
    expect((await handler(event('GET', '/admin/audit', await as('viewer')))).statusCode).toBe(403);
  });

  it('Home shows an editor the pause without the Resume button, and an owner with it', async () => {
    const editorHome = await handler(event('GET', '/admin/', await as('editor')));
    expect(editorHome.body).toContain('the daily quota is used up');
    expect(editorHome.body).not.toContain('action="/admin/resume"');
    expect((await handler(event('GET', '/admin/', await as('owner')))).body).toContain('action="/admin/resume"');
  });

  it("Home shows the doctor's last verdict: what blocks first, each with its fix, how old it is; none kept: how to run it", async () => {
    expect((await handler(event('GET', '/admin/', await as('viewer')))).body).toContain('No doctor run is kept yet.');
    desk.doctor = {
      latest: () =>
        Promise.resolve({
          at: '2026-11-20T08:00:00.000Z',
          by: 'cli:ops',
          target: 'stack Briefing in eu-west-1',
          checks: [
            { name: 'DMARC', ok: false, severity: 'warning' as const, detail: 'no record', fix: 'publish one' },
            { name: 'identity', ok: false, severity: 'blocking' as const, detail: 'not verified <yet>', fix: 'verify the domain' },
            { name: 'quota', ok: true, severity: 'blocking' as const, detail: '14/s' },
          ],
        }),
    };
    expect((await handler(event('GET', '/admin/', await as('viewer')))).body).not.toContain('verify the domain');
    const body = (await handler(event('GET', '/admin/', await as('editor')))).body!;
    expect(body).toContain('<strong>1 problem block');
    expect(body).toContain(', 1 warning: the doctor');
    expect(body).toContain('(1 of 3 checks pass)');
    expect(body.indexOf('identity')).toBeLessThan(body.indexOf('DMARC'));
    expect(body).toContain('not verified &lt;yet&gt; Fix: verify the domain');
    expect(body).toContain('more than 7 days old');
    desk.doctor = { latest: () => Promise.resolve(undefined) };
  });

  it('an owner resumes: the pause ends, the answer goes back to Home, and the audit log says who', async () => {
    const r = await handler(event('POST', '/admin/resume', await as('owner'), 'csrf=tok'));
    expect(r.statusCode).toBe(303);
    expect(r.headers?.location).toBe('/admin/?done=resumed');
    expect(desk.state.pause).toBeUndefined();
    expect(desk.audit.entries.at(-1)).toEqual(expect.objectContaining({ who: 'ed@example.org', role: 'owner', action: 'resume' }));
    const audit = await handler(event('GET', '/admin/audit', await as('owner')));
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toMatch(/<td>resume<\/td>/);
  });
});

describe('a session is renewed with the refresh token, and ends', () => {
  const expiredAt = Math.floor(NOW.getTime() / 1000) - 30;
  let renewing: TestSignIn;
  let renewedGroups: string[];
  let renewedSub: string;
  beforeAll(async () => {
    renewing = await testSignIn(
      {
        desk,
        clock: { now: () => NOW },
        refresh: async (token) => {
          if (token !== 'refresh-1') throw new Error('invalid_grant');
          const payload = { email: 'ed@example.org', 'cognito:groups': renewedGroups, ...(renewedSub !== 'user-1' && { sub: renewedSub }) };
          return { idToken: await renewing.idToken({ payload }), refreshToken: 'refresh-2' };
        },
      },
      NOW,
    );
  });
  const expiredSession = async (refreshToken?: string) =>
    renewing.cookieFor(await renewing.idToken({ exp: expiredAt }), 'tok', refreshToken ? { refreshToken } : {});
  const sessionCookieOf = (r: { cookies?: string[] }) => r.cookies?.find((c) => c.startsWith(`${SESSION_COOKIE}=`));

  it('an expired ID token with a refresh token the provider accepts: the page answers, with a renewed session cookie holding the new role', async () => {
    renewedGroups = ['editor'];
    renewedSub = 'user-1';
    const r = await renewing.handler(event('GET', '/admin/', await expiredSession('refresh-1')));
    expect(r.statusCode).toBe(200);
    expect(r.body).toMatch(/<dt>Role<\/dt><dd>editor<\/dd>/);
    const cookie = sessionCookieOf(r)!;
    expect(cookie).toMatch(/Max-Age=1800/);
    // The renewed cookie works on its own, without another renewal (its refresh token is the rotated one).
    const again = await renewing.handler(event('GET', '/admin/', cookie.split(';')[0]));
    expect(again.statusCode).toBe(200);
  });

  it('a renewal that finds its session ended meanwhile (a sign-out in another tab) signs out, not an error page', async () => {
    renewedGroups = ['editor'];
    renewedSub = 'user-1';
    const store = renewing.sessions as MemorySessionStore;
    const renew = store.renew.bind(store);
    store.renew = () => Promise.reject(new Error('The conditional request failed'));
    try {
      expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/', await expiredSession('refresh-1'))))).toBe(true);
    } finally {
      store.renew = renew;
    }
  });

  it("an owner's sealed tokens copied into another session's stored item do not open there (a table writer cannot lend a session a role)", async () => {
    const store = renewing.sessions as MemorySessionStore;
    const owner = await renewing.cookieFor(await renewing.idToken(), 'tok');
    const ownerSid = [...store.items.keys()].at(-1)!;
    const viewer = await renewing.cookieFor(
      await renewing.idToken({ payload: { email: 'v@example.org', 'cognito:groups': ['viewer'] } }),
      'tok',
    );
    const viewerSid = [...store.items.keys()].at(-1)!;
    expect((await renewing.handler(event('GET', '/admin/audit', viewer))).statusCode).toBe(403);
    store.items.set(viewerSid, { ...store.items.get(viewerSid)!, idToken: store.items.get(ownerSid)!.idToken });
    expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/audit', viewer)))).toBe(true);
    expect((await renewing.handler(event('GET', '/admin/audit', owner))).statusCode).toBe(200);
  });

  it('an expired ID token whose refresh token the provider refuses (revoked, editor removed): back to sign-in', async () => {
    expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/', await expiredSession('revoked-token'))))).toBe(true);
  });

  it("a renewal that returns another person's ID token is not accepted", async () => {
    renewedGroups = ['owner'];
    renewedSub = 'someone-else';
    expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/', await expiredSession('refresh-1'))))).toBe(true);
  });

  it('a session begun more than 8 hours ago ends, even with a valid ID token and a refresh token', async () => {
    const old = await renewing.cookieFor(await renewing.idToken(), 'tok', {
      refreshToken: 'refresh-1',
      started: Math.floor(NOW.getTime() / 1000) - 8 * 3600 - 1,
    });
    expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/', old)))).toBe(true);
  });

  it('near the 8-hour limit the renewed cookie lives only until it', async () => {
    const late = await renewing.cookieFor(await renewing.idToken(), 'tok', {
      refreshToken: 'refresh-1',
      started: Math.floor(NOW.getTime() / 1000) - 8 * 3600 + 600,
    });
    expect(sessionCookieOf(await renewing.handler(event('GET', '/admin/', late)))).toMatch(/Max-Age=600/);
  });

  it('a copy of the session cookie taken before sign-out is signed out too (the session ends on the server, not only in the browser)', async () => {
    const cookie = await renewing.cookieFor(await renewing.idToken(), 'tok', { refreshToken: 'refresh-8' });
    expect((await renewing.handler(event('GET', '/admin/', cookie))).statusCode).toBe(200);
    expect((await renewing.handler(event('POST', '/admin/sign-out', cookie, 'csrf=tok'))).statusCode).toBe(302);
    expect(isSignInRedirect(await renewing.handler(event('GET', '/admin/', cookie)))).toBe(true);
    const post = await renewing.handler(event('POST', '/admin/resume', cookie, 'csrf=tok'));
    expect(post.statusCode).toBe(401);
  });

  it("with Cognito-sized tokens (an ID token of 1,800 bytes, a refresh token of 2,000) the cookie stays far under browsers' 4 KB", async () => {
    const idToken = await renewing.idToken({ payload: { email: 'ed@example.org', 'cognito:groups': ['owner'], pad: 'x'.repeat(1200) } });
    expect(idToken.length).toBeGreaterThan(1800);
    const cookie = await renewing.cookieFor(idToken, 'tok', { refreshToken: 'r'.repeat(2000) });
    const r = await renewing.handler(event('GET', '/admin/', cookie));
    expect(r.statusCode).toBe(200);
    const set = sessionCookieOf(r)!;
    expect(set.split(';')[0].length).toBeLessThan(1024);
  });

  it('sign-out revokes the refresh token', async () => {
    const cookie = await renewing.cookieFor(await renewing.idToken(), 'tok', { refreshToken: 'refresh-9' });
    const r = await renewing.handler(event('POST', '/admin/sign-out', cookie, 'csrf=tok'));
    expect(r.statusCode).toBe(302);
    expect(renewing.revoked).toContain('refresh-9');
  });
});

describe("sign-out at the user pool's managed login", () => {
  it("builds Cognito's /logout form (client_id, logout_uri) from the logout URL, without asking discovery (whose end-session form Cognito refuses)", async () => {
    const settings = { ...TEST_SETTINGS, logoutUrl: 'https://editors-x.auth.eu-west-1.amazoncognito.com/logout' };
    // The issuer is not reachable from a unit test: any discovery call would fail the test.
    const url = new URL(await oidcProvider(settings).signOutUrl('an-id-token'));
    expect(url.origin + url.pathname).toBe('https://editors-x.auth.eu-west-1.amazoncognito.com/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: TEST_SETTINGS.clientId,
      logout_uri: `${TEST_SETTINGS.baseUrl}/admin/`,
    });
  });
});
