/**
 * The local provider's second factor (lib/local/oidc-provider.ts), as the Cognito user pool asks
 * for one on AWS (MFA required, an authenticator app): time-based one-time codes, RFC 6238 with
 * the settings every authenticator app uses (6 digits, 30-second steps, HMAC-SHA-1), computed by
 * the `otpauth` library. A code is accepted one step either side of now (a clock a little off,
 * a code typed as it changes), never twice: the last step used by each account is remembered,
 * and a code of that step or an earlier one is refused. The seeded owner's secret is made once
 * per data folder and kept there (`console-owner-totp`, mode 0600), like the other local secrets,
 * so an authenticator app set up once keeps working. Local only: never deployed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';

/** Seconds per step, digits, and one step either side of now. */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW = 1;
/** Wrong codes in a row after which the sign-in is ended and must start again. */
export const MAX_WRONG_CODES = 5;
/** The issuer an authenticator app shows beside the account. */
export const TOTP_ISSUER = 'Briefing (local)';
/** The seeded owner's secret (base32), in the data folder. */
export const OWNER_TOTP_FILE = 'console-owner-totp';

/** The TOTP generator of `account` with `secret` (base32): the settings of authenticator apps. */
export function totpOf(account: string, secret: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: account,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommended length), in base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/** The seeded owner's secret kept in `dataDir`, or undefined when none was made there yet. */
export function readOwnerTotpSecret(dataDir: string): string | undefined {
  const file = join(dataDir, OWNER_TOTP_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** The seeded owner's secret: made once per data folder and kept there; without one, new each call. */
export function ownerTotpSecret(dataDir?: string): string {
  const kept = dataDir && readOwnerTotpSecret(dataDir);
  if (kept) return kept;
  const secret = newTotpSecret();
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, OWNER_TOTP_FILE), secret, { mode: 0o600 });
  }
  return secret;
}

export type CodeCheck = { ok: true } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' };

/**
 * The codes of a set of accounts (email → base32 secret), checked against `now`: a code of
 * 6 digits (spaces ignored, as apps show "123 456"), within one step of now, of a step later
 * than the last one this account used.
 */
export class SecondFactor {
  private readonly totps = new Map<string, TOTP>();
  private readonly lastStep = new Map<string, number>();

  constructor(secrets: ReadonlyMap<string, string>) {
    for (const [account, secret] of secrets) this.totps.set(account, totpOf(account, secret));
  }

  private totp(account: string): TOTP {
    const totp = this.totps.get(account);
    if (!totp) throw new Error(`no second factor for ${account}`);
    return totp;
  }

  /** The code an authenticator app shows for `account` at `at`. */
  code(account: string, at: Date = new Date()): string {
    return this.totp(account).generate({ timestamp: at.getTime() });
  }

  /** The otpauth:// URI to add `account` to an authenticator app (its QR code carries the same). */
  uri(account: string): string {
    return this.totp(account).toString();
  }

  /** Checks `input` for `account` at `now`; an accepted code's step is remembered (never accepted again). */
  check(account: string, input: string, now: Date = new Date()): CodeCheck {
    const token = input.replace(/\s+/g, '');
    if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(token)) return { ok: false, reason: 'malformed' };
    const totp = this.totp(account);
    const delta = totp.validate({ token, timestamp: now.getTime(), window: TOTP_WINDOW });
    if (delta === null) return { ok: false, reason: 'wrong' };
    const step = totp.counter({ timestamp: now.getTime() }) + delta;
    if (step <= (this.lastStep.get(account) ?? -1)) return { ok: false, reason: 'replayed' };
    this.lastStep.set(account, step);
    return { ok: true };
  }
}
