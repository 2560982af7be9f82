/**
 * The console's CSV import, its pure parts: the size limits, the preview of the pasted text (its
 * header, its first rows, the tool it comes from as the importer recognises it), the mapping the
 * page preselects, and the mapping read back from the form. The import itself is the CLI's
 * (usecases/import-subscribers.ts), given the same column map `--map` gives it.
 */
import { parse } from 'csv-parse/sync';
import { COLUMNS, detectDelimiter, formatName, readSubscriberCsv, type Field, type ImportFormat } from '../core/import-formats';

/**
 * The most text the console imports at once. The form posts it URL-encoded (up to three bytes
 * for one), twice (the mapping step carries it on): 1 MB stays under Lambda's 6 MB request
 * limit (API Gateway's is 10 MB), so the editor gets this message rather than a bare error.
 */
export const MAX_CSV_BYTES = 1_000_000;
/** The most data lines one console import runs: each is a few table writes, and a request has 30 seconds. */
export const MAX_IMPORT_LINES = 500;
/** Data rows the mapping step shows. */
export const PREVIEW_ROWS = 5;

/** What the mapping step shows of the text. */
export interface CsvPreview {
  columns: string[];
  rows: string[][];
  /** Data lines (records after the header). */
  lines: number;
  /** The tool (or this project's columns) the importer recognises by the header, with its name; absent for any other file. */
  detected?: { format: ImportFormat; name: string };
  /** The column preselected for each field. */
  guess: Partial<Record<Field, string>>;
}

const FIELD_HINTS: Record<Field, RegExp> = {
  email: /mail|address/i,
  name: /^(full ?)?name$/i,
  topics: /topic|tag|interest/i,
  digest: /^digest$/i,
  alerts: /^alerts?$/i,
  timezone: /time ?zone|^tz$/i,
};

/** Why the text cannot be imported here (empty, too large, too many lines), or undefined. */
export function checkCsvSize(text: string): string | undefined {
  if (!text.trim()) return 'Paste the CSV text (its header row first).';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CSV_BYTES)
    return `The text is ${bytes.toLocaleString('en')} bytes; the console imports at most ${MAX_CSV_BYTES.toLocaleString('en')} at once. Split the file, or import it with npm run cli -- subscribers import <file>.`;
  return undefined;
}

/** The header, the first rows and the recognised format of `text`; an error names the line the CSV cannot be read at. */
export function previewCsv(text: string): CsvPreview | { error: string } {
  let records: string[][];
  try {
    const read: unknown = parse(text.replace(/^\uFEFF/, ''), {
      delimiter: detectDelimiter(text),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
    records = read as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    return { error: `Line ${err.lines ?? 1}: ${err.message.replace(/^Invalid Record Length: /, '')}` };
  }
  const columns = (records[0] ?? []).map((c) => c.trim());
  if (!columns.some(Boolean)) return { error: 'Line 1: no header row (the first line names the columns).' };
  const lines = records.length - 1;
  if (lines > MAX_IMPORT_LINES)
    return {
      error: `The text has ${lines} lines after its header; the console imports at most ${MAX_IMPORT_LINES} at once. Split it, or import the file with npm run cli -- subscribers import <file>.`,
    };
  const read = readSubscriberCsv(text);
  const detected = read.ok ? { format: read.format, name: formatName(read.format, read.columns) } : undefined;
  const guess: Partial<Record<Field, string>> = {};
  for (const field of COLUMNS) {
    const exact = columns.find((c) => c.toLowerCase() === field);
    const like = columns.find((c) => FIELD_HINTS[field].test(c));
    if (exact ?? like) guess[field] = exact ?? like;
  }
  return { columns, rows: records.slice(1, 1 + PREVIEW_ROWS), lines, detected, guess };
}

/**
 * The column map the form chose (`map-<field>` = a column, or empty for "not read"); undefined
 * when the form keeps the format the importer recognised (`how=detected`). An error names the field.
 */
export function mapFromForm(
  form: URLSearchParams,
  columns: readonly string[],
): { map?: Partial<Record<Field, string>> } | { error: string; field: Field } {
  if (form.get('how') === 'detected') return {};
  const map: Partial<Record<Field, string>> = {};
  for (const field of COLUMNS) {
    const column = (form.get(`map-${field}`) ?? '').trim();
    if (!column) continue;
    if (!columns.includes(column)) return { field, error: `${field}: the text has no column ${JSON.stringify(column)}.` };
    map[field] = column;
  }
  if (!map.email) return { field: 'email', error: 'email: choose the column that holds the addresses.' };
  return { map };
}
