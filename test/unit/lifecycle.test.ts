/**
 * The expiry rules (core/lifecycle.ts): which subscriber states expire with their confirmation
 * link, which never do, and when a daily alert-cap item goes.
 */
import { alertCapExpiresAt, subscriberExpiresAt } from '../../lambdas/core/lifecycle';

const link = '2026-12-02T10:00:00.000Z';
const linkSeconds = Date.parse(link) / 1000;

describe('subscriberExpiresAt', () => {
  it('a pending sign-up never confirmed expires when its link does (epoch seconds)', () => {
    expect(subscriberExpiresAt({ status: 'pending', confirmExpiresAt: link })).toBe(linkSeconds);
  });

  it('a declined sign-up ("never mail this address" in the confirmation) is kept: TTL must not delete the no', () => {
    // Bad input tried: a decline that would otherwise expire with its link, after which a
    // stranger's sign-up of the same address would mail it again at once.
    expect(
      subscriberExpiresAt({ status: 'unsubscribed', confirmExpiresAt: link, unsubscribedAt: '2026-12-01T10:00:00.000Z' }),
    ).toBeUndefined();
    expect(subscriberExpiresAt({ status: 'unsubscribed', confirmExpiresAt: link })).toBeUndefined();
  });

  it('a sign-up pending again after a decline keeps the decline: it never expires either', () => {
    expect(subscriberExpiresAt({ status: 'pending', confirmExpiresAt: link, unsubscribedAt: '2026-10-01T10:00:00.000Z' })).toBeUndefined();
  });

  it.each([
    ['confirmed', { status: 'confirmed' as const, confirmExpiresAt: link }],
    ['once confirmed, now re-subscribing', { status: 'pending' as const, confirmedAt: '2026-01-01T00:00:00Z', confirmExpiresAt: link }],
    ['suppressed while pending', { status: 'pending' as const, suppressed: true, confirmExpiresAt: link }],
    ['without a link (imported, CLI)', { status: 'pending' as const }],
    ['with an unreadable link expiry', { status: 'pending' as const, confirmExpiresAt: 'soon' }],
  ])('never expires: %s', (_name, s) => {
    expect(subscriberExpiresAt(s)).toBeUndefined();
  });
});

describe('alertCapExpiresAt', () => {
  it('is 12:00 UTC three days after the date: two days after the day ends in UTC−12, where it ends last', () => {
    expect(alertCapExpiresAt('2026-11-30')).toBe(Date.parse('2026-12-03T12:00:00Z') / 1000);
    expect(alertCapExpiresAt('2026-12-31')).toBe(Date.parse('2027-01-03T12:00:00Z') / 1000);
  });

  it('refuses what is not a YYYY-MM-DD day', () => {
    expect(() => alertCapExpiresAt('30/11/2026')).toThrow(/YYYY-MM-DD/);
    expect(() => alertCapExpiresAt('2026-13-45')).toThrow(/YYYY-MM-DD/);
  });
});
