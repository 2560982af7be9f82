/**
 * Signed link tokens (unsubscribe, preferences, confirm). Pure: node:crypto only.
 *
 * Format: `v1.<keyId>.<payload>.<signature>`, payload and signature base64url. The key id lets
 * the signing key be rotated: new links are signed with the current key while links already in
 * inboxes keep verifying with the older key, as long as it stays in the key set. Signatures are
 * compared in constant time. Tokens carry the subscriber id, never the address.
 *
 * Unsubscribe and preference tokens do not expire (links in old mail must keep working), but each
 * carries the reader's link version (`linkVersion` on the subscriber, 0 unless raised by
 * `subscribers revoke-links`): the use-cases refuse a token of an older version, so a reader's
 * links can be turned off at once without rotating the key for everyone. A confirmation token also
 * carries a random nonce (32 bytes) and an expiry (48 hours by default): the subscriber record
 * keeps only the SHA-256 of the nonce, so the token works once (the hash is removed on
 * confirmation), a re-sent confirmation replaces the previous one, and a leaked table holds nothing
 * that could confirm an address.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'unsubscribe' | 'preferences' | 'confirm';

/** How long a confirmation link works. */
export const CONFIRM_TOKEN_TTL_SECONDS = 48 * 60 * 60;

export interface SigningKeys {
  /** Key id used to sign new tokens. */
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

export type TokenCheck =
  | { ok: true; subscriberId: string; purpose: TokenPurpose; issuedAt: Date; nonce?: string; linkVersion: number }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'wrong-purpose' | 'expired' };

interface Payload {
  /** subscriber id */
  s: string;
  /** purpose */
  p: TokenPurpose;
  /** issued at, seconds */
  i: number;
  /** expires at, seconds (optional: unsubscribe links must keep working) */
  e?: number;
  /** random nonce, base64url (confirmation tokens); its hash is what the server stores */
  n?: string;
  /** the reader's link version when signed (absent: 0) */
  r?: number;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const MIN_KEY_BYTES = 32;

/**
 * Parse the key set as kept in Secrets Manager or the local key file:
 * `{"current":"k2","k1":"<secret>","k2":"<secret>"}`. Every key other than `current` is a key id.
 */
export function parseSigningKeys(json: string): SigningKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('token signing keys: not valid JSON');
  }
  if (!raw || typeof raw !== 'object') throw new Error('token signing keys: expected a JSON object');
  const { current, ...rest } = raw as Record<string, unknown>;
  const keys = new Map<string, Buffer>();
  for (const [id, secret] of Object.entries(rest)) {
    if (!KEY_ID.test(id)) throw new Error(`token signing keys: bad key id "${id}"`);
    if (typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_KEY_BYTES) {
      throw new Error(`token signing keys: key "${id}" must be a string of at least ${MIN_KEY_BYTES} bytes`);
    }
    keys.set(id, Buffer.from(secret, 'utf8'));
  }
  if (typeof current !== 'string' || !keys.has(current)) {
    throw new Error('token signing keys: "current" must name one of the keys');
  }
  return { current, keys };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

/**
 * A signed envelope: `<version>.<key id>.<payload>.<signature>`, the payload JSON in base64url
 * and the signature HMAC-SHA256 of everything before it with the current key. The version is
 * signed too, so a token of one kind never opens as another (link tokens are `v1`, click
 * tokens `c1`: core/click-token.ts).
 */
export function seal(keys: SigningKeys, version: string, payload: object): string {
  const signed = `${version}.${keys.current}.${b64url(JSON.stringify(payload))}`;
  return `${signed}.${b64url(mac(keys.keys.get(keys.current)!, signed))}`;
}

export type Unsealed = { ok: true; payload: unknown } | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' };

const shapes = new Map<string, RegExp>();
const shapeOf = (version: string, maxPayloadChars: number) => {
  const id = `${version}/${maxPayloadChars}`;
  let shape = shapes.get(id);
  if (!shape)
    shapes.set(
      id,
      (shape = new RegExp(`^${version}\\.([A-Za-z0-9_-]{1,16})\\.([A-Za-z0-9_-]{1,${maxPayloadChars}})\\.([A-Za-z0-9_-]{43})$`)),
    );
  return shape;
};

/** Open a {@link seal}ed token: its payload when the key is known and the signature holds (compared in constant time). */
export function unseal(keys: SigningKeys, version: string, token: string, maxPayloadChars: number): Unsealed {
  const m = shapeOf(version, maxPayloadChars).exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, kid, body, sig] = m;
  const key = keys.keys.get(kid);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const expected = mac(key, `${version}.${kid}.${body}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  try {
    return { ok: true, payload: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

export function signToken(
  keys: SigningKeys,
  input: { subscriberId: string; purpose: TokenPurpose; now: Date; ttlSeconds?: number; nonce?: string; linkVersion?: number },
): string {
  const iat = Math.floor(input.now.getTime() / 1000);
  const payload: Payload = { s: input.subscriberId, p: input.purpose, i: iat };
  if (input.ttlSeconds !== undefined) payload.e = iat + input.ttlSeconds;
  if (input.nonce !== undefined) payload.n = input.nonce;
  if (input.linkVersion) payload.r = input.linkVersion;
  return seal(keys, 'v1', payload);
}

export function verifyToken(keys: SigningKeys, token: unknown, purpose: TokenPurpose, now: Date): TokenCheck {
  if (typeof token !== 'string') return { ok: false, reason: 'malformed' };
  const opened = unseal(keys, 'v1', token, 512);
  if (!opened.ok) return opened;
  const payload = opened.payload as Payload;
  if (!payload || typeof payload !== 'object') return { ok: false, reason: 'malformed' };
  if (typeof payload.s !== 'string' || typeof payload.i !== 'number') return { ok: false, reason: 'malformed' };
  if (payload.p !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (payload.e !== undefined && now.getTime() / 1000 > payload.e) return { ok: false, reason: 'expired' };
  if (payload.n !== undefined && typeof payload.n !== 'string') return { ok: false, reason: 'malformed' };
  if (payload.r !== undefined && (!Number.isSafeInteger(payload.r) || payload.r < 0)) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    subscriberId: payload.s,
    purpose: payload.p,
    issuedAt: new Date(payload.i * 1000),
    nonce: payload.n,
    linkVersion: payload.r ?? 0,
  };
}

/** SHA-256 of a confirmation nonce, hex: the only form in which the server keeps it. */
export function nonceHash(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

/**
 * A new confirmation token: random nonce, signed, expiring. Returns the token (for the link
 * in the mail, never stored) and the hash to store with the subscriber.
 */
export function newConfirmToken(
  keys: SigningKeys,
  input: { subscriberId: string; now: Date; ttlSeconds?: number; linkVersion?: number },
): { token: string; hash: string; expiresAt: Date } {
  const nonce = randomBytes(32).toString('base64url');
  const ttl = input.ttlSeconds ?? CONFIRM_TOKEN_TTL_SECONDS;
  const token = signToken(keys, {
    subscriberId: input.subscriberId,
    purpose: 'confirm',
    now: input.now,
    ttlSeconds: ttl,
    nonce,
    linkVersion: input.linkVersion,
  });
  const expiresAt = new Date((Math.floor(input.now.getTime() / 1000) + ttl) * 1000);
  return { token, hash: nonceHash(nonce), expiresAt };
}

/** Constant-time comparison of two hex hashes of equal length. */
export function sameHash(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
