/**
 * Reading an import file (core/import-formats.ts, bin/cli/import-file.ts): the delimiter, the
 * `--map` argument, line numbers as the file counts them, and the path of a file named from a
 * subdirectory under `npm run cli`.
 */
import { expect } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectDelimiter, parseColumnMap, readSubscriberCsv } from '../../lambdas/core/import-formats';
import { importPath, printImport, readCsv } from '../../bin/cli/import-file';
import { importSubscribers } from '../../lambdas/usecases/import-subscribers';
import { testDigest as digest } from '../support/address-key';
import { fixedClock, MemorySubscribers } from './fakes';

describe('the delimiter, by the header row', () => {
  it.each([
    ['commas', 'email,name\na@example.org,"Lima; Ana"\n', ','],
    ['semicolons (a spreadsheet in a European locale)', 'email;name;topics\na@example.org;Ana, Lima;cyber\n', ';'],
    ['a semicolon inside a quoted header only', '"e;mail",name\n', ','],
    ['one column', 'email\na@example.org\n', ','],
  ])('%s', (_name, csv, delimiter) => {
    expect(detectDelimiter(csv)).toBe(delimiter);
  });
});

describe('--map', () => {
  it('reads field=column pairs, the column as written', () => {
    expect(parseColumnMap('email=E-Mail, name=Full name')).toEqual({ email: 'E-Mail', name: 'Full name' });
  });

  it.each([
    ['a misspelt field', 'emial=Mail', /unknown field "emial" \(did you mean "email"\?\): the fields are email, digest/],
    ['no email field', 'name=Full name', /email=<column> is needed/],
    ['a field with no column', 'email=', /email names no column/],
  ])('refuses %s, saying what to write', (_name, spec, message) => {
    expect(() => parseColumnMap(spec)).toThrow(message);
  });
});

describe('the file refused whole, before anything is written', () => {
  it('a misspelt column of the own format suggests the column meant, and --map for another tool', () => {
    const r = readSubscriberCsv('email,nmae\na@example.org,Ana\n');
    expect(r).toMatchObject({
      ok: false,
      line: 1,
      message: expect.stringMatching(/column "nmae" is not read .*\(did you mean "name"\?\)/),
    });
    expect(r.ok ? '' : r.hint).toMatch(/--map email=<column>,name=<column>/);
  });

  it('a file of no known tool without an email column points to --map', () => {
    const r = readSubscriberCsv('Mail,Full name\na@example.org,Ana\n');
    expect(r).toMatchObject({ ok: false, message: 'the header row has no "email" column', hint: expect.stringMatching(/--map email=/) });
  });
});

describe('line numbers as the file counts them', () => {
  it('a CR/LF inside a quoted field is one line break: the lines after it keep their numbers', () => {
    const r = readSubscriberCsv('email,name\r\na@example.org,"Ana\r\nLima"\r\nb@example.org,Bo\r\n\r\nc@example.org,Cy\r\n');
    expect(r.ok && r.rows.map((row) => row.line)).toEqual([3, 4, 6]);
  });
});

describe('the path of the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'briefing-import-'));
  const sub = join(root, 'exports');
  mkdirSync(sub);
  writeFileSync(join(root, 'readers.csv'), 'email\nroot@example.org\n');
  writeFileSync(join(sub, 'readers.csv'), 'email\nsub@example.org\n');

  it('named in a subdirectory under `npm run cli` (which runs from the package folder): read from that subdirectory', () => {
    // npm sets INIT_CWD to the folder the command was typed in, and runs the script from the package folder.
    expect(importPath('readers.csv', { INIT_CWD: sub }, root)).toBe(join(sub, 'readers.csv'));
    expect(readCsv('readers.csv', { INIT_CWD: sub }, root)).toContain('sub@example.org');
  });

  it('without npm (no INIT_CWD): read from the working folder; an absolute path as given', () => {
    expect(readCsv('readers.csv', {}, root)).toContain('root@example.org');
    expect(importPath(join(sub, 'readers.csv'), { INIT_CWD: root }, root)).toBe(join(sub, 'readers.csv'));
  });

  it('a file that is not there: the error names the path it tried', () => {
    expect(() => readCsv('missing.csv', { INIT_CWD: sub }, root)).toThrow(`cannot read ${join(sub, 'missing.csv')}: no such file`);
  });
});

describe("the command's report", () => {
  it('prints every line with its verdict (refusals on stderr), then the counts; a refused line makes the exit code 1', async () => {
    const csv = 'email,name\nann@example.org,Ann\nANN@example.org,Ann\nnot-an-address,Nobody\n';
    const r = await importSubscribers({ subscribers: new MemorySubscribers(), clock: fixedClock(), digest }, csv);
    const out: string[] = [];
    const err: string[] = [];
    const before = process.exitCode;
    try {
      printImport('readers.csv', r, false, { log: (s: string) => out.push(s), error: (s: string) => err.push(s) } as unknown as Console);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
    expect(out).toEqual([
      'readers.csv: read as columns email, name',
      'readers.csv:2: imported ann@example.org (Ann)',
      'readers.csv:3: skipped ANN@example.org: a duplicate of line 2 (the same reader, capitals aside)',
      expect.stringMatching(
        /^imported 1 new subscriber\(s\) from readers.csv; 0 updated, 1 unchanged \(1 a repeat of an earlier line\); refused 1/,
      ),
    ]);
    expect(err).toEqual([expect.stringMatching(/^readers.csv:4: .*invalid email address/)]);
  });
});

describe('a line or a file that does not match its header says so once, with the line', () => {
  /** printImport's lines, stdout and stderr apart, and the exit code it set. */
  const printed = (r: Awaited<ReturnType<typeof importSubscribers>>) => {
    const out: string[] = [];
    const err: string[] = [];
    const before = process.exitCode;
    let code: typeof process.exitCode;
    try {
      printImport('readers.csv', r, false, { log: (s: string) => out.push(s), error: (s: string) => err.push(s) } as unknown as Console);
      code = process.exitCode;
    } finally {
      process.exitCode = before;
    }
    return { out, err, code };
  };

  it('mistake: a line shorter than its header (its last field left out) is refused, naming the line and the columns it lacks; the others import', async () => {
    const subscribers = new MemorySubscribers();
    const csv = 'email,name,topics\nann@example.org,Ann,cyber\nbob@example.org,Bob\n';
    const r = await importSubscribers({ subscribers, clock: fixedClock(), digest }, csv);
    expect(r.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^2 fields, the header has 3 \(no field for "topics"\): give every column/) },
    ]);
    // Before, Bob was imported without a word, with every topic instead of the ones meant.
    expect(subscribers.byEmail.has('bob@example.org')).toBe(false);
    expect(subscribers.byEmail.get('ann@example.org')?.topics).toEqual(['cyber']);
    expect(printed(r).err).toEqual([expect.stringMatching(/^readers\.csv:3: 2 fields, the header has 3/)]);
  });

  it('mistake: a file refused whole (no email column) prints one line saying why and that nothing was imported, not a second summary of zeros', async () => {
    const r = await importSubscribers(
      { subscribers: new MemorySubscribers(), clock: fixedClock(), digest },
      'mail,name\nann@example.org,Ann\n',
    );
    const { out, err, code } = printed(r);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'readers.csv:1: the header row has no "email" column. Nothing was imported.',
      expect.stringMatching(/^readers\.csv: the header row has "mail", "name"/),
    ]);
    expect(code).toBe(1);
  });

  it('mistake: the "read as" line naming columns the file does not have: it lists the columns found, in the file\'s order', async () => {
    const r = await importSubscribers(
      { subscribers: new MemorySubscribers(), clock: fixedClock(), digest },
      'timezone;email;topics\nEurope/Paris;ann@example.org;cyber\n',
    );
    expect(printed(r).out[0]).toBe('readers.csv: read as columns timezone, email, topics');
  });
});

describe('readers who left stay out whichever way the file is read', () => {
  const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'imports', name), 'utf8');

  it("--map over a tool's own export keeps that tool's skip rule (Mailchimp's unsubscribed export)", () => {
    // The mistake: naming the columns by hand on an export of people who unsubscribed.
    const r = readSubscriberCsv(fixture('mailchimp-unsubscribed.csv'), parseColumnMap('email=Email Address,name=First Name'));
    if (!r.ok) throw new Error(r.message);
    expect(r.format).toBe('mapped');
    expect(r.rows.every((row) => row.skip !== undefined)).toBe(true);
  });

  it.each([
    ['blocked', 'blocked in Buttondown'],
    ['', 'no subscriber type in Buttondown'],
  ])('Buttondown subscriber_type %j is skipped (only the types that get the mail are imported)', (type, why) => {
    const csv = `email,subscriber_type\nx@example.org,${type}\ny@example.org,regular\n`;
    const r = readSubscriberCsv(csv);
    if (!r.ok) throw new Error(r.message);
    expect(r.rows.map((row) => row.skip)).toEqual([expect.stringContaining(why), undefined]);
  });
});
