/**
 * The local provider's second factor (lib/local/totp.ts): codes as authenticator apps make them
 * (RFC 6238's own test values), one step either side of now and no further, never the same step
 * twice, and the seeded owner's secret made once per data folder, readable by its owner only.
 */
import { afterAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNER_TOTP_FILE, ownerTotpSecret, readOwnerTotpSecret, SecondFactor, totpOf } from '../../lib/local/totp';

// RFC 6238, appendix B: the SHA-1 secret is the ASCII "12345678901234567890" (here in base32).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const ME = 'owner@briefing.test';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const at = (seconds: number) => new Date(seconds * 1000);
const factor = () => new SecondFactor(new Map([[ME, RFC_SECRET]]));

it("makes RFC 6238's SHA-1 codes, 6 digits (mistake: another hash, period or length than authenticator apps use)", () => {
  const totp = totpOf(ME, RFC_SECRET);
  // The RFC's 8-digit values 94287082, 07081804, 89005924, 69279037: an app shows their last 6 digits.
  expect([59, 1111111109, 1234567890, 2000000000].map((t) => totp.generate({ timestamp: t * 1000 }))).toEqual([
    '287082',
    '081804',
    '005924',
    '279037',
  ]);
  expect(factor().code(ME, at(59))).toBe('287082');
});

it('accepts the code of one step either side of now, not two (mistake: no window, or a wide one)', () => {
  const now = 1234567890; // step 41152263, 0 s into it
  const codeAt = (offset: number) => totpOf(ME, RFC_SECRET).generate({ timestamp: (now + offset) * 1000 });
  for (const offset of [-30, 0, 30]) expect(factor().check(ME, codeAt(offset), at(now))).toEqual({ ok: true });
  for (const offset of [-60, 60]) expect(factor().check(ME, codeAt(offset), at(now))).toEqual({ ok: false, reason: 'wrong' });
});

it('refuses a code used already, and an older one after a newer (mistake: a replay within the window)', () => {
  const f = factor();
  const now = 1234567890;
  const code = f.code(ME, at(now));
  expect(f.check(ME, code, at(now))).toEqual({ ok: true });
  expect(f.check(ME, code, at(now + 5))).toEqual({ ok: false, reason: 'replayed' });
  // The next step's code is new; after it, the previous step's (still inside the window) is not.
  expect(f.check(ME, f.code(ME, at(now + 30)), at(now + 30))).toEqual({ ok: true });
  expect(f.check(ME, f.code(ME, at(now)), at(now + 30))).toEqual({ ok: false, reason: 'replayed' });
});

it('refuses what is not 6 digits as such, and takes a code typed with a space as apps show it', () => {
  for (const input of ['', '28708', '2870821', 'abcdef', '28708x']) {
    expect(factor().check(ME, input, at(59))).toEqual({ ok: false, reason: 'malformed' });
  }
  expect(factor().check(ME, '287 082', at(59))).toEqual({ ok: true });
});

it('names an unknown account instead of checking its code against nothing', () => {
  expect(() => factor().check('someone@briefing.test', '287082', at(59))).toThrow('no second factor for someone@briefing.test');
});

it('gives the otpauth:// URI an authenticator app takes (SHA1, 6 digits, 30 s, the issuer and account)', () => {
  const uri = new URL(factor().uri(ME));
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.host).toBe('totp');
  expect(decodeURIComponent(uri.pathname)).toBe(`/Briefing (local):${ME}`);
  expect(Object.fromEntries(uri.searchParams)).toEqual({
    issuer: 'Briefing (local)',
    secret: RFC_SECRET,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
});

it("makes the seeded owner's secret once per data folder, mode 0600, and a new one without a folder (mistake: a new secret each start)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'totp-'));
  dirs.push(dir);
  expect(readOwnerTotpSecret(dir)).toBeUndefined();
  const first = ownerTotpSecret(dir);
  expect(first).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes in base32
  expect(ownerTotpSecret(dir)).toBe(first);
  expect(readOwnerTotpSecret(dir)).toBe(first);
  expect(statSync(join(dir, OWNER_TOTP_FILE)).mode & 0o777).toBe(0o600);
  expect(ownerTotpSecret()).not.toBe(ownerTotpSecret());
});
