/**
 * Adding subscribers by hand and by CSV import (the web sign-up with double opt-in is
 * subscribe.ts). Both create confirmed subscribers: the operator vouches for the addresses.
 * Erased, unsubscribed and suppressed addresses are refused.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { normaliseEmail } from '../core/address';
import { erasedMarkerKey } from '../core/keys';
import type { Subscriber, SubscriberSource } from '../core/model';
import type { Clock, SubscriberStore } from '../core/ports';

const TOPIC = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface NewSubscriber {
  email: string;
  digest?: boolean;
  alerts?: boolean;
  topics?: string[];
  timezone?: string;
}

/** Build a confirmed subscriber from operator input; throws with a clear message on bad input. */
export function confirmedSubscriber(input: NewSubscriber, source: SubscriberSource, now: Date): Subscriber {
  const email = normaliseEmail(input.email);
  const topics = input.topics ?? [];
  const badTopic = topics.find((t) => !TOPIC.test(t));
  if (badTopic !== undefined) throw new Error(`invalid topic ${JSON.stringify(badTopic)}: use lower-case words joined by -`);
  const timezone = input.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new Error(`unknown time zone ${JSON.stringify(timezone)}`);
  }
  const at = now.toISOString();
  return {
    subscriberId: randomUUID(),
    email,
    status: 'confirmed',
    digest: input.digest ?? true,
    alerts: input.alerts ?? false,
    topics,
    timezone,
    source,
    createdAt: at,
    confirmedAt: at,
  };
}

export async function addSubscriber(deps: { subscribers: SubscriberStore; clock: Clock }, input: NewSubscriber, source: SubscriberSource = 'cli'): Promise<Subscriber> {
  return storeConfirmed(deps, confirmedSubscriber(input, source, deps.clock.now()));
}

/**
 * An operator may add or update an address, but never bring back one that left or was
 * suppressed: that takes the reader's own confirmation.
 */
async function storeConfirmed(deps: { subscribers: SubscriberStore }, sub: Subscriber): Promise<Subscriber> {
  if (await deps.subscribers.getByEmail(erasedMarkerKey(sub.email))) throw new Error(`${sub.email} was erased at the reader's request: not added`);
  const existing = await deps.subscribers.getByEmail(sub.email);
  if (existing?.suppressed) throw new Error(`${sub.email} is suppressed (bounce or complaint): not added`);
  if (existing?.status === 'unsubscribed') throw new Error(`${sub.email} unsubscribed earlier: not re-added without their own confirmation`);
  return deps.subscribers.upsert(sub);
}

export interface ImportReport {
  imported: number;
  /** One entry per bad line, with its line number in the file (1-based, header included). */
  errors: { line: number; message: string }[];
}

const parseBool = (v: string | undefined, field: string): boolean | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(s)) return true;
  if (['false', 'no', '0', 'n'].includes(s)) return false;
  throw new Error(`${field}: expected true or false, got ${JSON.stringify(v)}`);
};

/**
 * Import a CSV with a header row. Columns: `email` (required), `digest`, `alerts` (true/false),
 * `topics` (separated by `;` or spaces), `timezone`. Every good line is imported; every bad line
 * is reported with its line number and nothing is written for it.
 */
export async function importSubscribers(deps: { subscribers: SubscriberStore; clock: Clock }, csv: string): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, errors: [] };
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(csv, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
      relax_column_count: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (e) {
    const err = e as Error & { lines?: number };
    report.errors.push({ line: err.lines ?? 1, message: `not readable as CSV: ${err.message}` });
    return report;
  }
  if (rows.length > 0 && !('email' in rows[0].record)) {
    report.errors.push({ line: 1, message: 'the header row has no "email" column' });
    return report;
  }
  for (const { record, info } of rows) {
    try {
      const sub = confirmedSubscriber(
        {
          email: record.email ?? '',
          digest: parseBool(record.digest, 'digest'),
          alerts: parseBool(record.alerts, 'alerts'),
          topics: record.topics ? record.topics.split(/[;\s]+/).filter(Boolean) : undefined,
          timezone: record.timezone || undefined,
        },
        'import',
        deps.clock.now(),
      );
      await storeConfirmed(deps, sub);
      report.imported++;
    } catch (e) {
      report.errors.push({ line: info.lines, message: (e as Error).message });
    }
  }
  return report;
}
