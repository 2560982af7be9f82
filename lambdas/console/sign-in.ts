/**
 * OpenID Connect for the console, the same code against both providers: the Cognito user pool on
 * AWS, the local provider (lib/local/oidc-provider.ts) here. `openid-client` runs the authorization
 * code flow with PKCE; `jose` checks the ID token on every request (issuer, audience = the app
 * client, RS256 only, a few seconds of clock tolerance) against the issuer's published keys.
 * The role is read from the token's `cognito:groups`, as Cognito writes it (the local provider too).
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import type { Flow } from './session';

export const ROLES = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is signed in. */
export interface Editor {
  sub: string;
  email: string;
  role: Role;
  /** When the ID token expires (the session ends then at the latest). */
  expires: Date;
}

/** What the provider's token endpoint gave. */
export interface Tokens {
  idToken: string;
  refreshToken?: string;
}

export interface SignInSettings {
  issuer: string;
  clientId: string;
  /** The console's base URL (no trailing slash); it is served under `<base>/admin`. */
  baseUrl: string;
  /** The user pool's managed login `/logout` (sign-out adds `client_id` and `logout_uri`); absent: discovery's end-session endpoint. */
  logoutUrl?: string;
}

/** Seconds of clock difference accepted between the provider and this function. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** The highest role among the token's groups (owner > editor > viewer), or undefined for none of them. */
export function roleOf(payload: JWTPayload): Role | undefined {
  const groups = payload['cognito:groups'];
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
  return ROLES.find((r) => list.includes(r));
}

export type TokenCheck = { ok: true; editor: Editor } | { ok: false; reason: string };

/** A verifier of ID tokens for `settings`: the issuer's keys (fetched once, refreshed by jose on an unknown key id). */
export function idTokenVerifier(settings: SignInSettings, keys?: Parameters<typeof jwtVerify>[1]) {
  const jwks = keys ?? createRemoteJWKSet(new URL(`${settings.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`));
  return async (token: string, now: Date, nonce?: string): Promise<TokenCheck> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks as Parameters<typeof jwtVerify>[1] & Uint8Array, {
        issuer: settings.issuer,
        audience: settings.clientId,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: now,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (e) {
      return { ok: false, reason: (e as { code?: string }).code ?? 'invalid token' };
    }
    if (nonce !== undefined && payload.nonce !== nonce) return { ok: false, reason: 'nonce mismatch' };
    const role = roleOf(payload);
    if (!role) return { ok: false, reason: 'no role: the user is in none of the groups owner, editor, viewer' };
    // The address is who the audit log names and where "send to me" goes: only one the pool verified
    // (a changed address counts only once verified: lib/constructs/editors.ts keepOriginal).
    if (typeof payload.email !== 'string' || (payload.email_verified !== true && payload.email_verified !== 'true'))
      return { ok: false, reason: 'no verified email address in the token' };
    const email = payload.email;
    return { ok: true, editor: { sub: String(payload.sub), email, role, expires: new Date((payload.exp ?? 0) * 1000) } };
  };
}

/** Seconds a call to the provider may take (openid-client's default is 30, the whole request's budget). */
export const PROVIDER_TIMEOUT_SECONDS = 5;

/** The provider's configuration (discovery), fetched once per function instance. */
export function provider(settings: SignInSettings) {
  let config: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    (config ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        oidc.None(),
        // Plain http only for a provider on this machine (npm start's); Cognito is https. Every call
        // to the provider (discovery, token, refresh, revoke) gives up after PROVIDER_TIMEOUT_SECONDS,
        // well inside the function's and API Gateway's 30 s.
        {
          timeout: PROVIDER_TIMEOUT_SECONDS,
          ...(isLoopbackHttp(settings.issuer) && { execute: [oidc.allowInsecureRequests] }),
        },
      )
      .catch((e: unknown) => {
        config = undefined;
        throw e;
      }));
  const redirectUri = `${settings.baseUrl}/admin/callback`;

  return {
    /** Where to send the browser to sign in, and the flow state to keep in the flow cookie. */
    async start(): Promise<{ url: string; flow: Flow }> {
      const flow: Flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(await discover(), {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, flow };
    },
    /** The code exchanged for tokens (state, nonce and PKCE checked by openid-client): the ID token, and the refresh token if any. */
    async finish(callbackUrl: URL, flow: Flow): Promise<Tokens> {
      const tokens = await oidc.authorizationCodeGrant(await discover(), callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      if (!tokens.id_token) throw new Error('the provider returned no ID token');
      return { idToken: tokens.id_token, refreshToken: tokens.refresh_token };
    },
    /** A new ID token for the refresh token (and a new refresh token if the provider rotates them). */
    async refresh(refreshToken: string): Promise<Tokens> {
      const tokens = await oidc.refreshTokenGrant(await discover(), refreshToken);
      if (!tokens.id_token) throw new Error('the provider returned no ID token');
      return { idToken: tokens.id_token, refreshToken: tokens.refresh_token ?? refreshToken };
    },
    /** Revoke the refresh token at sign-out (if the provider has a revocation endpoint). Best effort: the cookie is cleared anyway. */
    async revoke(refreshToken: string): Promise<void> {
      const config = await discover();
      if (config.serverMetadata().revocation_endpoint)
        await oidc.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
    },
    /**
     * Where sign-out sends the browser: the provider's end of session, back to the console. With
     * a logout URL (the user pool's managed login: `<domain>/logout`), Cognito's own form —
     * `client_id` and `logout_uri` — which is not the end-session form its discovery names.
     */
    async signOutUrl(idToken?: string): Promise<string> {
      const back = `${settings.baseUrl}/admin/`;
      if (settings.logoutUrl) {
        const url = new URL(settings.logoutUrl);
        url.searchParams.set('client_id', settings.clientId);
        url.searchParams.set('logout_uri', back);
        return url.href;
      }
      const config = await discover();
      if (config.serverMetadata().end_session_endpoint) {
        return oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: back, ...(idToken && { id_token_hint: idToken }) }).href;
      }
      return back;
    },
  };
}

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}
