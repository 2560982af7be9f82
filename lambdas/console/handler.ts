/**
 * The editor's console under /admin: its own function (lib/constructs/console.ts), the same
 * handler locally (`npm start`, lib/local/runtime.ts). Every page needs a signed-in editor:
 *   GET  /admin/sign-in         to the provider's sign-in (code + PKCE; flow cookie, Lax)   sign-in.ts
 *   GET  /admin/callback        the code exchanged, the ID token checked, the session set; a
 *                               small page moves on to /admin/ (so the Strict cookie is sent)
 *   POST /admin/sign-out        CSRF checked; the session cleared, to the provider's sign-out
 *   /admin/api/…                JSON paths: 401 without a session
 *   everything else             the desk's pages and actions, by role: routes.ts
 * Without a valid session (none, changed, expired, or its ID token no longer valid) a page
 * redirects to sign-in. Every POST needs the session's CSRF token (form field `csrf`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeJwt } from 'jose';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { secretsProvider } from '../adapters/clients';
import type { Clock } from '../core/ports';
import { ENV } from '../core/function-env';
import { systemClock } from '../adapters/system-clock';
import { formOf, html, json, parseRequest, withSiteHeaders, type ApiRequest, type Result } from '../api/http';
import { messagePage, signedInPage } from './layout';
import { deskFromEnv, type Desk } from './desk';
import { dispatch } from './routes';
import { DynamoSessionStore } from '../adapters/dynamodb/console-sessions';
import { readEnv } from '../core/env';
import { documentClient } from '../wiring';
import { hasOwnPolicy } from './request';
import {
  cookieOf,
  FLOW_COOKIE,
  FLOW_SECONDS,
  newCsrfToken,
  newSessionId,
  openFlow,
  openSession,
  sealFlow,
  sealKey,
  sealSession,
  sealedSessions,
  SESSION_COOKIE,
  sessionSeconds,
  setCookie,
  type Session,
  type SessionStore,
} from './session';
import { idTokenVerifier, provider, type Editor, type SignInSettings, type Tokens } from './sign-in';

export interface ConsoleDeps {
  settings: SignInSettings;
  /** The session key's text (Secrets Manager on AWS, the data folder locally). */
  sessionSecret: () => Promise<string>;
  clock: Clock;
  /** What the pages read and change. */
  desk: Desk;
  /** The sessions kept on the server (their tokens); the cookie holds only the id. */
  sessions: SessionStore;
  /** The ID token check; by default against the issuer's published keys. */
  verify?: ReturnType<typeof idTokenVerifier>;
  /** The provider's side of the flow; by default openid-client against the issuer. */
  provider?: ReturnType<typeof provider>;
}

const found = (location: string, cookies: string[] = []): Result => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store' },
  cookies,
  body: '',
});

export function makeConsoleHandler(deps: ConsoleDeps) {
  const secure = deps.settings.baseUrl.startsWith('https://');
  const verify = deps.verify ?? idTokenVerifier(deps.settings);
  const oidc = deps.provider ?? provider(deps.settings);
  // Sign-out is a form that the console answers with a redirect to the provider's sign-out:
  // browsers hold that redirect to the form-action of the page, so the provider's origins are in it.
  const signOutOrigins = [deps.settings.issuer, deps.settings.logoutUrl].filter((u): u is string => !!u).map((u) => new URL(u).origin);
  const formAction = `form-action 'self' ${[...new Set(signOutOrigins)].join(' ')}`;
  // frame-src 'self': the message preview frames the console's own documents (request.ts framedDocument).
  // A page's scripts carry this answer's nonce (the editor's autosave is the only one); they may call the console only.
  const pageCsp = (nonce: string) =>
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; frame-src 'self'; ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
  const clear = (name: string) => setCookie(name, '', { secure, sameSite: name === FLOW_COOKIE ? 'Lax' : 'Strict', maxAge: 0 });
  let key: { secret: string; key: Uint8Array } | undefined;
  const sessionKey = async () => {
    const secret = await deps.sessionSecret();
    if (key?.secret !== secret) key = { secret, key: sealKey(secret) };
    return key.key;
  };
  const sessions = sealedSessions(deps.sessions, sessionKey);

  /**
   * The signed-in editor and their session, or undefined. An ID token that has expired is renewed
   * with the session's refresh token (the provider then says whether the editor is still in the
   * pool and in which group); any other failure, or a refused renewal, ends the session.
   */
  async function signedIn(cookies: string[], now: Date): Promise<{ editor: Editor; session: Session } | undefined> {
    const held = await openSession(await sessionKey(), cookieOf(cookies, SESSION_COOKIE), now);
    if (!held) return undefined;
    // Ended at sign-out, expired, or not this cookie's: no session, whatever the cookie says.
    const record = await sessions.get(held.sid, now);
    if (!record || record.started !== held.started) return undefined;
    const session: Session = { ...held, ...record };
    const check = await verify(session.idToken, now);
    if (check.ok) return { editor: check.editor, session };
    if (check.reason !== 'ERR_JWT_EXPIRED' || !session.refreshToken) return undefined;
    let tokens;
    try {
      tokens = await oidc.refresh(session.refreshToken);
    } catch (e) {
      logger.info('Console session not renewed: the provider refused the refresh token', { error: (e as Error).message });
      return undefined;
    }
    const renewed = await verify(tokens.idToken, now);
    // The sealed ID token was checked when it was sealed: the renewed one must be the same person's.
    if (!renewed.ok || renewed.editor.sub !== decodeJwt(session.idToken).sub) return undefined;
    // Kept at once: whatever this request answers, the next one has the renewed tokens.
    const refreshToken = tokens.refreshToken ?? session.refreshToken;
    try {
      await sessions.renew(session.sid, { idToken: tokens.idToken, refreshToken, started: session.started });
    } catch (e) {
      // Ended meanwhile (a sign-out in another tab): signed out, not an error page.
      logger.info('Console session not renewed: it ended meanwhile', { error: (e as Error).message });
      return undefined;
    }
    return { editor: renewed.editor, session: { ...session, idToken: tokens.idToken, refreshToken } };
  }

  /**
   * The session cookie sealed afresh: another 30 minutes from now, never past 8 hours from sign-in,
   * nor past an ID token that cannot be renewed.
   */
  async function sessionCookie(session: Session, editor: Editor, now: Date): Promise<{ cookie: string; until: Date }> {
    const tokenLeft = Math.floor((editor.expires.getTime() - now.getTime()) / 1000);
    const maxAge = session.refreshToken ? sessionSeconds(session, now) : Math.max(0, Math.min(sessionSeconds(session, now), tokenLeft));
    const sealed = await sealSession(await sessionKey(), session, now);
    return {
      cookie: setCookie(SESSION_COOKIE, sealed, { secure, sameSite: 'Strict', maxAge }),
      until: new Date(now.getTime() + maxAge * 1000),
    };
  }

  async function signIn(now: Date): Promise<Result> {
    const { url, flow } = await oidc.start();
    const sealed = await sealFlow(await sessionKey(), flow, now);
    return found(url, [setCookie(FLOW_COOKIE, sealed, { secure, sameSite: 'Lax', maxAge: FLOW_SECONDS })]);
  }

  async function callback(rawQuery: string, cookies: string[], now: Date): Promise<Result> {
    const flow = await openFlow(await sessionKey(), cookieOf(cookies, FLOW_COOKIE), now);
    const again = { href: '/admin/sign-in', text: 'Sign in again' };
    if (!flow) return html(400, messagePage('Sign-in expired', 'The sign-in took too long or began in another browser.', again), {});
    const callbackUrl = new URL(`${deps.settings.baseUrl}/admin/callback?${rawQuery}`);
    let tokens: Tokens;
    try {
      tokens = await oidc.finish(callbackUrl, flow);
    } catch (e) {
      logger.warn('Console sign-in refused at the callback', { error: (e as Error).message });
      return html(400, messagePage('Sign-in failed', 'The provider’s answer could not be used.', again));
    }
    const check = await verify(tokens.idToken, now, flow.nonce);
    if (!check.ok) {
      logger.warn('Console sign-in refused: ID token', { reason: check.reason });
      return html(403, messagePage('Not allowed', `This account cannot use the console (${check.reason}).`, again));
    }
    const session: Session = { ...tokens, sid: newSessionId(), csrf: newCsrfToken(), started: Math.floor(now.getTime() / 1000) };
    await sessions.create(session.sid, { idToken: session.idToken, refreshToken: session.refreshToken, started: session.started });
    const { cookie } = await sessionCookie(session, check.editor, now);
    await audit(check.editor, now, 'sign-in');
    return { ...html(200, signedInPage()), cookies: [cookie, clear(FLOW_COOKIE)] };
  }

  const audit = (editor: Editor, now: Date, action: 'sign-in' | 'sign-out') =>
    deps.desk.audit.record({ at: now.toISOString(), who: editor.email, role: editor.role, action });

  async function handle(req: ApiRequest, cookies: string[], rawQuery: string): Promise<Result> {
    const now = deps.clock.now();
    const path = req.path.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && path === '/admin/sign-in') return signIn(now);
    if (req.method === 'GET' && path === '/admin/callback') return callback(rawQuery, cookies, now);

    const who = await signedIn(cookies, now);
    if (!who) {
      if (path === '/admin/api' || path.startsWith('/admin/api/')) return json(401, { error: 'sign in first' });
      return req.method === 'GET' || req.method === 'HEAD'
        ? found('/admin/sign-in')
        : html(
            401,
            messagePage('Signed out', 'Your session ended, so this was not done. Sign in again, then go back and send it again.', {
              href: '/admin/sign-in',
              text: 'Sign in',
            }),
          );
    }
    if (req.method === 'POST') {
      const sent = req.isForm ? (formOf(req).get('csrf') ?? '') : (req.header('x-csrf-token') ?? '');
      if (!sameToken(sent, who.session.csrf))
        return html(403, messagePage('Refused', 'This form is out of date: reload the page and try again.'));
      if (path === '/admin/sign-out') {
        // Ended on the server first: any copy of the cookie is signed out from now on.
        await sessions.end(who.session.sid, now).catch((e: unknown) => {
          // The cookie is cleared all the same; the stored session expires with its 8 hours.
          logger.warn('Console sign-out: the session was not marked ended', { error: (e as Error).message });
        });
        await audit(who.editor, now, 'sign-out');
        if (who.session.refreshToken)
          await oidc.revoke(who.session.refreshToken).catch((e: unknown) => {
            logger.warn('Console sign-out: the refresh token was not revoked (it expires on its own)', { error: (e as Error).message });
          });
        return found(await oidc.signOutUrl(who.session.idToken), [clear(SESSION_COOKIE)]);
      }
    }
    const { cookie, until } = await sessionCookie(who.session, who.editor, now);
    const nonce = randomBytes(16).toString('base64url');
    const answer = await dispatch(deps.desk, req.method === 'HEAD' ? 'GET' : req.method, path, {
      editor: who.editor,
      csrf: who.session.csrf,
      nonce,
      // The session key and the session's id: the server alone can make it.
      secret: new Uint8Array(
        createHmac('sha256', await sessionKey())
          .update(`confirm\n${who.session.sid}`)
          .digest(),
      ),
      now,
      until,
      query: (name) => req.query(name),
      form: req.method === 'POST' && req.isForm ? formOf(req) : new URLSearchParams(),
    });
    if (answer) {
      const csp = hasOwnPolicy(answer) ? answer.headers!['content-security-policy'] : pageCsp(nonce);
      return {
        ...answer,
        headers: { ...answer.headers, 'content-security-policy': csp, 'cache-control': 'no-store' },
        cookies: [...(answer.cookies ?? []), cookie],
      };
    }
    return html(404, messagePage('Not found', 'No such page in the console.', { href: '/admin/', text: 'Home' }));
  }

  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const req = parseRequest(event);
    const cookies = event.cookies ?? (event.headers?.cookie ? [event.headers.cookie] : []);
    try {
      return withSiteHeaders(await handle(req, cookies, event.rawQueryString ?? ''));
    } catch (error) {
      logger.error('Console request failed', { requestId: req.requestId, routeKey: event.routeKey, error });
      return withSiteHeaders(html(500, messagePage('Something went wrong', 'Try again in a moment.')));
    }
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The console's settings and session key from its environment (set by lib/constructs/console.ts, or by npm start). */
export function consoleDepsFromEnv(): ConsoleDeps {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`Invalid console configuration: ${name} is not set`);
    return v;
  };
  const settings: SignInSettings = {
    issuer: need(ENV.consoleIssuer),
    clientId: need(ENV.consoleClientId),
    baseUrl: need(ENV.consoleBaseUrl).replace(/\/+$/, ''),
    logoutUrl: process.env[ENV.consoleLogoutUrl] || undefined,
  };
  const arn = process.env[ENV.consoleSessionSecretArn];
  const local = process.env[ENV.consoleSessionKey];
  if (!arn && !local)
    throw new Error(`Invalid console configuration: set ${ENV.consoleSessionSecretArn} (AWS) or ${ENV.consoleSessionKey} (local)`);
  const sessionSecret = arn
    ? async () => {
        const value = await secretsProvider().get(arn, { maxAge: 3600 });
        if (typeof value !== 'string') throw new Error('console session secret has no string value');
        return value;
      }
    : () => Promise.resolve(local as string);
  const sessions = new DynamoSessionStore(documentClient(), readEnv(['deliveriesTable']).deliveriesTable);
  return { settings, sessionSecret, clock: systemClock, desk: deskFromEnv(systemClock), sessions };
}

let fromEnv: ReturnType<typeof makeConsoleHandler> | undefined;
export const handler = withLambdaContext((event: APIGatewayProxyEventV2) => (fromEnv ??= makeConsoleHandler(consoleDepsFromEnv()))(event));
