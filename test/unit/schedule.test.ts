/**
 * The digest schedule's next run, from the EventBridge cron the stack deploys, in its time
 * zone: EventBridge numbers day-of-week 1-7 from Sunday (Unix cron: 0-6), takes a year field
 * and `?`, and the run follows the zone's daylight-saving changes.
 */
import { expect } from '@jest/globals';
import { describeRun, eventBridgeToCroner, nextEventBridgeRun, nextLocalRun } from '../../lib/ops/schedule';
import { scheduleInWords } from '../../lambdas/core/schedule';

const SUNDAY_NOON_UTC = new Date('2026-11-29T12:00:00Z');
const next = (expr: string, tz = 'Europe/Brussels', from = SUNDAY_NOON_UTC) => {
  const r = nextEventBridgeRun(expr, tz, from);
  if (!r.ok) throw new Error(r.error);
  return r.next?.toISOString();
};

describe('EventBridge cron → croner', () => {
  it('puts a seconds field in front and keeps the six EventBridge fields', () => {
    expect(eventBridgeToCroner('cron(0 7 ? * MON *)')).toEqual({ pattern: '0 0 7 ? * MON *' });
  });

  it('refuses what EventBridge refuses or what has no weekly run: rate(), five fields, both day fields', () => {
    expect(eventBridgeToCroner('rate(7 days)')).toHaveProperty('error');
    expect(eventBridgeToCroner('cron(0 7 * * MON)')).toEqual({ error: expect.stringContaining('6 fields') });
    expect(eventBridgeToCroner('cron(0 7 1 * MON *)')).toEqual({ error: expect.stringContaining('"?"') });
  });
});

describe('next run of the deployed schedule', () => {
  it('cron(0 7 ? * MON *) in Brussels is Monday 07:00 local, 06:00 UTC in winter', () => {
    expect(next('cron(0 7 ? * MON *)')).toBe('2026-11-30T06:00:00.000Z');
  });

  it('numbers day-of-week from Sunday = 1 to Saturday = 7, as EventBridge does (not Unix 0-6)', () => {
    expect(next('cron(0 7 ? * 2 *)')).toBe('2026-11-30T06:00:00.000Z'); // 2 = Monday
    expect(next('cron(0 7 ? * 1 *)')).toBe('2026-12-06T06:00:00.000Z'); // 1 = Sunday (the next one: today's 07:00 is past)
    expect(next('cron(0 7 ? * 7 *)')).toBe('2026-12-05T06:00:00.000Z'); // 7 = Saturday
    expect(next('cron(0 7 ? * SUN *)')).toBe('2026-12-06T06:00:00.000Z');
    expect(next('cron(0 7 ? * 3-5 *)')).toBe('2026-12-01T06:00:00.000Z'); // TUE-THU: Tuesday first
  });

  it('reads nth and last weekdays and day-of-month schedules', () => {
    expect(next('cron(0 7 ? * 2#1 *)')).toBe('2026-12-07T06:00:00.000Z'); // first Monday of December
    expect(next('cron(0 7 ? * 6L *)')).toBe('2026-12-25T06:00:00.000Z'); // last Friday of December
    expect(next('cron(30 9 1 * ? *)')).toBe('2026-12-01T08:30:00.000Z');
  });

  it('follows daylight saving: after the spring change Monday 07:00 Brussels is 05:00 UTC', () => {
    expect(next('cron(0 7 ? * MON *)', 'Europe/Brussels', new Date('2026-03-25T12:00:00Z'))).toBe('2026-03-30T05:00:00.000Z');
  });

  it('reads the hours in the given zone, not in UTC', () => {
    expect(next('cron(0 7 ? * MON *)', 'Asia/Tokyo')).toBe('2026-11-29T22:00:00.000Z');
  });

  it('has no next run when the year field is past', () => {
    expect(nextEventBridgeRun('cron(0 7 ? * MON 2020)', 'Europe/Brussels', SUNDAY_NOON_UTC)).toEqual({ ok: true, next: undefined });
  });
});

describe('next run of the local schedule (five-field Unix cron)', () => {
  it('0 7 * * MON in Brussels is Monday 07:00 local', () => {
    const r = nextLocalRun('0 7 * * MON', 'Europe/Brussels', SUNDAY_NOON_UTC);
    expect(r).toEqual({ ok: true, next: new Date('2026-11-30T06:00:00Z') });
  });

  it('reports a malformed pattern instead of throwing', () => {
    expect(nextLocalRun('0 7 * MON', 'Europe/Brussels', SUNDAY_NOON_UTC)).toEqual({ ok: false, error: expect.any(String) });
  });
});

it('describes a run in the schedule zone and in UTC', () => {
  expect(describeRun(new Date('2026-11-30T06:00:00Z'), 'Europe/Brussels')).toBe(
    'Mon 30 Nov 2026 07:00 Europe/Brussels (2026-11-30 06:00 UTC)',
  );
});

describe("the configured schedule in words (the settings' {schedule})", () => {
  it("names the configured days and hour on the schedule's own clock, for either cron form", () => {
    // A Monday-only wording would be the mistake: the schedule says Thursday evening in Tokyo.
    expect(scheduleInWords({ cron: 'cron(0 18 ? * THU *)', timeZone: 'Asia/Tokyo' }, SUNDAY_NOON_UTC)).toBe(
      'on Thursdays at 18:00, Asia/Tokyo time',
    );
    expect(scheduleInWords({ cron: '30 6 * * MON,THU', timeZone: 'Europe/Brussels' }, SUNDAY_NOON_UTC)).toBe(
      'on Mondays and Thursdays at 06:30, Europe/Brussels time',
    );
  });

  it('mistake: a monthly schedule is not worded as a weekday (the week before the 1st read "on Fridays"): the next run is named instead', () => {
    for (const now of [new Date('2026-12-07T12:00:00Z'), new Date('2026-12-28T12:00:00Z')]) {
      expect(scheduleInWords({ cron: 'cron(0 7 1 * ? *)', timeZone: 'Europe/Brussels' }, now)).toBe(
        'next on Friday 1 January at 07:00, Europe/Brussels time',
      );
    }
    // The first Monday of the month: also not the same days every week.
    expect(scheduleInWords({ cron: 'cron(0 7 ? * MON#1 *)', timeZone: 'UTC' }, SUNDAY_NOON_UTC)).toBe(
      'next on Monday 7 December at 07:00, UTC time',
    );
  });

  it('mistake: a schedule with no run (a past year) gives no words rather than a wrong day', () => {
    expect(scheduleInWords({ cron: 'cron(0 7 ? * MON 2020)', timeZone: 'UTC' }, SUNDAY_NOON_UTC)).toBeUndefined();
  });
});
