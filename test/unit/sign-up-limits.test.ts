/**
 * The sign-up limits' rules (core/sign-up-limits.ts): sliding windows (one an hour is no two
 * within any 60 minutes, not one per clock hour), a client's network (an IPv6 client by its /64),
 * and the mailbox a confirmation counts against (an address without its +tag).
 */
import { admit, ADDRESS_RULES, clientNetwork, clientRules, mailboxOf } from '../../lambdas/core/sign-up-limits';

const MIN = 60_000;
const HOUR = 60 * MIN;
const t0 = Date.parse('2026-12-07T10:59:00Z');

/** Feed requests at the given offsets; return which were admitted. */
function run(offsets: number[], rules = ADDRESS_RULES): boolean[] {
  let times: number[] = [];
  return offsets.map((o) => {
    const next = admit(times, t0 + o, rules);
    if (next) times = next;
    return Boolean(next);
  });
}

describe('a mailbox gets at most one confirmation an hour and three a day', () => {
  it('refuses a second one within the hour, even across a clock hour (10:59 then 11:00)', () => {
    expect(run([0, 1 * MIN, 59 * MIN])).toEqual([true, false, false]);
  });

  it('admits one an hour, three in a day, and the fourth only once the first is a day old', () => {
    expect(run([0, HOUR + 1, 2 * HOUR + 2, 3 * HOUR + 3, 24 * HOUR + 1])).toEqual([true, true, true, false, true]);
  });

  it('twenty requests within an hour admit one', () => {
    expect(run(Array.from({ length: 20 }, (_, i) => i * 3 * MIN)).filter(Boolean)).toHaveLength(1);
  });

  it('ignores stored times in the future or older than a day (a clock that moved, an item not yet expired)', () => {
    expect(admit([t0 + HOUR, t0 - 25 * HOUR], t0, ADDRESS_RULES)).toEqual([t0]);
  });
});

describe('a client network gets five sign-ups a minute (the default) and thirty an hour', () => {
  it('refuses the sixth within a minute and admits again after it', () => {
    expect(run([0, 1, 2, 3, 4, 5, MIN + 1], clientRules(5))).toEqual([true, true, true, true, true, false, true]);
  });

  it('caps an hour at thirty however the minutes are spread', () => {
    const offsets = Array.from({ length: 40 }, (_, i) => i * 61_000);
    expect(run(offsets, clientRules(5)).filter(Boolean)).toHaveLength(30);
  });
});

describe('clientNetwork', () => {
  it.each([
    ['an IPv4 address itself', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 address by its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['another address of the same /64 alike (the bad input: rotating the interface id)', '2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['an IPv4-mapped IPv6 address as the IPv4 address', '::ffff:198.51.100.4', '198.51.100.4'],
    ['an unreadable source as one network of its own', 'not-an-ip', 'unknown'],
  ])('%s', (_name, ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it('tells different /64s apart', () => {
    expect(clientNetwork('2001:db8:1:2::1')).not.toBe(clientNetwork('2001:db8:1:3::1'));
  });
});

describe('mailboxOf', () => {
  it('counts every +tag of an address against one mailbox (the bad input: a flood through tags)', () => {
    expect(mailboxOf('victim+1@example.org')).toBe('victim@example.org');
    expect(mailboxOf('victim+news+2@example.org')).toBe('victim@example.org');
    expect(mailboxOf('victim@example.org')).toBe('victim@example.org');
  });

  it('counts dot variants of a Gmail address together, and nowhere else (dots are real elsewhere)', () => {
    expect(mailboxOf('j.o.h.n.smith+x@gmail.com')).toBe('johnsmith@gmail.com');
    expect(mailboxOf('john.smith@googlemail.com')).toBe('johnsmith@gmail.com');
    expect(mailboxOf('john.smith@example.org')).toBe('john.smith@example.org');
  });

  it('keeps an address that starts with + as it is (no empty mailbox)', () => {
    expect(mailboxOf('+x@example.org')).toBe('+x@example.org');
  });
});
