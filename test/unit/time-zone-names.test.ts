/**
 * A reader's time zone under its current and its old IANA name. Node's ICU lists `Europe/Kiev`
 * and `Asia/Calcutta`, while a browser reports `Europe/Kyiv` and `Asia/Kolkata`; both must be
 * accepted, land in one planner key, and show as the current name on the pages.
 */
import { expect } from '@jest/globals';
import { preferencesPage, subscribePage } from '../../lambdas/api/pages';
import { zoneKey } from '../../lambdas/core/local-time';
import { DEFAULT_CHOICES, knownZone, offeredZone as offered, parseChoices, TIME_ZONES } from '../../lambdas/core/subscription';

const pairs = [
  ['Europe/Kyiv', 'Europe/Kiev'],
  ['Asia/Kolkata', 'Asia/Calcutta'],
  ['Asia/Kathmandu', 'Asia/Katmandu'],
  ['Asia/Ho_Chi_Minh', 'Asia/Saigon'],
  ['America/Nuuk', 'America/Godthab'],
] as const;

const selected = (html: string) => /<option selected>([^<]+)<\/option>/.exec(html)?.[1];

describe('time zone names', () => {
  it.each(pairs)('accepts %s and its old name %s, as one zone key', (current, old) => {
    for (const timezone of [current, old]) {
      const r = parseChoices({ ...DEFAULT_CHOICES, timezone });
      expect(r).toEqual({ ok: true, choices: expect.objectContaining({ timezone }) });
    }
    expect(zoneKey(current)).toBe(zoneKey(old));
  });

  it('offers the current name once, not the old one', () => {
    for (const [current, old] of pairs) {
      expect(TIME_ZONES.filter((z) => z === current)).toHaveLength(1);
      expect(TIME_ZONES).not.toContain(old);
    }
    expect(new Set(TIME_ZONES).size).toBe(TIME_ZONES.length);
    expect(TIME_ZONES[0]).toBe('UTC');
  });

  it('still refuses a name that is no zone (a misspelt one)', () => {
    expect(parseChoices({ ...DEFAULT_CHOICES, timezone: 'Europe/Kyivv' })).toEqual({
      ok: false,
      message: expect.stringContaining('timezone'),
    });
    expect(parseChoices({ ...DEFAULT_CHOICES, timezone: 'Mars/Olympus' })).toMatchObject({ ok: false });
  });

  it('selects the current name on the pages for a reader stored under the old one', () => {
    const ctx = { newsletter: 'Brief' };
    expect(selected(subscribePage(ctx, { choices: { ...DEFAULT_CHOICES, timezone: 'Europe/Kiev' } }))).toBe('Europe/Kyiv');
    const subscriber = {
      subscriberId: 's',
      email: 'a@example.org',
      status: 'confirmed' as const,
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'Asia/Calcutta',
      source: 'web' as const,
      createdAt: '',
    };
    expect(selected(preferencesPage(ctx, { subscriber, token: 't', unsubscribeToken: 'u' }))).toBe('Asia/Kolkata');
  });

  it('stores what an operator types (subscribers add, import) as the pages offer it, so the preferences page shows it selected', () => {
    expect(knownZone('Europe/Brussels')).toBe('Europe/Brussels');
    expect(knownZone('Europe/Kiev')).toBe('Europe/Kyiv');
    expect(knownZone('Asia/Calcutta')).toBe('Asia/Kolkata');
    // An abbreviation is no place: EST would be stored as Panama (no summer time).
    expect(knownZone('EST')).toBeUndefined();
    expect(knownZone('europe/kyiv')).toBe('Europe/Kyiv');
    expect(knownZone('US/Eastern')).toBe('America/New_York');
    expect(knownZone('utc')).toBe('UTC');
    // Not offered on the pages, so refused rather than stored and later lost on the page.
    expect(knownZone('Etc/GMT+5')).toBeUndefined();
    expect(knownZone('Mars/Olympus')).toBeUndefined();
    for (const typed of ['US/Eastern', 'europe/kyiv', 'Asia/Calcutta']) expect(TIME_ZONES).toContain(offered(knownZone(typed)!));
  });
});
