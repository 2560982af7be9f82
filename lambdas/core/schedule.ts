/**
 * When the digest schedule fires, computed with croner from the same expression the stack
 * gives EventBridge Scheduler (or the local mode gives croner), in its time zone; and how that
 * reads on a reader's own clock, for the welcome mail. Pure: no I/O, the current time is passed in.
 *
 * EventBridge cron is `cron(minutes hours day-of-month month day-of-week year)`: six fields, no
 * seconds, a year, `?` in one of the two day fields, and day-of-week numbered 1-7 for SUN-SAT
 * (Quartz style; Unix cron numbers SUN-SAT 0-6). Croner reads the same thing as a seven-part
 * pattern with a seconds field in front, with `alternativeWeekdays` for the Quartz numbering
 * and names (without it, `2` would be Tuesday and `7` Sunday). Croner turns `?` into `*`.
 */
import { Cron } from 'croner';

export type NextRun = { ok: true; next: Date | undefined } | { ok: false; error: string };

/**
 * The digest's schedule as configured: on AWS the stack's `scheduleCron` (`cron(0 7 ? * MON *)`)
 * and `timeZone`; locally `BRIEFING_SCHEDULE` (five-field Unix cron, `0 7 * * MON`) and
 * `BRIEFING_TIME_ZONE`.
 */
export interface DigestSchedule {
  /** An EventBridge `cron(...)` expression or a five-field Unix cron. */
  cron: string;
  /** IANA zone the cron is read in. */
  timeZone: string;
  /**
   * Local-time delivery (`digestDelivery=local-time`): each issue reaches each reader at this
   * `HH:MM` on their own clock, on the issue's date; the cron then only drives the planner.
   */
  localTime?: string;
}

/** `cron(0 7 ? * MON *)` → `0 0 7 ? * MON *` (croner's seven parts); an error for anything else. */
export function eventBridgeToCroner(expression: string): { pattern: string } | { error: string } {
  const inner = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  if (inner === undefined)
    return { error: `not a cron(...) expression: ${JSON.stringify(expression)} (rate() and at() schedules have no weekly run)` };
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6)
    return { error: `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}` };
  if (fields[2] !== '?' && fields[4] !== '?') return { error: 'EventBridge needs "?" in day-of-month or day-of-week' };
  return { pattern: ['0', ...fields].join(' ') };
}

/** The first run of an EventBridge cron strictly after `from`, read in `timeZone`. */
export function nextEventBridgeRun(expression: string, timeZone: string, from: Date): NextRun {
  const converted = eventBridgeToCroner(expression);
  if ('error' in converted) return { ok: false, error: converted.error };
  return nextRun(converted.pattern, { timezone: timeZone, alternativeWeekdays: true, mode: '7-part' }, from);
}

/** The first run of the local five-field cron (Unix numbering, as `npm start` schedules it) after `from`. */
export function nextLocalRun(pattern: string, timeZone: string, from: Date): NextRun {
  return nextRun(pattern, { timezone: timeZone, mode: '5-part' }, from);
}

/** The next run of a {@link DigestSchedule}, whichever of the two forms its cron is written in. */
export function nextDigestRun(schedule: DigestSchedule, from: Date): NextRun {
  return schedule.cron.trim().startsWith('cron(')
    ? nextEventBridgeRun(schedule.cron, schedule.timeZone, from)
    : nextLocalRun(schedule.cron, schedule.timeZone, from);
}

function nextRun(pattern: string, options: ConstructorParameters<typeof Cron>[1] & object, from: Date): NextRun {
  try {
    // No callback: croner only computes, it schedules nothing.
    const job = new Cron(pattern, options);
    return { ok: true, next: job.nextRun(from) ?? undefined };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A moment on a clock: `Monday`, `15:00`, `Monday 9 December`. */
function onClock(at: Date, timeZone: string) {
  const part = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone, ...options }).format(at);
  const weekday = part({ weekday: 'long' });
  return {
    weekday,
    time: part({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    date: `${weekday} ${part({ day: 'numeric', month: 'long' })}`,
  };
}

/** `Mondays`, `Mondays and Thursdays`, `Mondays, Wednesdays and Fridays`, `every day`. */
function weekdayList(days: string[]): string {
  if (days.length === 7) return 'every day';
  const names = [...days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).map((d) => `${d}s`);
  return `on ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0]}`;
}

/** The runs in the week after `from` (at most one a day is expected; a few more are tolerated). */
function runsInWeek(schedule: DigestSchedule, from: Date): Date[] {
  const runs: Date[] = [];
  const end = from.getTime() + 7 * 86_400_000;
  let cursor = from;
  for (let i = 0; i < 30; i++) {
    const next = nextDigestRun(schedule, cursor);
    if (!next.ok || !next.next || next.next.getTime() > end) break;
    runs.push(next.next);
    cursor = next.next;
  }
  return runs;
}

/** `on Mondays at 15:00`, `on Mondays at 08:00 and Thursdays at 18:30`: a week of runs on one clock. */
function weekPattern(runs: Date[], timeZone: string): string {
  const byTime = new Map<string, string[]>();
  for (const r of runs) {
    const c = onClock(r, timeZone);
    const days = byTime.get(c.time) ?? [];
    if (!days.includes(c.weekday)) days.push(c.weekday);
    byTime.set(c.time, days);
  }
  return [...byTime].map(([time, days]) => `${weekdayList(days)} at ${time}`).join(' and ');
}

/**
 * When the digest reaches this reader, on the reader's own clock, for the welcome mail:
 * `The digest arrives on Mondays at 15:00 your time (Asia/Tokyo); the next one on Monday
 * 9 December.` When the schedule's zone and the reader's change clocks on different dates, the
 * local time moves for part of the year, and the sentence says so. A reader without a known
 * zone is told the schedule's own time and zone. Undefined when the schedule has no next run.
 */
export function digestArrivalSentence(schedule: DigestSchedule, readerZone: string | undefined, now: Date): string | undefined {
  if (schedule.localTime) {
    // The planner reads a reader without a known zone as UTC (core/local-time.ts).
    const where = isTimeZone(readerZone) ? `your time (${readerZone})` : 'UTC';
    return `Each issue arrives at ${schedule.localTime} ${where}, on the day it comes out.`;
  }
  const runs = runsInWeek(schedule, now);
  if (runs.length === 0) return undefined;
  const zone = isTimeZone(readerZone) ? readerZone : schedule.timeZone;
  const whose = zone === readerZone ? `your time (${zone})` : `${zone} time`;
  let pattern = weekPattern(runs, zone);
  // Half a year on, one of the two zones may have changed its clocks and the other not.
  const later = weekPattern(runsInWeek(schedule, new Date(now.getTime() + 182 * 86_400_000)), zone);
  const shifts = later !== '' && later !== pattern;
  pattern = `${pattern} ${whose}`;
  if (shifts) pattern += `, or ${later.replace(/^(on \S+( and \S+)*|every day) at /, '')} for part of the year, as clocks change`;
  return `The digest arrives ${pattern}; the next one on ${onClock(runs[0], zone).date}.`;
}

/**
 * The configured schedule in words, on its own clock: `on Mondays at 07:00, Europe/Brussels
 * time`. What the settings' `{schedule}` becomes on the pages, so their wording can never name
 * another day than the one the digest goes out. Undefined when the schedule has no next run.
 */
export function scheduleInWords(schedule: Pick<DigestSchedule, 'cron' | 'timeZone'>, now: Date): string | undefined {
  const runs = runsInWeek(schedule, now);
  if (runs.length && sameEveryWeek(schedule, now)) return `${weekPattern(runs, schedule.timeZone)}, ${schedule.timeZone} time`;
  // Not the same days every week (a monthly cron, `MON#1`, `MON/2`): a week's pattern would promise
  // days it skips, so the words name the next run only.
  const next = nextDigestRun(schedule, now);
  if (!next.ok || !next.next) return undefined;
  const at = onClock(next.next, schedule.timeZone);
  return `next on ${at.date} at ${at.time}, ${schedule.timeZone} time`;
}

/** Whether the schedule runs on the same days at the same times in each of the next five weeks. */
function sameEveryWeek(schedule: Pick<DigestSchedule, 'cron' | 'timeZone'>, now: Date): boolean {
  const week = (from: Date) =>
    runsInWeek(schedule, from)
      .map((r) => {
        const c = onClock(r, schedule.timeZone);
        return `${c.weekday} ${c.time}`;
      })
      .sort()
      .join('|');
  const first = week(now);
  for (let w = 1; w < 5; w++) if (week(new Date(now.getTime() + w * 7 * 86_400_000)) !== first) return false;
  return first !== '';
}
