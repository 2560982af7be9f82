/** The local mode's settings (lib/local/config.ts): the sender lease, with each bad value it refuses. */
import { localConfig } from '../../lib/local/config';
import { LEASE_MS } from '../../lib/local/sender-lease';

describe('BRIEFING_SENDER_LEASE_MS', () => {
  it('defaults to the lease the module names, also when set empty', () => {
    expect(localConfig({}).senderLeaseMs).toBe(LEASE_MS);
    expect(localConfig({ BRIEFING_SENDER_LEASE_MS: '' }).senderLeaseMs).toBe(LEASE_MS);
  });

  it('takes milliseconds from 1000 to 600000', () => {
    expect(localConfig({ BRIEFING_SENDER_LEASE_MS: '1000' }).senderLeaseMs).toBe(1000);
    expect(localConfig({ BRIEFING_SENDER_LEASE_MS: '600000' }).senderLeaseMs).toBe(600_000);
  });

  it.each([
    ['0.5', 'shorter than the gap between two slow sends: two pacers at once'],
    ['999', 'just under a second'],
    ['1e16', 'past any timer (the sender threw on it and dead-lettered the batch)'],
    ['600001', 'over ten minutes'],
    ['abc', 'not a number'],
    ['10s', 'a unit typed in'],
    ['-1', 'negative'],
  ])('refuses %j (%s) with a message naming the setting and the range', (raw) => {
    expect(() => localConfig({ BRIEFING_SENDER_LEASE_MS: raw })).toThrow(
      `BRIEFING_SENDER_LEASE_MS: milliseconds from 1000 to 600000, got ${JSON.stringify(raw)}`,
    );
  });
});
