import { expect } from '@jest/globals';
import { parseSigningKeys, signToken, verifyToken } from '../../lambdas/core/tokens';

const k1 = 'a'.repeat(40);
const k2 = 'b'.repeat(40);
const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1 }));
const now = new Date('2026-11-28T10:00:00Z');

describe('signed link tokens', () => {
  it('verifies a token it signed and returns the subscriber id', () => {
    const t = signToken(keys, { subscriberId: 'sub-1', purpose: 'unsubscribe', now });
    expect(verifyToken(keys, t, 'unsubscribe', now)).toMatchObject({ ok: true, subscriberId: 'sub-1' });
  });

  it('refuses a forged token: payload changed to another subscriber, signature kept', () => {
    const t = signToken(keys, { subscriberId: 'sub-1', purpose: 'unsubscribe', now });
    const [v, kid, , sig] = t.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ s: 'sub-2', p: 'unsubscribe', i: 1 })).toString('base64url');
    expect(verifyToken(keys, `${v}.${kid}.${forgedBody}.${sig}`, 'unsubscribe', now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a token signed with a key it does not hold (attacker-made key under a known id)', () => {
    const attacker = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'z'.repeat(40) }));
    const t = signToken(attacker, { subscriberId: 'sub-1', purpose: 'unsubscribe', now });
    expect(verifyToken(keys, t, 'unsubscribe', now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-token'],
    ['truncated signature', signToken(keys, { subscriberId: 's', purpose: 'unsubscribe', now }).slice(0, -3)],
    ['not a string', 42],
    ['header injection', 'v1.k1.abc\r\nBcc: x@example.com.sig'],
  ])('refuses a garbled token (%s) as malformed', (_name, token) => {
    expect(verifyToken(keys, token, 'unsubscribe', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a preferences token used to unsubscribe (wrong purpose)', () => {
    const t = signToken(keys, { subscriberId: 'sub-1', purpose: 'preferences', now });
    expect(verifyToken(keys, t, 'unsubscribe', now)).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('refuses an expired token', () => {
    const t = signToken(keys, { subscriberId: 'sub-1', purpose: 'preferences', now, ttlSeconds: 60 });
    expect(verifyToken(keys, t, 'preferences', new Date(now.getTime() + 61_000))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyToken(keys, t, 'preferences', new Date(now.getTime() + 59_000)).ok).toBe(true);
  });

  it('keeps old links working after the key is rotated, and signs new ones with the new key', () => {
    const old = signToken(keys, { subscriberId: 'sub-1', purpose: 'unsubscribe', now });
    const rotated = parseSigningKeys(JSON.stringify({ current: 'k2', k1, k2 }));
    expect(verifyToken(rotated, old, 'unsubscribe', now).ok).toBe(true);
    const fresh = signToken(rotated, { subscriberId: 'sub-1', purpose: 'unsubscribe', now });
    expect(fresh.split('.')[1]).toBe('k2');
    // Once the old key is retired, its links stop working.
    const retired = parseSigningKeys(JSON.stringify({ current: 'k2', k2 }));
    expect(verifyToken(retired, old, 'unsubscribe', now)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it("carries the reader's link version, 0 when none was signed (links made before versions)", () => {
    expect(verifyToken(keys, signToken(keys, { subscriberId: 'sub-1', purpose: 'unsubscribe', now }), 'unsubscribe', now)).toMatchObject({
      ok: true,
      linkVersion: 0,
    });
    expect(
      verifyToken(keys, signToken(keys, { subscriberId: 'sub-1', purpose: 'unsubscribe', now, linkVersion: 3 }), 'unsubscribe', now),
    ).toMatchObject({ ok: true, linkVersion: 3 });
  });

  it('refuses a token whose link version was changed (signature kept) or is not a whole number', () => {
    const t = signToken(keys, { subscriberId: 'sub-1', purpose: 'preferences', now, linkVersion: 1 });
    const [v, kid, body, sig] = t.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const bumped = Buffer.from(JSON.stringify({ ...payload, r: 2 })).toString('base64url');
    expect(verifyToken(keys, [v, kid, bumped, sig].join('.'), 'preferences', now)).toEqual({ ok: false, reason: 'bad-signature' });
    const odd = signToken(keys, { subscriberId: 'sub-1', purpose: 'preferences', now, linkVersion: 1.5 });
    expect(verifyToken(keys, odd, 'preferences', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses weak or malformed key sets', () => {
    expect(() => parseSigningKeys('{')).toThrow(/JSON/);
    expect(() => parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'short' }))).toThrow(/at least 32 bytes/);
    expect(() => parseSigningKeys(JSON.stringify({ current: 'k9', k1 }))).toThrow(/current/);
  });
});
