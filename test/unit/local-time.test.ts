import { DIGEST_ZONES, dueZones, issueWindow, localInstant, parseLocalTime, zoneKey } from '../../lambdas/core/local-time';
import { audienceKeys } from '../../lambdas/core/keys';
import { TIME_ZONES } from '../../lambdas/core/subscription';

const iso = (d: Date) => d.toISOString();

describe('localInstant: the UTC instant of a wall time in a zone', () => {
  it('reads :30 and :45 zones (Kathmandu +5:45, St Johns -2:30 in summer, Chatham +13:45)', () => {
    expect(iso(localInstant('2027-03-28', '07:00', 'Asia/Kathmandu'))).toBe('2027-03-28T01:15:00.000Z');
    expect(iso(localInstant('2027-03-28', '07:00', 'America/St_Johns'))).toBe('2027-03-28T09:30:00.000Z');
    expect(iso(localInstant('2027-03-28', '07:00', 'Asia/Kolkata'))).toBe('2027-03-28T01:30:00.000Z');
    expect(iso(localInstant('2027-03-28', '07:00', 'Pacific/Chatham'))).toBe('2027-03-27T17:15:00.000Z');
  });

  it('gives 07:00 on the mornings the clocks change (Brussels spring and autumn, Auckland autumn)', () => {
    expect(iso(localInstant('2027-03-28', '07:00', 'Europe/Brussels'))).toBe('2027-03-28T05:00:00.000Z'); // CEST
    expect(iso(localInstant('2027-03-27', '07:00', 'Europe/Brussels'))).toBe('2027-03-27T06:00:00.000Z'); // CET
    expect(iso(localInstant('2027-10-31', '07:00', 'Europe/Brussels'))).toBe('2027-10-31T06:00:00.000Z'); // CET again
    expect(iso(localInstant('2027-04-04', '07:00', 'Pacific/Auckland'))).toBe('2027-04-03T19:00:00.000Z'); // NZST
  });

  it('reads a local time that does not exist (02:30 on a spring-forward night) as the instant after the gap', () => {
    // Brussels jumps from 02:00 CET to 03:00 CEST at 01:00Z: 02:30 is read as 03:30 CEST.
    expect(iso(localInstant('2027-03-28', '02:30', 'Europe/Brussels'))).toBe('2027-03-28T01:30:00.000Z');
    expect(iso(localInstant('2027-03-14', '02:30', 'America/New_York'))).toBe('2027-03-14T07:30:00.000Z');
  });

  it('reads a local time that happens twice (02:30 on a fall-back night) as the first of the two', () => {
    expect(iso(localInstant('2027-10-31', '02:30', 'Europe/Brussels'))).toBe('2027-10-31T00:30:00.000Z');
    expect(iso(localInstant('2027-04-04', '02:30', 'Pacific/Auckland'))).toBe('2027-04-03T13:30:00.000Z');
  });

  it.each([['7:00'], ['24:00'], ['07:60'], ['07:00:00'], ['']])('refuses the local time %j with a message naming the format', (bad) => {
    expect(() => parseLocalTime(bad)).toThrow(/not HH:MM/);
  });

  it('refuses a date that is not a calendar day (2027-02-30)', () => {
    expect(() => localInstant('2027-02-30', '07:00', 'UTC')).toThrow(/not a YYYY-MM-DD date/);
  });
});

describe('zone keys: every zone a reader can be stored with is a zone the planner asks for', () => {
  it('keys aliases and canonical names alike (Kolkata/Calcutta, Kathmandu/Katmandu, Kyiv/Kiev, US/Eastern)', () => {
    expect(zoneKey('Asia/Kolkata')).toBe(zoneKey('Asia/Calcutta'));
    expect(zoneKey('Asia/Kathmandu')).toBe(zoneKey('Asia/Katmandu'));
    expect(zoneKey('Europe/Kyiv')).toBe(zoneKey('Europe/Kiev'));
    expect(zoneKey('US/Eastern')).toBe(zoneKey('America/New_York'));
    for (const z of ['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Kathmandu', 'Asia/Katmandu', 'US/Eastern', 'Etc/GMT+5', 'Etc/GMT-14'])
      expect(DIGEST_ZONES).toContain(zoneKey(z));
  });

  it('keys UTC, Etc/UTC and GMT as UTC, and an unknown stored zone (Mars/Olympus) as UTC rather than nowhere', () => {
    expect([zoneKey('UTC'), zoneKey('Etc/UTC'), zoneKey('GMT'), zoneKey('Mars/Olympus'), zoneKey(undefined)]).toEqual([
      'UTC',
      'UTC',
      'UTC',
      'UTC',
      'UTC',
    ]);
  });

  it('maps every zone subscribe accepts into the candidate list, at its own offset', () => {
    const candidates = new Set(DIGEST_ZONES);
    for (const z of TIME_ZONES) {
      const key = zoneKey(z);
      expect(candidates.has(key)).toBe(true);
      // Same clock: the key's 07:00 is the zone's 07:00.
      expect(localInstant('2027-03-28', '07:00', key).getTime()).toBe(localInstant('2027-03-28', '07:00', z).getTime());
    }
  });

  it('puts a digest reader in the zone index under the zone key, and a reader out of the digest audience in none', () => {
    const base = { subscriberId: 's1', status: 'confirmed' as const, digest: true, alerts: false, timezone: 'Asia/Kolkata' };
    expect(audienceKeys(base)).toMatchObject({ digestZone: zoneKey('Asia/Kolkata'), digestZoneSince: '0#s1' });
    expect(audienceKeys({ ...base, zoneChangedAt: '2027-03-28T03:00:00.000Z' }).digestZoneSince).toBe('2027-03-28T03:00:00.000Z#s1');
    expect(audienceKeys({ ...base, suppressed: true }).digestZone).toBeUndefined();
    expect(audienceKeys({ ...base, status: 'unsubscribed' }).digestZone).toBeUndefined();
    expect(audienceKeys({ ...base, digest: false, alerts: true }).digestZone).toBeUndefined();
  });
});

describe('dueZones: the zones whose hour falls in a range', () => {
  it('spans about 26 hours, from UTC+14 to UTC-12', () => {
    const w = issueWindow('2027-03-28', '07:00');
    expect(iso(w.opens)).toBe('2027-03-27T17:00:00.000Z');
    expect(iso(w.closes)).toBe('2027-03-28T19:00:00.000Z');
  });

  it('includes the end of the range and excludes its start, so back-to-back runs take each zone once', () => {
    const at = new Date('2027-03-28T01:15:00Z');
    expect(dueZones('2027-03-28', '07:00', new Date('2027-03-28T01:00:00Z'), at).map((z) => z.zone)).toContain(zoneKey('Asia/Kathmandu'));
    expect(dueZones('2027-03-28', '07:00', at, new Date('2027-03-28T01:30:00Z')).map((z) => z.zone)).not.toContain(
      zoneKey('Asia/Kathmandu'),
    );
  });

  it('catches up on every zone a missed run would have taken (no start: everything due by the end)', () => {
    const late = dueZones('2027-03-28', '07:00', new Date('2027-03-27T20:00:00Z'), new Date('2027-03-28T06:00:00Z')).map((z) => z.zone);
    expect(late).toEqual(expect.arrayContaining([zoneKey('Asia/Tokyo'), zoneKey('Asia/Kathmandu'), zoneKey('Europe/Brussels')]));
    const all = dueZones('2027-03-28', '07:00', undefined, new Date('2027-03-28T06:00:00Z')).map((z) => z.zone);
    expect(all).toEqual(expect.arrayContaining([zoneKey('Pacific/Kiritimati'), zoneKey('Pacific/Auckland'), ...late]));
  });
});

describe('status by zone', () => {
  it('shows done instants with their readers and later ones as pending, folding empty done instants into a count', async () => {
    const { describeZoneProgress } = await import('../../bin/cli/status');
    const text = describeZoneProgress(
      { date: '2027-03-28', localTime: '07:00', coveredTo: '2027-03-28T02:00:00.000Z', zones: { 'Asia/Tokyo': 12 }, queued: 12 },
      new Date('2027-03-28T02:05:00Z'),
    );
    expect(text).toMatch(/2027-03-27T22:00Z {2}07:00 Asia\/Tokyo .* 12 {2}done/);
    expect(text).toMatch(/2027-03-28T05:00Z .* - {2}pending/);
    expect(text).toMatch(/\d+ instant\(s\) done with no reader; \d+ pending/);
  });
});
