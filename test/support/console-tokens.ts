/**
 * A provider's side of the console's sign-in for tests of the handler: an RS256 key pair whose
 * public half the handler's ID token check trusts (jose's local key set), ID tokens signed with
 * it (or with another key), and sealed session cookies, as the callback would set them. The
 * provider's redirects are stubbed: the flow itself runs against the real local provider in
 * test/integration/console-sign-in.test.ts.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { makeConsoleHandler, type ConsoleDeps } from '../../lambdas/console/handler';
import {
  newSessionId,
  sealKey,
  sealSession,
  sealedSessions,
  SESSION_COOKIE,
  SESSION_MAX_SECONDS,
  type Session,
  type SessionRecord,
  type SessionStore,
} from '../../lambdas/console/session';
import { idTokenVerifier, type Tokens } from '../../lambdas/console/sign-in';
import { TEST_KEYS } from './pipeline';

export const TEST_SETTINGS = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test',
  clientId: 'console-client',
  baseUrl: 'https://api.example.org',
};
const SECRET = 'session-secret-for-tests';

/** The sender's settings a desk composes its preview and test sends with (the function's environment on AWS). */
export const DESK_MAIL_ENV = {
  SENDER_EMAIL: 'brief@news.example.com',
  SENDER_NAME: 'EU–Japan Security Brief',
  PUBLIC_BASE_URL: 'https://brief.example.org',
  ORGANISATION_NAME: 'Sample Publishers',
  POSTAL_ADDRESS: '1 Sample Street, 1000 Brussels, Belgium',
  CLICK_TRACKING: 'aggregate',
  TOKEN_KEYS: TEST_KEYS,
};

export interface TestSignIn {
  handler: ReturnType<typeof makeConsoleHandler>;
  /** An ID token from the provider's key (or `key`), issued a minute before `now`. */
  idToken(o?: { key?: CryptoKey; aud?: string; exp?: number; payload?: JWTPayload }): Promise<string>;
  /** A session cookie holding `token` and the CSRF token `csrf` (begun a minute before `now`, unless `extra` says). */
  cookieFor(token: string, csrf?: string, extra?: Partial<Session>): Promise<string>;
  /** A session cookie of `email` in `groups`, with the CSRF token `csrf` (and the subject `sub`, else `user-1`). */
  as(groups: string[], csrf?: string, email?: string, sub?: string): Promise<string>;
  /** A key the provider does not publish. */
  otherKey: CryptoKey;
  sessionKey: Uint8Array;
  /** Refresh tokens the handler revoked (at sign-out). */
  revoked: string[];
  /** The sessions the handler keeps (in memory, unless the test gave a store). */
  sessions: SessionStore;
}

/** Sessions in memory, as the Deliveries table keeps them (adapters/dynamodb/console-sessions.ts). */
export class MemorySessionStore implements SessionStore {
  readonly items = new Map<string, SessionRecord & { ended?: boolean }>();
  create(sid: string, r: SessionRecord) {
    if (this.items.has(sid)) return Promise.reject(new Error(`session ${sid} exists`));
    this.items.set(sid, { ...r });
    return Promise.resolve();
  }
  get(sid: string, now: Date) {
    const r = this.items.get(sid);
    const live = r && !r.ended && r.started + SESSION_MAX_SECONDS > Math.floor(now.getTime() / 1000);
    return Promise.resolve(
      live ? { idToken: r.idToken, started: r.started, ...(r.refreshToken && { refreshToken: r.refreshToken }) } : undefined,
    );
  }
  renew(sid: string, t: { idToken: string; refreshToken?: string }) {
    const r = this.items.get(sid);
    if (!r || r.ended) return Promise.reject(new Error('ended'));
    this.items.set(sid, { ...r, idToken: t.idToken, ...(t.refreshToken && { refreshToken: t.refreshToken }) });
    return Promise.resolve();
  }
  end(sid: string) {
    const r = this.items.get(sid);
    if (r) this.items.set(sid, { started: r.started, idToken: '', ended: true });
    return Promise.resolve();
  }
}

export async function testSignIn(
  deps: Pick<ConsoleDeps, 'desk' | 'clock'> & { refresh?: (refreshToken: string) => Promise<Tokens>; sessions?: SessionStore },
  now: Date,
): Promise<TestSignIn> {
  const revoked: string[] = [];
  const sessions = deps.sessions ?? new MemorySessionStore();
  const pair = await generateKeyPair('RS256', { extractable: true });
  const otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
  const handler = makeConsoleHandler({
    ...deps,
    sessions,
    settings: TEST_SETTINGS,
    sessionSecret: () => Promise.resolve(SECRET),
    verify: idTokenVerifier(TEST_SETTINGS, jwks),
    provider: {
      start: () => Promise.resolve({ url: 'https://login.example/authorize', flow: { state: 's', nonce: 'n', verifier: 'v' } }),
      finish: () => Promise.reject(new Error('not used')),
      refresh: (refreshToken) => (deps.refresh ? deps.refresh(refreshToken) : Promise.reject(new Error('refresh token refused'))),
      revoke: (refreshToken) => {
        revoked.push(refreshToken);
        return Promise.resolve();
      },
      signOutUrl: () => Promise.resolve('https://login.example/logout'),
    },
  });
  const sessionKey = sealKey(SECRET);
  const iat = Math.floor(now.getTime() / 1000) - 60;
  const idToken: TestSignIn['idToken'] = (o = {}) => {
    // As the user pool issues them: the address verified (an invited editor's always is).
    const payload = { email_verified: true, ...(o.payload ?? { email: 'ed@example.org', 'cognito:groups': ['owner'] }) };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(TEST_SETTINGS.issuer)
      .setSubject(payload.sub ?? 'user-1')
      .setAudience(o.aud ?? TEST_SETTINGS.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(o.exp ?? iat + 3600)
      .sign(o.key ?? pair.privateKey);
  };
  // As the callback makes one: the tokens kept in the store, the cookie holding the id.
  const cookieFor = async (token: string, csrf = 'csrf-token-1', extra: Partial<Session> = {}) => {
    const session: Session = { idToken: token, sid: newSessionId(), csrf, started: Math.floor(now.getTime() / 1000) - 60, ...extra };
    // Through the same sealing as the handler's (the tokens are sealed at rest).
    await sealedSessions(sessions, () => Promise.resolve(sessionKey)).create(session.sid, {
      idToken: session.idToken,
      refreshToken: session.refreshToken,
      started: session.started,
    });
    return `${SESSION_COOKIE}=${await sealSession(sessionKey, session, now)}`;
  };
  const as = async (groups: string[], csrf = 'tok', email = 'ed@example.org', sub?: string) =>
    cookieFor(await idToken({ payload: { email, 'cognito:groups': groups, ...(sub && { sub }) } }), csrf);
  return { handler, idToken, cookieFor, as, otherKey, sessionKey, revoked, sessions };
}

/** A browser's request to the console as API Gateway (HTTP API, v2) hands it to the function. */
export function consoleEvent(method: string, path: string, cookie?: string, body?: string, query = ''): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    queryStringParameters: Object.fromEntries(new URLSearchParams(query)),
    headers: body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    ...(cookie && { cookies: [cookie] }),
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r1' },
  } as unknown as APIGatewayProxyEventV2;
}

export type ConsoleAnswer = Awaited<ReturnType<TestSignIn['handler']>>;

/** GET and POST (a form, as fields or as its encoded text) through the handler `signIn()` made. */
export function consoleRequests(signIn: () => TestSignIn) {
  return {
    get: (path: string, cookie: string, query = ''): Promise<ConsoleAnswer> =>
      signIn().handler(consoleEvent('GET', path, cookie, undefined, query)),
    post: (path: string, cookie: string, form: Record<string, string> | string, query = ''): Promise<ConsoleAnswer> =>
      signIn().handler(consoleEvent('POST', path, cookie, typeof form === 'string' ? form : new URLSearchParams(form).toString(), query)),
  };
}
