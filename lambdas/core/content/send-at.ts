/**
 * An issue's `sendAt`: the moment it goes out instead of on the weekly schedule. Kept out of
 * parse.ts so the parser stays one screenful of rules; parse.ts calls the three pieces below.
 *
 * An editor writes a date-time with its offset (`2026-12-03T07:00:00+01:00`, or `Z`): a time
 * without one means a different instant to every reader of the file (and to a server in UTC),
 * so it is refused rather than guessed. The stored value is the same instant in UTC
 * (`2026-12-03T06:00:00.000Z`), which sorts and compares as text.
 */
import { z } from 'zod';
import type { ContentProblem } from './parse';

/** How far ahead an issue may be scheduled: further is almost surely a typo in the year. */
export const MAX_SEND_AHEAD_DAYS = 366;

/**
 * `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or `±HH:MM`. A space in place of `T` is accepted,
 * as ISO 8601's profile RFC 3339 allows.
 */
const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;
const LOCAL_ONLY = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/i;

/** The instant of a `sendAt` text, or a message saying what is wrong with it. */
export function readSendAt(text: string): { at: Date } | { problem: string } {
  const m = WITH_OFFSET.exec(text.trim());
  if (!m) {
    if (LOCAL_ONLY.test(text.trim())) return { problem: 'must give its offset from UTC, like 2026-12-03T07:00:00+01:00 or 2026-12-03T06:00:00Z; a time without one is a different moment in every time zone' };
    return { problem: 'must be a date-time with its offset from UTC, like 2026-12-03T07:00:00+01:00' };
  }
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const [offH, offM] = [Number(m[8] ?? 0), Number(m[9] ?? 0)];
  // Date.parse rolls 2026-02-30 over into March and accepts 24:00; check the fields themselves.
  const daysInMonth = new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) {
    return { problem: 'is not a real date and time' };
  }
  const at = new Date(Date.parse(text.trim().replace(' ', 'T')));
  return Number.isNaN(at.getTime()) ? { problem: 'is not a real date and time' } : { at };
}

/** The front-matter field: checked for form here, stored as the UTC instant; timing is {@link sendAtTiming}'s. */
export const sendAtSchema = z
  .string({ error: 'must be a date-time with its offset from UTC, like 2026-12-03T07:00:00+01:00' })
  .transform((text, ctx) => {
    const read = readSendAt(text);
    if ('at' in read) return read.at.toISOString();
    ctx.addIssue({ code: 'custom', message: read.problem });
    return z.NEVER;
  });

/**
 * YAML reads an unquoted `2026-12-03T07:00:00` as a Date in UTC, and an offset into a Date
 * that no longer shows it: take `sendAt` as the editor typed it, so a missing offset is seen.
 */
export function restoreTypedSendAt(data: Record<string, unknown>, rawMatter: string): void {
  if (!(data.sendAt instanceof Date)) return;
  const typed = /^sendAt[ \t]*:[ \t]*(\S[^#\n]*?)[ \t]*(?:#.*)?$/m.exec(rawMatter);
  if (typed) data.sendAt = typed[1];
}

/**
 * The refusal of a `sendAt` at or before `now`, or undefined. publish.ts asks it only once it
 * knows the stored issue: a sent issue published again with its own `sendAt` is no change.
 */
export function sendAtPast(value: unknown, now: Date): ContentProblem | undefined {
  if (typeof value !== 'string') return undefined;
  const read = readSendAt(value);
  if (!('at' in read) || read.at.getTime() > now.getTime()) return undefined;
  return { path: 'sendAt', message: `is in the past (${read.at.toISOString()}, now ${now.toISOString()}); remove sendAt to publish without a schedule` };
}

/**
 * Problems with when `sendAt` falls, seen from `now` (publish time): too far ahead, and in the
 * past unless `past` is false (the caller checks that itself with {@link sendAtPast}).
 */
export function sendAtTiming(value: unknown, now: Date, options: { past?: boolean } = {}): ContentProblem[] {
  if (typeof value !== 'string') return [];
  const read = readSendAt(value);
  if (!('at' in read)) return [];
  const past = sendAtPast(value, now);
  if (past) return options.past === false ? [] : [past];
  if (read.at.getTime() - now.getTime() > MAX_SEND_AHEAD_DAYS * 86_400_000) {
    return [{ path: 'sendAt', message: `is more than ${MAX_SEND_AHEAD_DAYS} days ahead (${read.at.toISOString()}); check the year` }];
  }
  return [];
}

/** Whether a scheduled issue's time has come at `now` (an issue without `sendAt` never is). */
export function isSendDue(issue: { sendAt?: string }, now: Date, earlyMs = 0): boolean {
  return issue.sendAt !== undefined && Date.parse(issue.sendAt) - earlyMs <= now.getTime();
}

/** "scheduled for 2026-12-03 06:00 UTC (Thu 3 Dec 07:00 Europe/Brussels)": status and publish print it. */
export function describeSendAt(sendAt: string, timeZone: string): string {
  const at = new Date(sendAt);
  const utc = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const local = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return `scheduled for ${utc} (${local.replaceAll(',', '')} ${timeZone})`;
}

/** The refusal of a changed `sendAt` on a sent issue: it is not sent again by moving its time. */
export function sentSendAtMessage(issueId: string, sentAt: string, storedSendAt: string | undefined): string {
  const keep = storedSendAt ? `put back sendAt: ${storedSendAt} or remove sendAt` : 'remove sendAt';
  return `issue ${issueId} was already sent on ${sentAt.slice(0, 16).replace('T', ' ')} UTC, so it cannot be scheduled again: ${keep} (to send it again, publish it as a new issue with its own id)`;
}
