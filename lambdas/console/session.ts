/**
 * The console's cookies: the sign-in flow's state (state, nonce, PKCE verifier) and the session
 * (its id and CSRF token; the tokens are kept on the server, {@link SessionStore}), each sealed
 * with the session key (JWE, `dir` + A256GCM: encrypted and authenticated, so a
 * changed byte fails to open), each with its own life. Pure: no I/O.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

/**
 * A session ends after 30 minutes without a request (each answer seals it afresh for another 30),
 * and 8 hours after sign-in whatever happens (the app client's refresh token lives as long): then
 * the editor signs in again, usually one click while the provider's own session lasts. Within
 * that, an ID token that expires (30 minutes on AWS) is renewed with the refresh token, so a
 * removed editor or a changed role takes effect at the next renewal.
 */
export const SESSION_SECONDS = 30 * 60;
export const SESSION_MAX_SECONDS = 8 * 60 * 60;
/** The sign-in flow must come back from the provider within 10 minutes. */
export const FLOW_SECONDS = 10 * 60;

export const SESSION_COOKIE = 'briefing_console';
export const FLOW_COOKIE = 'briefing_console_flow';

/**
 * What the session cookie holds: the session's id, the CSRF token bound to it, and when the
 * editor signed in. The tokens stay on the server ({@link SessionStore}): with Cognito's ID and
 * refresh tokens a cookie would pass browsers' 4 KB limit, and a session that exists only in a
 * cookie outlives its sign-out in any copy of the cookie.
 */
export interface SessionCookie {
  sid: string;
  csrf: string;
  /** When the editor signed in (epoch seconds): the session ends {@link SESSION_MAX_SECONDS} after. */
  started: number;
}

/** What the server keeps of a session: the provider's ID token (checked on every request) and the refresh token. */
export interface SessionRecord {
  idToken: string;
  /** Renews the ID token when it expires; absent when the provider gave none. */
  refreshToken?: string;
  started: number;
}

export type Session = SessionCookie & SessionRecord;

/**
 * The sessions kept on the server (the Deliveries table on AWS and locally: console-sessions.ts).
 * A session ended at sign-out is gone for every copy of its cookie; each expires with its 8 hours.
 */
export interface SessionStore {
  create(sid: string, record: SessionRecord): Promise<void>;
  /** The live session, or undefined when unknown, ended or past its 8 hours. */
  get(sid: string, now: Date): Promise<SessionRecord | undefined>;
  /** The renewed tokens (an expired ID token renewed with the refresh token); `started`: the session's, for the seal. */
  renew(sid: string, tokens: { idToken: string; refreshToken?: string; started?: number }): Promise<void>;
  end(sid: string, now: Date): Promise<void>;
}

export const newSessionId = () => randomBytes(24).toString('base64url');

/**
 * The store with the tokens sealed at rest by the session key (the same JWE as the cookies): the
 * Deliveries table is read by other functions' roles, and a token there must be no use to them.
 * A record that does not open (changed, another key) is no session.
 */
export function sealedSessions(store: SessionStore, key: () => Promise<Uint8Array>): SessionStore {
  // Sealed with the session's id and start: tokens copied into another session's item do not open there.
  const sealTokens = async (sid: string, t: { idToken: string; refreshToken?: string }, started: number, at: number) =>
    seal(
      await key(),
      'tokens',
      { s: sid, t: started, i: t.idToken, ...(t.refreshToken && { r: t.refreshToken }) },
      SESSION_MAX_SECONDS,
      new Date(at * 1000),
    );
  return {
    create: async (sid, r) => store.create(sid, { idToken: await sealTokens(sid, r, r.started, r.started), started: r.started }),
    get: async (sid, now) => {
      const r = await store.get(sid, now);
      const p = r && (await open(await key(), 'tokens', r.idToken, now));
      if (!r || !p || p.s !== sid || p.t !== r.started || typeof p.i !== 'string') return undefined;
      return { idToken: p.i, started: r.started, ...(typeof p.r === 'string' && { refreshToken: p.r }) };
    },
    // Sealed for 8 hours from now: the session's own 8 hours (from `started`) end it first.
    renew: async (sid, t) => {
      if (t.started === undefined) throw new Error('a sealed session is renewed with its start');
      await store.renew(sid, { idToken: await sealTokens(sid, t, t.started, Math.floor(Date.now() / 1000)) });
    },
    end: (sid, now) => store.end(sid, now),
  };
}

/** Seconds the session cookie may live from `now`: idle time, never past the 8-hour limit. */
export const sessionSeconds = (s: Pick<Session, 'started'>, now: Date) =>
  Math.max(0, Math.min(SESSION_SECONDS, s.started + SESSION_MAX_SECONDS - Math.floor(now.getTime() / 1000)));

/** What the sign-in flow keeps between the redirect to the provider and the callback. */
export interface Flow {
  state: string;
  nonce: string;
  verifier: string;
}

/** The 32-byte key of the seals, from the secret's text (any length). */
export const sealKey = (secret: string): Uint8Array => new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());

export const newCsrfToken = () => randomBytes(32).toString('base64url');

async function seal(key: Uint8Array, kind: string, value: object, seconds: number, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new EncryptJWT({ ...value, kind })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + seconds)
    .encrypt(key);
}

/** The sealed value, or undefined when it is missing, changed, sealed with another key, of another kind, or expired. */
async function open(key: Uint8Array, kind: string, sealed: string | undefined, now: Date): Promise<Record<string, unknown> | undefined> {
  if (!sealed) return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, key, { currentDate: now });
    return payload.kind === kind ? payload : undefined;
  } catch {
    return undefined;
  }
}

export const sealSession = (key: Uint8Array, s: SessionCookie, now: Date) =>
  seal(key, 'session', { sid: s.sid, csrf: s.csrf, started: s.started }, sessionSeconds(s, now), now);
export const sealFlow = (key: Uint8Array, f: Flow, now: Date) => seal(key, 'flow', f, FLOW_SECONDS, now);

export async function openSession(key: Uint8Array, sealed: string | undefined, now: Date): Promise<SessionCookie | undefined> {
  const p = await open(key, 'session', sealed, now);
  if (!p || typeof p.sid !== 'string' || typeof p.csrf !== 'string' || typeof p.started !== 'number') return undefined;
  if (sessionSeconds({ started: p.started }, now) <= 0) return undefined;
  return { sid: p.sid, csrf: p.csrf, started: p.started };
}

export async function openFlow(key: Uint8Array, sealed: string | undefined, now: Date): Promise<Flow | undefined> {
  const p = await open(key, 'flow', sealed, now);
  return p && typeof p.state === 'string' && typeof p.nonce === 'string' && typeof p.verifier === 'string'
    ? { state: p.state, nonce: p.nonce, verifier: p.verifier }
    : undefined;
}

/** The value of cookie `name` in a Cookie header (API Gateway v2 also passes them as `cookies`). */
export function cookieOf(cookies: readonly string[], name: string): string | undefined {
  for (const part of cookies.flatMap((c) => c.split(';'))) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A Set-Cookie value under /admin, HttpOnly; Secure when the console is served over https. The
 * session is SameSite=Strict; the flow is Lax, since the provider's redirect back to the callback
 * is a cross-site top-level GET, on which a Strict cookie is not sent.
 */
export function setCookie(name: string, value: string, o: { secure: boolean; sameSite: 'Strict' | 'Lax'; maxAge: number }): string {
  return [
    `${name}=${value}`,
    'Path=/admin',
    'HttpOnly',
    `SameSite=${o.sameSite}`,
    `Max-Age=${o.maxAge}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}
