/**
 * Local-time delivery: when an issue is due in each time zone. Pure (Intl only, no I/O).
 *
 * An issue dated `YYYY-MM-DD` goes out in each zone at `digestLocalTime` (`HH:MM`) on that
 * date, on the zone's own clock. Over every zone that spans about 26 hours, from UTC+14
 * (Pacific/Kiritimati) to UTC-12. The planner runs every 15 minutes and asks which zones fell
 * due since its last run ({@link dueZones}).
 *
 * Zones are stored under one name each ({@link zoneKey}): the runtime's canonical form (Node's
 * ICU says `Asia/Calcutta` for `Asia/Kolkata`), so a reader stored under an alias is found in
 * the same index partition as one stored under the canonical name. {@link DIGEST_ZONES} lists
 * every key the planner asks for.
 */

/** The delivery modes: the weekly schedule (the default) or each reader at their local hour. */
export const DIGEST_DELIVERIES = ['schedule', 'local-time'] as const;
export type DigestDelivery = (typeof DIGEST_DELIVERIES)[number];
/** `HH:MM`, 00:00 to 23:59. */
export const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
/**
 * How often the local-time planner runs: every 15 minutes, so a :15, :30 or :45 zone is served
 * within 15 minutes of its hour. EventBridge form for the stack, five-field form for croner.
 */
export const LOCAL_TIME_PLANNER_SCHEDULE = 'cron(0/15 * * * ? *)';
export const LOCAL_TIME_PLANNER_CRON = '*/15 * * * *';
/** The readers' local hour when none is set. */
export const DEFAULT_LOCAL_TIME = '07:00';
const LOCAL_TIME = LOCAL_TIME_PATTERN;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** `HH:MM` (24-hour) as hours and minutes; throws a clear error on anything else. */
export function parseLocalTime(value: string): { hour: number; minute: number } {
  const m = LOCAL_TIME.exec(value);
  if (!m) throw new Error(`local time: not HH:MM from 00:00 to 23:59: ${JSON.stringify(value)}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

function parseDate(value: string): { year: number; month: number; day: number } {
  const m = DATE.exec(value);
  const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(at).getUTCDate() !== Number(m[3])) throw new Error(`local time: not a YYYY-MM-DD date: ${JSON.stringify(value)}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at `instant` (ms; positive east of Greenwich). */
export function zoneOffsetMs(zone: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the wall time `date time` happens in `zone`. Daylight saving, as Temporal's
 * `compatible` rule reads it: a wall time that happens twice (clocks go back) is the first of
 * the two; one that does not happen (clocks go forward: 02:30 on a spring-forward night) is
 * read with the offset before the gap, which lands as far after the gap as it was into it
 * (02:30 → 03:30 new time). Either way each zone has exactly one instant per date.
 */
export function localInstant(date: string, time: string, zone: string): Date {
  const { year, month, day } = parseDate(date);
  const { hour, minute } = parseLocalTime(time);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets a day either side bracket any change near this wall time (zones change at
  // most once in two days).
  const before = zoneOffsetMs(zone, wall - DAY);
  const after = zoneOffsetMs(zone, wall + DAY);
  const fits = [before, after].filter((o) => zoneOffsetMs(zone, wall - o) === o).map((o) => wall - o);
  if (fits.length > 0) return new Date(Math.min(...fits));
  return new Date(wall - before);
}

/** Etc/GMT±N: fixed offsets Intl accepts but does not list among its zones. */
const FIXED_OFFSET_ZONES = [
  ...Array.from({ length: 14 }, (_, i) => `Etc/GMT-${i + 1}`),
  ...Array.from({ length: 12 }, (_, i) => `Etc/GMT+${i + 1}`),
];

// Building a formatter costs tens of microseconds; zone keys are asked for per stored item.
const canonicals = new Map<string, string | undefined>();
function canonical(zone: string): string | undefined {
  if (canonicals.has(zone)) return canonicals.get(zone);
  let out: string | undefined;
  try {
    out = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    out = undefined;
  }
  if (canonicals.size < 10_000) canonicals.set(zone, out);
  return out;
}

/**
 * Every zone key the planner asks for: the runtime's zones (what subscribe accepts), their
 * canonical forms, UTC and the fixed-offset zones, once each. A key outside this list would
 * never be due, so {@link zoneKey} only ever returns one of these.
 */
export const DIGEST_ZONES: readonly string[] = [
  ...new Set(
    ['UTC', ...Intl.supportedValuesOf('timeZone'), ...FIXED_OFFSET_ZONES]
      .flatMap((z) => [z, canonical(z)])
      .filter((z): z is string => z !== undefined),
  ),
].sort();
const ZONE_SET = new Set(DIGEST_ZONES);

/**
 * The index key of a reader's zone: its canonical name (`Asia/Kolkata` and `Asia/Calcutta` are
 * one key, `Etc/UTC` and `GMT` are `UTC`). A zone this runtime does not know (a value stored
 * by an older version) is read as UTC: the reader gets the issue at that hour UTC rather
 * than never.
 */
export function zoneKey(timezone: string | undefined): string {
  const c = timezone ? canonical(timezone) : undefined;
  if (c && ZONE_SET.has(c)) return c;
  if (timezone && ZONE_SET.has(timezone)) return timezone;
  return 'UTC';
}

/** One zone's due instant for an issue. */
export interface ZoneDue {
  zone: string;
  dueAt: Date;
}

const schedules = new Map<string, readonly ZoneDue[]>();

/** Every zone's due instant for an issue dated `date` at `time`, earliest first (cached). */
export function zoneSchedule(date: string, time: string): readonly ZoneDue[] {
  const key = `${date} ${time}`;
  let out = schedules.get(key);
  if (!out) {
    out = DIGEST_ZONES.map((zone) => ({ zone, dueAt: localInstant(date, time, zone) })).sort(
      (a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.zone.localeCompare(b.zone),
    );
    if (schedules.size > 16) schedules.clear();
    schedules.set(key, out);
  }
  return out;
}

/** The issue's window: the first zone's due instant and the last one's. */
export function issueWindow(date: string, time: string): { opens: Date; closes: Date } {
  const all = zoneSchedule(date, time);
  return { opens: all[0].dueAt, closes: all[all.length - 1].dueAt };
}

/**
 * The zones whose due instant falls in `(from, to]`; with no `from`, every zone due by `to`
 * (the first run of an issue catches up on zones whose hour passed before it).
 */
export function dueZones(date: string, time: string, from: Date | undefined, to: Date): ZoneDue[] {
  const lo = from?.getTime() ?? -Infinity;
  const hi = to.getTime();
  return zoneSchedule(date, time).filter((z) => z.dueAt.getTime() > lo && z.dueAt.getTime() <= hi);
}

/** `date time` in `zone` and the UTC instant, e.g. for `status`: `07:00 Asia/Tokyo`. */
export function formatLocal(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(instant);
}
