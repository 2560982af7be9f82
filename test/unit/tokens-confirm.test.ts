import {
  CONFIRM_TOKEN_TTL_SECONDS,
  newConfirmToken,
  nonceHash,
  parseSigningKeys,
  sameHash,
  signToken,
  verifyToken,
} from '../../lambdas/core/tokens';

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'c'.repeat(40) }));
const now = new Date('2026-11-28T10:00:00Z');

describe('confirmation tokens', () => {
  it('are random, signed, and expire after 48 hours by default', () => {
    const a = newConfirmToken(keys, { subscriberId: 's1', now });
    const b = newConfirmToken(keys, { subscriberId: 's1', now });
    expect(a.token).not.toBe(b.token);
    expect(a.hash).not.toBe(b.hash);
    expect(a.expiresAt.getTime() - now.getTime()).toBe(CONFIRM_TOKEN_TTL_SECONDS * 1000);
    expect(CONFIRM_TOKEN_TTL_SECONDS).toBe(48 * 3600);
    const ok = verifyToken(keys, a.token, 'confirm', new Date(now.getTime() + 47 * 3600_000));
    expect(ok).toMatchObject({ ok: true, subscriberId: 's1' });
    expect(verifyToken(keys, a.token, 'confirm', new Date(now.getTime() + 48 * 3600_000 + 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('keep only a hash on the server: the stored hash matches the nonce in the token, and is not in the token', () => {
    const t = newConfirmToken(keys, { subscriberId: 's1', now });
    const check = verifyToken(keys, t.token, 'confirm', now);
    if (!check.ok) throw new Error('expected a valid token');
    expect(sameHash(nonceHash(check.nonce!), t.hash)).toBe(true);
    expect(t.token).not.toContain(t.hash);
  });

  it('refuses a confirmation token used as an unsubscribe or preferences token, and the other way round (wrong purpose)', () => {
    const confirmToken = newConfirmToken(keys, { subscriberId: 's1', now }).token;
    expect(verifyToken(keys, confirmToken, 'unsubscribe', now)).toEqual({ ok: false, reason: 'wrong-purpose' });
    expect(verifyToken(keys, confirmToken, 'preferences', now)).toEqual({ ok: false, reason: 'wrong-purpose' });
    const unsub = signToken(keys, { subscriberId: 's1', purpose: 'unsubscribe', now });
    expect(verifyToken(keys, unsub, 'confirm', now)).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('refuses a forged confirmation token (signed with a key the server does not hold)', () => {
    const attacker = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'z'.repeat(40) }));
    const forged = newConfirmToken(attacker, { subscriberId: 's1', now }).token;
    expect(verifyToken(keys, forged, 'confirm', now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('compares hashes in constant time and refuses missing or different-length values', () => {
    expect(sameHash('ab', 'ab')).toBe(true);
    expect(sameHash('ab', 'ac')).toBe(false);
    expect(sameHash('ab', 'abc')).toBe(false);
    expect(sameHash(undefined, 'ab')).toBe(false);
  });
});
