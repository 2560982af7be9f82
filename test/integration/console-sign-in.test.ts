/**
 * The console's sign-in end to end on this machine: the real local OpenID Connect provider
 * (lib/local/oidc-provider.ts, as `npm start` runs it) and the console handler served over HTTP
 * (lib/local/http.ts), driven like a browser with a cookie jar and manual redirects:
 * GET /admin → the provider's login form → POST the seeded owner's credentials → the second
 * factor's form → POST the code an authenticator app shows (RFC 6238) → callback → /admin shows
 * Home with the owner and the role from `cognito:groups`; then signs out.
 * Tries: a wrong password (refused at the provider, no session), a sign-out without the CSRF
 * token (refused, the session kept), a wrong code (refused, no session) and five in a row (the
 * sign-in ended, even the right code refused after), a code used twice, and the password right
 * but no code (no session, also when the browser skips the form to the provider's resume URL).
 * Each of the later tries has its own account, so one test's used codes do not touch another's.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { makeConsoleHandler } from '../../lambdas/console/handler';
import { openSession, sealedSessions, sealKey } from '../../lambdas/console/session';
import { DynamoSessionStore } from '../../lambdas/adapters/dynamodb/console-sessions';
import { documentClient } from '../../lambdas/wiring';
import { idTokenVerifier, provider as oidcProvider } from '../../lambdas/console/sign-in';
import { deskFromEnv } from '../../lambdas/console/desk';
import { createTestTables, type TestTables } from '../support/tables';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { serveHttp, type HttpApiHandler, type RunningHttpServer } from '../../lib/local/http';
import { LOCAL_OWNER, startLocalOidcProvider, type LocalAccount, type RunningOidcProvider } from '../../lib/local/oidc-provider';

let consoleServer: RunningHttpServer;
let provider: RunningOidcProvider;
let tables: TestTables;
let sessions: DynamoSessionStore;

const account = (name: string): LocalAccount => ({ email: `${name}@briefing.test`, password: `${name}-password`, groups: ['owner'] });
const WRONG_CODES = account('wrong-codes');
const REPLAY = account('replay');
const NO_CODE = account('no-code');
const RENEW = account('renew');
const REVOKE = account('revoke');
const secret = randomBytes(32).toString('base64url');

beforeAll(async () => {
  // The console's URL is the client's redirect, and the provider's is the console's issuer: the
  // handler is made once both servers listen.
  const ref: { handler?: HttpApiHandler } = {};
  consoleServer = await serveHttp((e) => ref.handler!(e), { port: 0 });
  provider = await startLocalOidcProvider({
    port: 0,
    consoleBaseUrl: consoleServer.url,
    accounts: [LOCAL_OWNER, WRONG_CODES, REPLAY, NO_CODE, RENEW, REVOKE],
  });
  tables = await createTestTables('console');
  const env = { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries };
  sessions = new DynamoSessionStore(documentClient(), tables.names.deliveries);
  ref.handler = makeConsoleHandler({
    desk: deskFromEnv(systemClock, env),
    sessions,
    settings: { issuer: provider.issuer, clientId: provider.clientId, baseUrl: consoleServer.url },
    sessionSecret: () => Promise.resolve(secret),
    clock: systemClock,
  });
});

afterAll(async () => {
  await consoleServer?.close();
  await provider?.close();
  await tables?.drop();
});

/** A browser's cookie jar, enough for these hosts: name → value per origin (Max-Age=0 removes). */
class Jar {
  private readonly byOrigin = new Map<string, Map<string, string>>();
  store(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const jar = this.byOrigin.get(origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    this.byOrigin.set(origin, jar);
  }
  header(url: string): string {
    return [...(this.byOrigin.get(new URL(url).origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  has(url: string, name: string): boolean {
    return this.byOrigin.get(new URL(url).origin)?.has(name) ?? false;
  }
}

async function request(jar: Jar, url: string, init: { method?: string; form?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      cookie: jar.header(url),
      ...(init.form && { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  jar.store(url, res);
  return { res, url, body: await res.text() };
}

/** Follows redirects (3xx with a Location) as a browser would, up to `limit` hops. */
async function follow(jar: Jar, url: string, init: { method?: string; form?: Record<string, string> } = {}, limit = 10) {
  let r = await request(jar, url, init);
  for (let i = 0; i < limit && r.res.status >= 300 && r.res.status < 400; i++) {
    r = await request(jar, new URL(r.res.headers.get('location')!, r.url).href);
  }
  return r;
}

const formAction = (page: string, base: string) => new URL(/<form method="post" action="([^"]+)"/.exec(page)![1], base).href;

it('signs the seeded owner in through the provider, shows Home with the role, and signs out', async () => {
  const jar = new Jar();
  // No session: /admin sends the browser to sign in, which sends it to the provider's login form.
  const login = await follow(jar, `${consoleServer.url}/admin`);
  expect(login.url.startsWith(provider.issuer)).toBe(true);
  expect(login.body).toContain('name="password"');

  // The bad input first: a wrong password gets no further than the provider.
  const wrong = await request(jar, formAction(login.body, login.url), {
    method: 'POST',
    form: { email: LOCAL_OWNER.email, password: 'not-it' },
  });
  expect(wrong.res.status).toBe(401);
  expect(wrong.body).toContain('Wrong email or password');

  // The password alone signs no one in: the provider asks for the second factor next.
  const passwordDone = await request(jar, formAction(wrong.body, wrong.url), {
    method: 'POST',
    form: { email: LOCAL_OWNER.email, password: LOCAL_OWNER.password },
  });
  expect(passwordDone.res.status).toBe(200);
  expect(passwordDone.body).toContain('name="code"');
  expect(passwordDone.body).toContain('autocomplete="one-time-code"');

  const posted = await follow(jar, formAction(passwordDone.body, passwordDone.url), {
    method: 'POST',
    form: { code: provider.currentCode() },
  });
  // The callback answers with a same-site page that moves on to /admin/ (not a bare redirect).
  expect(posted.url).toContain('/admin/callback?');
  expect(posted.res.status).toBe(200);
  expect(posted.body).toContain('http-equiv="refresh" content="0;url=/admin/"');
  const cookie = posted.res.headers.getSetCookie().find((c) => c.startsWith('briefing_console='))!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  expect(cookie).toMatch(/Path=\/admin/);

  const home = await request(jar, `${consoleServer.url}/admin/`);
  expect(home.res.status).toBe(200);
  expect(home.body).toContain(LOCAL_OWNER.email);
  expect(home.body).toMatch(/<dt>Role<\/dt><dd>owner<\/dd>/);

  // Sign-out without the CSRF token is refused, and the session stays.
  const forged = await request(jar, `${consoleServer.url}/admin/sign-out`, { method: 'POST', form: {} });
  expect(forged.res.status).toBe(403);
  expect(jar.has(consoleServer.url, 'briefing_console')).toBe(true);

  const csrf = /name="csrf" value="([^"]+)"/.exec(home.body)![1];
  const out = await request(jar, `${consoleServer.url}/admin/sign-out`, { method: 'POST', form: { csrf } });
  expect(out.res.status).toBe(302);
  expect(out.res.headers.get('location')!.startsWith(`${provider.issuer}/session/end`)).toBe(true);
  expect(jar.has(consoleServer.url, 'briefing_console')).toBe(false);
  const after = await request(jar, `${consoleServer.url}/admin/`);
  expect(after.res.status).toBe(302);
  expect(after.res.headers.get('location')).toBe('/admin/sign-in');
});

/** The password step for `who`, in a new sign-in: the page that asks for the code. */
async function passwordStep(jar: Jar, who: LocalAccount) {
  const login = await follow(jar, `${consoleServer.url}/admin`);
  const asked = await request(jar, formAction(login.body, login.url), {
    method: 'POST',
    form: { email: who.email, password: who.password },
  });
  expect(asked.res.status).toBe(200);
  expect(asked.body).toContain('name="code"');
  return asked;
}

/** No session: no console cookie, and /admin/ sends the browser to sign in. */
async function expectNoSession(jar: Jar) {
  expect(jar.has(consoleServer.url, 'briefing_console')).toBe(false);
  const home = await request(jar, `${consoleServer.url}/admin/`);
  expect(home.res.status).toBe(302);
  expect(home.res.headers.get('location')).toBe('/admin/sign-in');
}

/** Signed in: the code's answer ends at the callback, which sets the session; Home names `who`. */
async function expectSignedIn(jar: Jar, answer: { url: string; res: Response }, who: LocalAccount) {
  expect(answer.url).toContain('/admin/callback?');
  expect(answer.res.status).toBe(200);
  const home = await request(jar, `${consoleServer.url}/admin/`);
  expect(home.res.status).toBe(200);
  expect(home.body).toContain(who.email);
}

/** A code the account's authenticator app does not show now nor a minute either side. */
function wrongCode(who: LocalAccount): string {
  const near = [-60, -30, 0, 30, 60].map((s) => provider.currentCode(who.email, new Date(Date.now() + s * 1000)));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.includes(c))!;
}

it('refuses a wrong code with a clear message and no session; five in a row end the sign-in (mistake: a code not checked, or unlimited guesses)', async () => {
  const jar = new Jar();
  const asked = await passwordStep(jar, WRONG_CODES);
  const action = formAction(asked.body, asked.url);

  const wrong = await request(jar, action, { method: 'POST', form: { code: wrongCode(WRONG_CODES) } });
  expect(wrong.res.status).toBe(401);
  expect(wrong.body).toContain('Wrong code');
  expect(wrong.body).toContain('4 tries left');
  await expectNoSession(jar);

  // Not six digits: refused as such, and it counts as a wrong code.
  const short = await request(jar, action, { method: 'POST', form: { code: '12345' } });
  expect(short.res.status).toBe(401);
  expect(short.body).toContain('The code is 6 digits');
  expect(short.body).toContain('3 tries left');

  for (const left of ['2 tries left', '1 try left']) {
    const again = await request(jar, action, { method: 'POST', form: { code: wrongCode(WRONG_CODES) } });
    expect(again.body).toContain(left);
  }
  // The password given again in this sign-in brings no fresh tries.
  const loginAction = action.replace(/\/code$/, '/login');
  const repeated = await request(jar, loginAction, { method: 'POST', form: { email: WRONG_CODES.email, password: WRONG_CODES.password } });
  expect(repeated.body).toContain('name="code"');
  const fifth = await request(jar, action, { method: 'POST', form: { code: wrongCode(WRONG_CODES) } });
  expect(fifth.res.status).toBe(403);
  expect(fifth.body).toContain('5 wrong codes in a row: this sign-in is ended');
  expect(fifth.body).toContain(`href="${consoleServer.url}/admin/sign-in"`);

  // The right code no longer helps this sign-in: it is over.
  const code = provider.currentCode(WRONG_CODES.email);
  const late = await follow(jar, action, { method: 'POST', form: { code } });
  expect(late.res.status).toBe(400);
  expect(late.body).toContain('Sign-in failed');
  expect(late.url.startsWith(provider.issuer)).toBe(true);
  await expectNoSession(jar);

  // Starting again works, with that same code (it was never accepted).
  const fresh = await passwordStep(jar, WRONG_CODES);
  await expectSignedIn(jar, await follow(jar, formAction(fresh.body, fresh.url), { method: 'POST', form: { code } }), WRONG_CODES);
});

it('refuses a code used already, even within its window, and takes the next one (mistake: a replayable code)', async () => {
  const first = new Jar();
  const code = provider.currentCode(REPLAY.email);
  const asked = await passwordStep(first, REPLAY);
  await expectSignedIn(first, await follow(first, formAction(asked.body, asked.url), { method: 'POST', form: { code } }), REPLAY);

  // Someone who saw that code signs in elsewhere with the password and the same code, seconds later.
  const second = new Jar();
  const again = await passwordStep(second, REPLAY);
  const replayed = await request(second, formAction(again.body, again.url), { method: 'POST', form: { code } });
  expect(replayed.res.status).toBe(401);
  expect(replayed.body).toContain('That code was used already');
  await expectNoSession(second);

  // The app's next code (one step ahead: inside the window) is accepted.
  const next = provider.currentCode(REPLAY.email, new Date(Date.now() + 30_000));
  expect(next).not.toBe(code);
  await expectSignedIn(second, await follow(second, formAction(again.body, again.url), { method: 'POST', form: { code: next } }), REPLAY);
});

it('makes no session from the password alone, also when the browser skips the code form (mistake: the password step finishing the sign-in)', async () => {
  const jar = new Jar();
  const asked = await passwordStep(jar, NO_CODE);
  await expectNoSession(jar);

  // Straight to the provider's resume URL, as if the code form had been answered: a new login form, no callback.
  const uid = /\/interaction\/([\w-]+)\/code/.exec(asked.body)![1];
  const skipped = await follow(jar, `${provider.issuer}/auth/${uid}`);
  expect(skipped.url.startsWith(provider.issuer)).toBe(true);
  expect(skipped.url).not.toContain(uid);
  expect(skipped.body).toContain('name="password"');
  await expectNoSession(jar);

  // A code posted to a sign-in whose password was not given: refused, asking for the password.
  const noPassword = await request(jar, new URL(formAction(skipped.body, skipped.url).replace(/\/login$/, '/code')).href, {
    method: 'POST',
    form: { code: provider.currentCode(NO_CODE.email) },
  });
  expect(noPassword.res.status).toBe(400);
  expect(noPassword.body).toContain('Enter your email and password first');
  await expectNoSession(jar);
});

it('keeps a refresh token in the session that renews the ID token at the provider, and sign-out revokes it (mistake: a session that cannot outlive one ID token, or a refresh token that outlives sign-out)', async () => {
  const jar = new Jar();
  const asked = await passwordStep(jar, RENEW);
  const signedIn = await follow(jar, formAction(asked.body, asked.url), {
    method: 'POST',
    form: { code: provider.currentCode(RENEW.email) },
  });
  await expectSignedIn(jar, signedIn, RENEW);
  const sealed = /briefing_console=([^;]+)/.exec(jar.header(consoleServer.url))![1];
  const cookie = (await openSession(sealKey(secret), sealed, new Date()))!;
  // The tokens are kept on the server, the cookie holds the session's id.
  expect(sealed.length).toBeLessThan(400);
  const session = (await sealedSessions(sessions, () => Promise.resolve(sealKey(secret))).get(cookie.sid, new Date()))!;
  // At rest the tokens are sealed: the stored item holds no token another role could use.
  expect((await sessions.get(cookie.sid, new Date()))!.idToken).not.toBe(session.idToken);
  expect(session.refreshToken).toEqual(expect.any(String));

  const settings = { issuer: provider.issuer, clientId: provider.clientId, baseUrl: consoleServer.url };
  const renewed = await oidcProvider(settings).refresh(session.refreshToken!);
  const check = await idTokenVerifier(settings)(renewed.idToken, new Date());
  expect(check).toMatchObject({ ok: true, editor: { email: RENEW.email, role: 'owner' } });

  // Sign-out revokes the session's refresh token. Another sign-in (the renewal above rotated this
  // one's): signed out, its refresh token, good until then as the first one was, is refused.
  const other = new Jar();
  const asked2 = await passwordStep(other, REVOKE);
  await expectSignedIn(
    other,
    await follow(other, formAction(asked2.body, asked2.url), { method: 'POST', form: { code: provider.currentCode(REVOKE.email) } }),
    REVOKE,
  );
  const copied = other.header(consoleServer.url);
  const heldCookie = (await openSession(sealKey(secret), /briefing_console=([^;]+)/.exec(copied)![1], new Date()))!;
  const held = (await sealedSessions(sessions, () => Promise.resolve(sealKey(secret))).get(heldCookie.sid, new Date()))!;
  const home = await request(other, `${consoleServer.url}/admin/`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(home.body)![1];
  expect((await request(other, `${consoleServer.url}/admin/sign-out`, { method: 'POST', form: { csrf } })).res.status).toBe(302);
  await expect(oidcProvider(settings).refresh(held.refreshToken!)).rejects.toThrow();
  // A copy of the cookie taken before the sign-out is signed out too (mistake: a session that lives in the cookie alone).
  const replay = await fetch(`${consoleServer.url}/admin/`, { headers: { cookie: copied }, redirect: 'manual' });
  expect(replay.status).toBe(302);
  expect(replay.headers.get('location')).toBe('/admin/sign-in');
  expect(await sessions.get(heldCookie.sid, new Date())).toBeUndefined();
});
