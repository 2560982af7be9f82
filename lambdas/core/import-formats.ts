/**
 * Reading a subscriber CSV: this project's own columns, the exports of the tools people leave
 * (Mailchimp, listmonk, Ghost, Substack, Buttondown; recognised by their header rows), or any
 * other file through a column map (`--map email=<column>,name=<column>`). Pure: text in, rows out.
 *
 * A reader the source tool says left (unsubscribed, cleaned, blocklisted, not subscribed to
 * emails, email disabled, ...) comes out as a row with `skip` set: it is reported and not
 * imported, so an import never turns someone's "no" elsewhere into a confirmed subscription here.
 */
import { parse } from 'csv-parse/sync';
import { didYouMean } from './did-you-mean';

/** The columns of this project's own format, and the fields a `--map` can fill. */
export const COLUMNS = ['email', 'digest', 'alerts', 'topics', 'timezone', 'name'] as const;
export type Field = (typeof COLUMNS)[number];

export type ImportFormat = 'briefing' | 'mailchimp' | 'listmonk' | 'ghost' | 'substack' | 'buttondown' | 'mapped';

/** One line of the file as the import reads it; `line`: where the record ends, as the file counts lines. */
export interface ImportRow {
  line: number;
  fields: Partial<Record<Field, string>>;
  /** Why the source tool's own record says not to import this reader. */
  skip?: string;
  /** Fields beyond the header (a comma inside an unquoted field): the line is refused. */
  extra: string[];
  /** The header's columns this line has no field for (a separator left out): the line is refused. */
  missing: string[];
}

export type ReadResult =
  | { ok: true; format: ImportFormat; headerSize: number; columns: string[]; rows: ImportRow[]; ignored: string[] }
  | { ok: false; line: number; message: string; hint?: string };

const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(', ');
const isTrue = (v: string | undefined) => ['true', 'yes', '1', 'y', 't'].includes((v ?? '').trim().toLowerCase());

/**
 * `;` or `,`, by the header row (outside quotes): spreadsheets in many European locales save
 * CSV with `;`. The more frequent of the two wins; a header with neither (one column) is `,`.
 */
export function detectDelimiter(csv: string): ',' | ';' {
  let inQuotes = false;
  let commas = 0;
  let semicolons = 0;
  for (const ch of csv.replace(/^\uFEFF/, '')) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break;
    else if (!inQuotes && ch === ',') commas++;
    else if (!inQuotes && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** `email=Mail,name=Full name` as given to `--map`: field to column. */
export function parseColumnMap(spec: string): Partial<Record<Field, string>> {
  const map: Partial<Record<Field, string>> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf('=');
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    const column = at < 0 ? '' : part.slice(at + 1).trim();
    if (!COLUMNS.includes(key as Field))
      throw new Error(`--map: unknown field ${JSON.stringify(key)}${didYouMean(key, COLUMNS)}: the fields are ${COLUMNS.join(', ')}`);
    if (!column) throw new Error(`--map: ${key} names no column: write ${key}=<column of the file>`);
    map[key as Field] = column;
  }
  if (!map.email) throw new Error('--map: email=<column> is needed (the column that holds the addresses)');
  return map;
}

type Headers = Map<string, number>;
type Reader = { format: ImportFormat; fields: (get: (h: string) => string | undefined) => Omit<ImportRow, 'line' | 'extra' | 'missing'> };

/** Each tool's export, by the header columns only it has (lower-cased), and how its rows read. */
const TOOLS: { format: ImportFormat; has: string[]; read: Reader['fields'] }[] = [
  {
    // Audience export (a zip of subscribed, unsubscribed and cleaned CSVs): the last two carry UNSUB_TIME or CLEAN_TIME.
    format: 'mailchimp',
    has: ['email address'],
    read: (get) => ({
      fields: { email: get('email address'), name: [get('first name'), get('last name')].filter((x) => x?.trim()).join(' ') },
      skip: get('unsub_time')?.trim()
        ? `unsubscribed in Mailchimp (UNSUB_TIME ${get('unsub_time')!.trim()})`
        : get('clean_time')?.trim()
          ? `cleaned in Mailchimp (its mail bounced; CLEAN_TIME ${get('clean_time')!.trim()})`
          : undefined,
    }),
  },
  {
    format: 'ghost',
    has: ['email', 'subscribed_to_emails'],
    read: (get) => ({
      fields: { email: get('email'), name: get('name') },
      skip: get('deleted_at')?.trim()
        ? 'deleted in Ghost (deleted_at is set)'
        : isTrue(get('subscribed_to_emails'))
          ? undefined
          : `not subscribed to emails in Ghost (subscribed_to_emails=${get('subscribed_to_emails')?.trim() || 'empty'})`,
    }),
  },
  {
    format: 'substack',
    has: ['email', 'active_subscription'],
    read: (get) => ({
      fields: { email: get('email'), name: get('name') },
      // `active_subscription` is about payment (false for a free reader, who still gets the
      // mail): only `email_disabled` says a reader stopped the mail.
      skip: isTrue(get('email_disabled')) ? 'email disabled in Substack (email_disabled=true)' : undefined,
    }),
  },
  {
    format: 'buttondown',
    has: ['email', 'subscriber_type'],
    read: (get) => {
      const type = (get('subscriber_type') ?? '').trim().toLowerCase();
      return {
        fields: { email: get('email'), name: metadataName(get('metadata')) },
        // An allow-list: a type this import does not know (or none) is not taken for a reader who gets the mail.
        skip: BUTTONDOWN_ACTIVE.includes(type) ? undefined : `${type || 'no subscriber type'} in Buttondown (subscriber_type=${type})`,
      };
    },
  },
  {
    format: 'listmonk',
    has: ['uuid', 'email', 'name', 'attributes', 'status'],
    read: (get) => {
      const status = (get('status') ?? '').trim().toLowerCase();
      return {
        fields: { email: get('email'), name: get('name') },
        skip: status === 'enabled' ? undefined : `${status || 'no status'} in listmonk`,
      };
    },
  },
];

/**
 * Buttondown's subscriber types of readers who are not (or not yet) receiving: "unactivated"
 * never confirmed their address; the others left, bounced, complained or were removed.
 */
/** Buttondown's subscriber types that get the newsletter; any other (unactivated, unsubscribed, removed, blocked, …) is skipped. */
const BUTTONDOWN_ACTIVE = ['regular', 'premium', 'gifted', 'trialed', 'churning', 'past_due'];

/** Buttondown keeps names in its metadata JSON, if anywhere: `name`, or `first_name` and `last_name`. */
function metadataName(json: string | undefined): string | undefined {
  if (!json?.trim()) return undefined;
  try {
    const m = JSON.parse(json) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return text(m.name) || [text(m.first_name), text(m.last_name)].filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Each record's line number as an editor counts lines (the line it ends on): a CR/LF inside a
 * quoted field is one line break, where csv-parse's own count makes it two and shifts every line after.
 */
function withFileLines(csv: string, records: { record: string[]; info: { bytes: number } }[]) {
  const bytes = Buffer.from(csv, 'utf8');
  let from = 0;
  let breaks = 0;
  return records.map(({ record, info }) => {
    const text = bytes.subarray(from, info.bytes).toString('utf8');
    const body = text.replace(/(\r\n|\r|\n)$/, '');
    const inside = body.match(/\r\n|\r|\n/g)?.length ?? 0;
    const line = breaks + inside + 1;
    breaks += inside + (body.length < text.length ? 1 : 0);
    from = info.bytes;
    return { record, info: { lines: line } };
  });
}

/**
 * Parse the file and say which format it is in. `map` (from {@link parseColumnMap}) reads any
 * file by the columns it names. A file refused whole comes back with `ok: false`, the line and why.
 */
export function readSubscriberCsv(file: string, map?: Partial<Record<Field, string>>): ReadResult {
  const csv = file.replace(/^\uFEFF/, '');
  let lines: { record: string[]; info: { lines: number } }[];
  try {
    lines = withFileLines(
      csv,
      parse(csv, {
        delimiter: detectDelimiter(csv),
        skip_empty_lines: true,
        trim: true,
        bom: true,
        info: true,
        relax_column_count: true,
      }) as unknown as { record: string[]; info: { bytes: number } }[],
    );
  } catch (e) {
    const err = e as Error & { lines?: number };
    return {
      ok: false,
      line: err.lines ?? 1,
      message: `not readable as CSV: ${err.message}. Nothing was imported: fix that line and run again`,
    };
  }
  const raw = (lines[0]?.record ?? []).map((h) => h.trim());
  const header = raw.map((h) => h.toLowerCase());
  if (lines.length < 2)
    return { ok: false, line: 1, message: 'no subscriber in the file: a header row (email, …) and one line per address are needed' };
  const index: Headers = new Map();
  header.forEach((h, i) => index.has(h) || index.set(h, i));
  const rowsBy = (read: Reader['fields'], format: ImportFormat, ignored: string[]): ReadResult => ({
    ok: true,
    format,
    headerSize: header.length,
    columns: raw,
    ignored,
    rows: lines.slice(1).map(({ record, info }) => {
      const get = (h: string) => (index.has(h) ? (record[index.get(h)!] ?? '') : undefined);
      const r = read(get);
      const fields = Object.fromEntries(Object.entries(r.fields).filter(([, v]) => v !== undefined && v !== '')) as ImportRow['fields'];
      return {
        line: info.lines,
        fields,
        skip: r.skip,
        extra: record.length > header.length ? record.slice(header.length) : [],
        missing: raw.slice(record.length),
      };
    }),
  });

  if (map) {
    const missing = Object.entries(map).find(([, column]) => !index.has(column.toLowerCase()));
    if (missing)
      return {
        ok: false,
        line: 1,
        message: `--map ${missing[0]}=${missing[1]}: the file has no column ${JSON.stringify(missing[1])}${didYouMean(missing[1], raw)}`,
        hint: `the header row has ${list(raw)}`,
      };
    const used = new Set(Object.values(map).map((c) => c.toLowerCase()));
    // A tool's own export read through --map still skips the readers that tool says left.
    const tool = TOOLS.find((t) => t.has.every((h) => index.has(h)));
    const read: Reader['fields'] = (get) => ({
      fields: Object.fromEntries(Object.entries(map).map(([field, column]) => [field, get(column.toLowerCase())])),
      skip: tool?.read(get).skip,
    });
    return rowsBy(
      read,
      'mapped',
      raw.filter((h) => !used.has(h.toLowerCase())),
    );
  }

  const tool = TOOLS.find((t) => t.has.every((h) => index.has(h)));
  if (tool) return rowsBy(tool.read, tool.format, []);

  if (!index.has('email'))
    return {
      ok: false,
      line: 1,
      message: 'the header row has no "email" column',
      hint: `the header row has ${list(header)}; the columns are ${COLUMNS.join(', ')}, separated by commas or semicolons; or name the columns to read with --map email=<column>,name=<column>`,
    };
  // A column this import does not read would be dropped without a word: a misspelt "topics",
  // or a "status" that says a reader left. Refuse the file instead, before anything is written.
  const unknown = header.filter((h) => !COLUMNS.includes(h as Field));
  const twice = header.filter((h, i) => header.indexOf(h) !== i);
  if (unknown.length || twice.length) {
    const what = unknown.length
      ? `column${unknown.length > 1 ? 's' : ''} ${list(unknown)} ${unknown.length > 1 ? 'are' : 'is'} not read by this import`
      : `column${twice.length > 1 ? 's' : ''} ${list(twice)} given twice`;
    const hints = unknown.map((u) => didYouMean(u, COLUMNS)).join('');
    return {
      ok: false,
      line: 1,
      message: `${what}: the columns are ${COLUMNS.join(', ')}; rename or remove ${unknown.length + twice.length > 1 ? 'them' : 'it'}${hints}. Nothing was imported.`,
      hint: unknown.length ? 'a file from another tool: name the columns to read with --map email=<column>,name=<column>' : undefined,
    };
  }
  const plain: Reader['fields'] = (get) => ({ fields: Object.fromEntries(COLUMNS.map((c) => [c, get(c)])) });
  return rowsBy(plain, 'briefing', []);
}

/** The format's name as the report shows it (this project's own: the columns the file has, {@link formatName}). */
export const FORMAT_NAMES: Record<ImportFormat, string> = {
  briefing: 'columns email, digest, alerts, topics, timezone, name',
  mailchimp: 'a Mailchimp audience export',
  listmonk: 'a listmonk subscriber export',
  ghost: 'a Ghost members export',
  substack: 'a Substack subscriber export',
  buttondown: 'a Buttondown subscriber export',
  mapped: 'the columns given with --map',
};

/** How a file was read, for the report's first line: this project's format names the columns found in the file. */
export function formatName(format: ImportFormat, columns?: readonly string[]): string {
  return format === 'briefing' && columns?.length ? `columns ${columns.join(', ')}` : FORMAT_NAMES[format];
}
