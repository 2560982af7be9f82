/**
 * When the digest schedule fires next, computed with croner from the same expression the
 * stack gives EventBridge Scheduler (or the local mode gives croner), in its time zone.
 *
 * EventBridge cron is `cron(minutes hours day-of-month month day-of-week year)`: six fields, no
 * seconds, a year, `?` in one of the two day fields, and day-of-week numbered 1-7 for SUN-SAT
 * (Quartz style; Unix cron numbers SUN-SAT 0-6). Croner reads the same thing as a seven-part
 * pattern with a seconds field in front, with `alternativeWeekdays` for the Quartz numbering
 * and names (without it, `2` would be Tuesday and `7` Sunday). Croner turns `?` into `*`.
 */
import { Cron } from 'croner';

export type NextRun = { ok: true; next: Date | undefined } | { ok: false; error: string };

/** `cron(0 7 ? * MON *)` → `0 0 7 ? * MON *` (croner's seven parts); an error for anything else. */
export function eventBridgeToCroner(expression: string): { pattern: string } | { error: string } {
  const inner = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  if (inner === undefined) return { error: `not a cron(...) expression: ${JSON.stringify(expression)} (rate() and at() schedules have no weekly run)` };
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) return { error: `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}` };
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

function nextRun(pattern: string, options: ConstructorParameters<typeof Cron>[1] & object, from: Date): NextRun {
  try {
    // No callback: croner only computes, it schedules nothing.
    const job = new Cron(pattern, options);
    return { ok: true, next: job.nextRun(from) ?? undefined };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** `Mon 7 Dec 2026 07:00 Europe/Brussels (06:00 UTC)`: the run as the schedule's own clock shows it. */
export function describeRun(at: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${local.replace(/,/g, '').replace(/ at /, ' ')} ${timeZone} (${at.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
}
