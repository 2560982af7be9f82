/**
 * `npm start`'s OpenID Connect provider (`oidc-provider`), standing in for the Cognito user pool so
 * the console's sign-in is the same code on both sides: one seeded owner (email and password
 * below, named in the README), one public client like the stack's app client (authorization code
 * with PKCE required, redirect `<console base>/admin/callback`), and ID tokens signed RS256 that
 * carry the role as `cognito:groups`, as Cognito's do. Its keys are published at
 * `/.well-known/jwks.json`, where Cognito publishes a user pool's. Its signing key is kept in the
 * data folder, so a session survives a restart. As the user pool requires MFA with an
 * authenticator app, the sign-in asks, after the password, for the account's 6-digit code
 * (lib/local/totp.ts); 5 wrong codes in a row end the sign-in. Local only: never deployed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { MAX_WRONG_CODES, newTotpSecret, ownerTotpSecret, SecondFactor, TOTP_DIGITS } from './totp';

/** The seeded owner of `npm start` (README: "Console"). */
export const LOCAL_OWNER = { email: 'owner@briefing.test', password: 'briefing-owner', groups: ['owner'] } as const;
/** The local app client's id (the stack's comes from its app client). */
export const LOCAL_CLIENT_ID = 'briefing-console';

export interface LocalAccount {
  email: string;
  password: string;
  groups: readonly string[];
}

export interface LocalOidcOptions {
  port: number;
  /** The console's base URL: the client's redirect is `<base>/admin/callback`. */
  consoleBaseUrl: string;
  /** Where the signing key and the seeded owner's TOTP secret are kept (new ones each start when absent). */
  dataDir?: string;
  /** @default [LOCAL_OWNER] */
  accounts?: readonly LocalAccount[];
}

export interface RunningOidcProvider {
  issuer: string;
  clientId: string;
  /** The code an authenticator app shows for `email` (default: the seeded owner) at `at` (default: now). */
  currentCode(email?: string, at?: Date): string;
  /** The otpauth:// URI that adds `email` (default: the seeded owner) to an authenticator app. */
  otpauthUri(email?: string): string;
  close(): Promise<void>;
}

async function signingKey(dataDir?: string): Promise<JWK> {
  const file = dataDir && join(dataDir, 'console-oidc-key.json');
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  if (file && dataDir) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · Briefing (local)</title></head>
<body><main><h1>Sign in to the Briefing console</h1><p>Local sign-in (npm start), standing in for the Cognito login page.</p>
${body}</main></body></html>`;
const alert = (error?: string) => (error ? `<p role="alert">${esc(error)}</p>` : '');

const loginPage = (uid: string, error?: string) =>
  page(
    'Sign in',
    `${alert(error)}<form method="post" action="/interaction/${esc(uid)}/login">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username" required></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p></form>`,
  );

const codePage = (uid: string, email: string, error?: string) =>
  page(
    'Code',
    `${alert(error)}<form method="post" action="/interaction/${esc(uid)}/code">
<p>Signing in as ${esc(email)}. Enter the ${TOTP_DIGITS}-digit code your authenticator app shows for Briefing (local)
(or run <code>npm run cli -- editors code</code>).</p>
<p><label for="code">Code</label><br><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required></p>
<p><button type="submit">Verify</button></p></form>`,
  );

const endedPage = (message: string, restart: string) =>
  page('Sign-in ended', `<p role="alert">${esc(message)}</p><p><a href="${esc(restart)}">Sign in again</a></p>`);

const CODE_ERRORS = {
  malformed: `The code is ${TOTP_DIGITS} digits, as your authenticator app shows it.`,
  wrong: 'Wrong code: check that your authenticator app shows Briefing (local) for this account, and that its clock is right.',
  replayed: 'That code was used already: wait for the next one in your authenticator app.',
} as const;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startLocalOidcProvider(options: LocalOidcOptions): Promise<RunningOidcProvider> {
  const accounts = options.accounts ?? [LOCAL_OWNER];
  const bySub = new Map(accounts.map((a) => [a.email.toLowerCase(), a]));
  // The seeded owner's secret is kept in the data folder; another account's is new each start.
  const owner = LOCAL_OWNER.email.toLowerCase();
  const factor = new SecondFactor(
    new Map([...bySub.keys()].map((sub) => [sub, sub === owner ? ownerTotpSecret(options.dataDir) : newTotpSecret()])),
  );
  // Sign-ins past the password, by interaction: whose, and how many wrong codes in a row.
  const pending = new Map<string, { sub: string; wrong: number; expires: number }>();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const base = options.consoleBaseUrl.replace(/\/+$/, '');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${base}/admin/callback`],
        post_logout_redirect_uris: [`${base}/admin/`],
      },
    ],
    pkce: { required: () => true },
    // Seconds, as the stack's app client sets them (lib/constructs/editors.ts): ID and access tokens
    // 30 minutes, the refresh token 8 hours.
    ttl: {
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      AccessToken: 1800,
      AuthorizationCode: 60,
      IdToken: 1800,
      RefreshToken: 8 * 3600,
    },
    // As Cognito does for the code flow: a refresh token with every sign-in (no offline_access scope asked).
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    jwks: { keys: [await signingKey(options.dataDir)] },
    routes: { jwks: '/.well-known/jwks.json' },
    // The claims go into the ID token itself, as Cognito puts them there.
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'cognito:groups'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email', 'profile'],
    features: {
      devInteractions: { enabled: false },
      // Its own page for the sign-out question (the library's default has no lang and low-contrast buttons).
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = page(
            'Sign out',
            `${form}<p>Sign out of the local sign-in too?</p><p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
          );
          return Promise.resolve();
        },
      },
      revocation: { enabled: true },
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: account.email, email_verified: true, 'cognito:groups': [...account.groups] }),
      };
    },
    // The console is this provider's only client, first-party: no consent screen (as Cognito has none).
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const oidc = ctx.oidc;
      const clientId = oidc.client!.clientId;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      oidc.session!.ensureClientContainer(clientId);
      oidc.session!.grantIdFor(clientId, grant.jti);
      return grant;
    },
  });
  const callback = provider.callback();

  const restart = `${base}/admin/sign-in`;

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action?: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const answer = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    const now = Date.now();
    for (const [key, p] of pending) if (p.expires <= now) pending.delete(key);
    const passed = pending.get(uid);
    if (req.method === 'GET') return answer(200, passed ? codePage(uid, passed.sub) : loginPage(uid));
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const account = bySub.get(email);
      if (!account || account.password !== form.get('password')) return answer(401, loginPage(uid, 'Wrong email or password.'));
      // The password alone signs no one in: the code comes next, in the same interaction. The
      // password given again keeps the count of wrong codes (no fresh tries that way).
      pending.set(uid, { sub: email, wrong: passed?.wrong ?? 0, expires: details.exp * 1000 });
      return answer(200, codePage(uid, email));
    }
    if (req.method === 'POST' && action === 'code') {
      const form = await readForm(req);
      if (!passed) return answer(400, loginPage(uid, 'Enter your email and password first.'));
      const check = factor.check(passed.sub, form.get('code') ?? '');
      if (!check.ok) {
        passed.wrong += 1;
        if (passed.wrong >= MAX_WRONG_CODES) {
          pending.delete(uid);
          await details.destroy();
          return answer(403, endedPage(`${MAX_WRONG_CODES} wrong codes in a row: this sign-in is ended. Start again.`, restart));
        }
        const left = MAX_WRONG_CODES - passed.wrong;
        return answer(401, codePage(uid, passed.sub, `${CODE_ERRORS[check.reason]} ${left} ${left === 1 ? 'try' : 'tries'} left.`));
      }
      pending.delete(uid);
      const login = { accountId: passed.sub, amr: ['pwd', 'otp'] };
      await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      return;
    }
    answer(405, 'Method not allowed');
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/interaction\/([\w-]+)(?:\/(login|code))?$/.exec((req.url ?? '').split('?')[0]);
    if (!m) return void callback(req, res);
    interaction(req, res, m[1], m[2]).catch((e: unknown) => {
      // An ended or expired sign-in (oidc-provider's SessionNotFound and the like): start again.
      const why = (e as { error_description?: string }).error_description ?? (e as Error).message;
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(endedPage(`Sign-in failed: ${why}.`, restart));
    });
  });

  return {
    issuer,
    clientId: LOCAL_CLIENT_ID,
    currentCode: (email = owner, at) => factor.code(email.toLowerCase(), at),
    otpauthUri: (email = owner) => factor.uri(email.toLowerCase()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
