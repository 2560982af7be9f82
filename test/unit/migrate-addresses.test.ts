/** How `migrate-addresses` merges the items of one address (usecases/migrate-addresses.ts `mergeGroup`), pure. */
import type { Subscriber } from '../../lambdas/core/model';
import { mergeGroup } from '../../lambdas/usecases/migrate-addresses';
import { plainSubscriber } from './fixtures';

const item = (email: string, over: Partial<Subscriber>): Subscriber =>
  plainSubscriber(email, { subscriberId: `id-${email}-${over.status ?? 'confirmed'}`, createdAt: '2026-03-01T00:00:00.000Z', ...over });

describe('mergeGroup', () => {
  it("keeps the name an import stored on any of the items (the winner's first)", () => {
    const named = mergeGroup('ada@x.org', [item('Ada@x.org', { status: 'unsubscribed' }), item('ada@x.org', { name: 'Ada L.' })]);
    expect(named).toMatchObject({ status: 'unsubscribed', name: 'Ada L.' });
    const both = mergeGroup('ada@x.org', [
      item('Ada@x.org', { status: 'unsubscribed', name: 'Ada' }),
      item('ada@x.org', { name: 'Other' }),
    ]);
    expect(both.name).toBe('Ada');
  });

  it.each([
    ['suppressed beats unsubscribed, confirmed and pending', ['pending', 'confirmed', 'unsubscribed', 'suppressed'], 'suppressed'],
    ['unsubscribed beats confirmed and pending', ['pending', 'confirmed', 'unsubscribed'], 'unsubscribed'],
    ['confirmed beats pending', ['pending', 'confirmed'], 'confirmed'],
  ])('the most restrictive state wins: %s', (_name, states, winner) => {
    const items = states.map((st, i) =>
      item(
        ['Ada@x.org', 'ada@x.org', 'ADA@x.org', 'aDa@x.org'][i],
        st === 'suppressed'
          ? { status: 'confirmed', suppressed: true, suppressedReason: 'bounce' }
          : { status: st as Subscriber['status'] },
      ),
    );
    const merged = mergeGroup('ada@x.org', items);
    expect(merged.suppressed ? 'suppressed' : merged.status).toBe(winner);
    expect(merged.email).toBe('ada@x.org');
    expect(merged.mergedIds).toHaveLength(items.length - 1);
    expect(merged.mergedIds).not.toContain(merged.subscriberId);
  });

  it('keeps the oldest consent record, the first creation and confirmation, the latest unsubscribe and the highest link version', () => {
    const merged = mergeGroup('ada@x.org', [
      item('Ada@x.org', {
        createdAt: '2026-02-01T00:00:00.000Z',
        confirmedAt: '2026-02-01T01:00:00.000Z',
        consent: { at: '2026-02-01T00:00:00.000Z', page: 'p', ip: 'old', userAgent: 'u', wording: 'w' },
      }),
      item('ada@x.org', {
        status: 'unsubscribed',
        createdAt: '2026-05-01T00:00:00.000Z',
        unsubscribedAt: '2026-06-01T00:00:00.000Z',
        linkVersion: 2,
        consent: { at: '2026-05-01T00:00:00.000Z', page: 'p', ip: 'new', userAgent: 'u', wording: 'w' },
      }),
    ]);
    expect(merged).toMatchObject({
      status: 'unsubscribed',
      createdAt: '2026-02-01T00:00:00.000Z',
      confirmedAt: '2026-02-01T01:00:00.000Z',
      unsubscribedAt: '2026-06-01T00:00:00.000Z',
      linkVersion: 2,
    });
    expect(merged.consent!.ip).toBe('old');
    expect(merged.emailAsTyped).toBeUndefined();
  });

  it("mails the winning item's address as typed", () => {
    expect(mergeGroup('bob@x.org', [item('Bob@x.org', { status: 'unsubscribed' }), item('bob@x.org', {})]).emailAsTyped).toBe('Bob@x.org');
  });
});
