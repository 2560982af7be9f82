/**
 * The console's sign-in end to end on this machine: the real local OpenID Connect provider
 * (lib/local/oidc-provider.ts, as `npm start` runs it) and the console handler served over HTTP
 * (lib/local/http.ts), driven like a browser with a cookie jar and manual redirects:
 * GET /admin → the provider's login form → POST the seeded owner's credentials → callback →
 * /admin shows Home with the owner and the role from `cognito:groups`; then signs out.
 * Tries: a wrong password (refused at the provider, no session), and a sign-out without the
 * CSRF token (refused, the session kept).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { makeConsoleHandler } from '../../lambdas/console/handler';
import { deskFromEnv } from '../../lambdas/console/desk';
import { createTestTables, type TestTables } from '../support/tables';
import { systemClock } from '../../lambdas/adapters/system-clock';
import { serveHttp, type HttpApiHandler, type RunningHttpServer } from '../../lib/local/http';
import { LOCAL_OWNER, startLocalOidcProvider, type RunningOidcProvider } from '../../lib/local/oidc-provider';

let consoleServer: RunningHttpServer;
let provider: RunningOidcProvider;
let tables: TestTables;

beforeAll(async () => {
  // The console's URL is the client's redirect, and the provider's is the console's issuer: the
  // handler is made once both servers listen.
  const ref: { handler?: HttpApiHandler } = {};
  consoleServer = await serveHttp((e) => ref.handler!(e), { port: 0 });
  provider = await startLocalOidcProvider({ port: 0, consoleBaseUrl: consoleServer.url });
  const secret = randomBytes(32).toString('base64url');
  tables = await createTestTables('console');
  const env = { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries };
  ref.handler = makeConsoleHandler({
    desk: deskFromEnv(systemClock, env),
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

  const posted = await follow(jar, formAction(wrong.body, wrong.url), {
    method: 'POST',
    form: { email: LOCAL_OWNER.email, password: LOCAL_OWNER.password },
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
