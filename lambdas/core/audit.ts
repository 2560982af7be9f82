/**
 * The console's audit log: who signed in, saved, scheduled, sent, resumed, imported or erased
 * what, and when. Entries are kept in the Deliveries table (it has TTL) under one bookkeeping
 * partition per month ({@link auditKey}), newest first within it, and expire after the stack's
 * `auditRetentionDays` (default {@link DEFAULT_AUDIT_DAYS}). Pure: the adapter
 * (adapters/dynamodb/audit-log.ts) writes what these rules say.
 */
import { randomBytes } from 'node:crypto';

/** What an editor did. */
export const AUDIT_ACTIONS = [
  'sign-in',
  'sign-out',
  'save',
  'publish',
  'schedule',
  'unschedule',
  'send',
  'subject-test',
  'send-test',
  'resume',
  'import',
  'erase',
  'export',
  'revoke-links',
  'look-up',
  'settings',
  'refused',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** ISO time. */
  at: string;
  /** The editor's email (from their ID token). */
  who: string;
  /** Their role then. */
  role: string;
  action: AuditAction;
  /** What it was done to: an issue or article id, a masked address, a file name. */
  target?: string;
  /** One line more (e.g. why a request was refused). */
  detail?: string;
  /** Refusals counted on this entry (its minute), when more than one. */
  repeats?: number;
  /** Their targets, each once, when more than one. */
  targets?: string[];
}

/** Kept about 13 months by default: a year back, with a month of margin for the yearly review. */
export const DEFAULT_AUDIT_DAYS = 400;
export const MIN_AUDIT_DAYS = 1;
export const MAX_AUDIT_DAYS = 3650;

/** The bookkeeping partition of a month (`#audit#2026-12`), like the other `#` partitions of the Deliveries table. */
export const auditMonthPartition = (month: string) => `#audit#${month}`;
export const auditPartition = (at: Date) => auditMonthPartition(at.toISOString().slice(0, 7));

/** An entry's key: its month, then its time and a random suffix (two entries in one millisecond both kept). */
export const auditKey = (at: Date) => ({
  campaignId: auditPartition(at),
  subscriberId: `${at.toISOString()}#${randomBytes(4).toString('hex')}`,
});

/** The epoch second DynamoDB's TTL deletes an entry made at `at` after. */
export const auditExpiry = (at: Date, days: number) => Math.floor(at.getTime() / 1000) + days * 24 * 60 * 60;

/** The month before `month` (`2026-01` → `2025-12`). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The months an entry may still be in, newest first: this one back to the oldest one not yet expired. */
export function auditMonths(now: Date, days: number): string[] {
  const oldest = new Date(now.getTime() - days * 24 * 60 * 60_000).toISOString().slice(0, 7);
  const months = [now.toISOString().slice(0, 7)];
  while (months[months.length - 1] > oldest) months.push(previousMonth(months[months.length - 1]));
  return months;
}

/** The retention in days from its setting's text; the default when unset; an error naming the setting when invalid. */
export function auditDays(raw: string | undefined, name = 'AUDIT_RETENTION_DAYS'): number {
  if (raw === undefined || raw === '') return DEFAULT_AUDIT_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < MIN_AUDIT_DAYS || n > MAX_AUDIT_DAYS)
    throw new Error(`${name} must be a whole number of days from ${MIN_AUDIT_DAYS} to ${MAX_AUDIT_DAYS} (got ${JSON.stringify(raw)})`);
  return n;
}

/** The audit log (adapters/dynamodb/audit-log.ts). */
export interface AuditLog {
  /** Store one entry; it expires after the retention. */
  record(entry: AuditEntry): Promise<void>;
  /**
   * A request refused for its role: one entry per editor per minute, later ones in that minute
   * counted on it, so refusals cannot bury the log (the first refusal's target is kept).
   */
  refused(entry: AuditEntry): Promise<void>;
  /** Entries newest first, up to `limit`, from where `cursor` (a previous page's `next`) left off. */
  recent(now: Date, limit: number, cursor?: string): Promise<{ rows: AuditEntry[]; next?: string }>;
}
