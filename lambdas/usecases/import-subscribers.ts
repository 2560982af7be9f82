/**
 * `subscribers import`: a CSV of this project's columns, a tool's export (core/import-formats.ts)
 * or any file read through `--map`, applied line by line through {@link upsertSubscriber} (the
 * same checks as `subscribers add`: address, topics, time zone, and now the name). Every line
 * gets a verdict in the report: imported, updated, unchanged, skipped (the source tool says the
 * reader left, or the line repeats an earlier one) or refused (why), with its line number.
 */
import { emailKey, mailboxDigest, normaliseEmail } from '../core/address';
import { readSubscriberCsv, type Field, type ImportFormat, type ImportRow } from '../core/import-formats';
import { keptMessage, upsertSubscriber, type NewSubscriber, type OperatorDeps, type OperatorOptions } from './subscribers';

/** One line's verdict. */
export interface ImportLine {
  line: number;
  outcome: 'imported' | 'updated' | 'unchanged' | 'resubscribed' | 'kept' | 'skipped' | 'duplicate' | 'refused';
  message: string;
}

export interface ImportReport {
  /** How the file was read: this project's columns, a tool's export, or `--map`. */
  format?: ImportFormat;
  /** New subscribers. */
  imported: number;
  /** Stored subscribers whose choices changed, or whose pending sign-up was confirmed. */
  updated: number;
  /** Lines that changed nothing: a stored reader repeated, or a repeat of an earlier line (also in `duplicates`). */
  unchanged: number;
  /** Brought back with `resubscribe`. */
  resubscribed: number;
  /** Lines repeating an earlier line's reader (capitals aside), skipped. */
  duplicates: number;
  /** Readers the source tool says left (unsubscribed, cleaned, ...): not imported. */
  skipped: number;
  /** Kept out, by why: each line is listed in `keptLines`. */
  kept: { unsubscribed: number; suppressed: number; erased: number; left: number };
  keptLines: { line: number; message: string }[];
  /** One entry per bad line, with its line number in the file (1-based, header included). */
  errors: { line: number; message: string }[];
  /** How to fix a file refused whole, when there is more to say than its error. */
  hint?: string;
  /** Every line's verdict, in the file's order. */
  lines: ImportLine[];
  /** `--map`: the file's columns not read. */
  ignored?: string[];
  /** The header row's columns, as the file has them. */
  columns?: string[];
}

export interface ImportOptions extends OperatorOptions {
  /** Field to column, from `--map email=<column>,name=<column>` (core/import-formats.ts `parseColumnMap`). */
  map?: Partial<Record<Field, string>>;
}

const parseBool = (v: string | undefined, field: string): boolean | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(s)) return true;
  if (['false', 'no', '0', 'n'].includes(s)) return false;
  throw new Error(`${field}: expected true or false, got ${JSON.stringify(v)}`);
};

const headerList = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');

/** The address's key, or undefined for one that is not an address (its line is refused with the reason). */
const keyOf = (email: string | undefined): string | undefined => {
  try {
    return email ? emailKey(email) : undefined;
  } catch {
    return undefined;
  }
};

/** What a later line must match to be a plain repeat of an earlier one. */
const sameAs = (a: ImportRow, b: ImportRow) =>
  a.skip === b.skip &&
  JSON.stringify({ ...a.fields, email: undefined }).toLowerCase() === JSON.stringify({ ...b.fields, email: undefined }).toLowerCase();

/**
 * Import a CSV with a header row (see the module comment). Columns of this project's own format:
 * `email` (required), `digest`, `alerts` (true/false), `topics` (separated by `;` or spaces),
 * `timezone`, `name`; an empty cell changes nothing of a stored subscriber. Every good line is
 * applied; every bad line is reported with its line number and nothing is written for it.
 */
export async function importSubscribers(deps: OperatorDeps, csv: string, options: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = {
    imported: 0,
    updated: 0,
    unchanged: 0,
    resubscribed: 0,
    duplicates: 0,
    skipped: 0,
    kept: { unsubscribed: 0, suppressed: 0, erased: 0, left: 0 },
    keptLines: [],
    errors: [],
    lines: [],
  };
  const read = readSubscriberCsv(csv, options.map);
  if (!read.ok) {
    report.errors.push({ line: read.line, message: read.message });
    report.lines.push({ line: read.line, outcome: 'refused', message: read.message });
    if (read.hint) report.hint = read.hint;
    return report;
  }
  report.format = read.format;
  report.columns = read.columns;
  if (read.ignored.length) report.ignored = read.ignored;
  const refuse = (line: number, message: string) => {
    report.errors.push({ line, message });
    report.lines.push({ line, outcome: 'refused', message });
  };
  /** The first line of each reader (by address key) that was applied or skipped. */
  const seen = new Map<string, ImportRow>();
  for (const row of read.rows) {
    const { line, fields } = row;
    const key = keyOf(fields.email);
    try {
      if (row.extra.length)
        throw new Error(
          `${read.headerSize + row.extra.length} fields, the header has ${read.headerSize} (${headerList(row.extra)} would be lost): quote a field that holds a comma, e.g. "cyber;china"`,
        );
      // As refused as a longer line: a left-out separator shifts every field after it into the wrong column.
      const count = read.headerSize - row.missing.length;
      if (row.missing.length)
        throw new Error(
          `${count} field${count === 1 ? '' : 's'}, the header has ${read.headerSize} (no field for ${headerList(row.missing)}): give every column, an empty one as nothing between its separators, e.g. ann@example.org,,true`,
        );
      const first = key === undefined ? undefined : seen.get(key);
      if (first) {
        if (!sameAs(first, row))
          throw new Error(
            `${fields.email}: the reader of line ${first.line} again (the same address, capitals aside), with other values: line ${first.line} was applied, this one was not; keep one of the two lines`,
          );
        report.duplicates++;
        report.unchanged++;
        report.lines.push({
          line,
          outcome: 'duplicate',
          message: `skipped ${fields.email}: a duplicate of line ${first.line} (the same reader, capitals aside)`,
        });
        continue;
      }
      if (row.skip) {
        // The source tool's "no" stands: no subscriber is written (that would keep personal data
        // about someone who never subscribed here), only the keyed digests of the address and its
        // inbox, so a later import or add of any form of it is kept out (`--resubscribe` aside).
        if (key !== undefined) seen.set(key, row);
        // An address stored here keeps its own record here (its status holds its "no" here, or its consent).
        if (key !== undefined && !(await deps.subscribers.getByEmail(key))) {
          // Where it left, without the tool's details in brackets (its times are about the person).
          const where = row.skip.replace(/\s*\(.*\)$/, '');
          const at = deps.clock.now();
          for (const d of new Set([deps.digest(key), mailboxDigest(key, deps.digest)])) await deps.subscribers.markSaidNo(d, where, at);
        }
        report.skipped++;
        report.lines.push({ line, outcome: 'skipped', message: `skipped ${fields.email ?? '(no address)'}: ${row.skip}; not imported` });
        continue;
      }
      const input: NewSubscriber = {
        email: fields.email ?? '',
        digest: parseBool(fields.digest, 'digest'),
        alerts: parseBool(fields.alerts, 'alerts'),
        topics: fields.topics ? fields.topics.split(/[;\s]+/).filter(Boolean) : undefined,
        timezone: fields.timezone || undefined,
        name: fields.name || undefined,
      };
      const { outcome, subscriber, inbox, said, saidNo } = await upsertSubscriber(deps, input, 'import', options);
      // A reader kept out is kept out again on each repeat, and each line listed with why.
      if (key !== undefined && !outcome.startsWith('kept-')) seen.set(key, row);
      const who = `${subscriber?.email ?? normaliseEmail(input.email)}${subscriber?.name ? ` (${subscriber.name})` : ''}`;
      if (outcome === 'added') {
        report.imported++;
        report.lines.push({ line, outcome: 'imported', message: `imported ${who}` });
      } else if (outcome === 'updated' || outcome === 'confirmed') {
        report.updated++;
        const how = outcome === 'confirmed' ? 'confirmed (was waiting for its confirmation)' : 'updated';
        report.lines.push({ line, outcome: 'updated', message: `${how} ${who}` });
      } else if (outcome === 'unchanged') {
        report.unchanged++;
        report.lines.push({ line, outcome: 'unchanged', message: `already subscribed, nothing to change: ${who}` });
      } else if (outcome === 'resubscribed') {
        report.resubscribed++;
        report.lines.push({ line, outcome: 'resubscribed', message: `brought back on the reader's new consent: ${who}` });
      } else {
        const message = keptMessage(normaliseEmail(input.email), outcome, said ?? subscriber, inbox, saidNo);
        report.kept[outcome.slice('kept-'.length) as keyof ImportReport['kept']]++;
        report.keptLines.push({ line, message });
        report.lines.push({ line, outcome: 'kept', message });
      }
    } catch (e) {
      refuse(line, (e as Error).message);
    }
  }
  return report;
}

/** How the file was read, for the report's first line (this project's format: the columns found). */
export { formatName } from '../core/import-formats';
