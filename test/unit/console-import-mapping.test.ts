/**
 * The console's Subscribers pages, their pure parts: the pasted CSV's limits and preview, the
 * mapping preselected and read back (lambdas/console/import-mapping.ts), the typed confirmation
 * of an erase (pages/subscribers.ts sameAddress), and the readers-index shard (core/keys.ts).
 * Each case names the mistake it tries.
 */
import { describe, expect, it } from '@jest/globals';
import { checkCsvSize, mapFromForm, MAX_CSV_BYTES, MAX_IMPORT_LINES, previewCsv, PREVIEW_ROWS } from '../../lambdas/console/import-mapping';
import { sameAddress } from '../../lambdas/console/pages/subscribers';
import { READER_SHARDS, readerShard } from '../../lambdas/core/keys';

describe('checkCsvSize', () => {
  it('refuses an empty paste and one over the byte limit (counted in UTF-8 bytes, not characters)', () => {
    expect(checkCsvSize('  \n')).toMatch(/Paste the CSV text/);
    // The mistake tried: counting characters, so a text of two-byte letters passes at twice the limit.
    const wide = 'é'.repeat(MAX_CSV_BYTES / 2 + 1);
    expect(wide.length).toBeLessThan(MAX_CSV_BYTES);
    expect(checkCsvSize(wide)).toMatch(/npm run cli -- subscribers import/);
    expect(checkCsvSize('email\na@example.org\n')).toBeUndefined();
  });
});

describe('previewCsv', () => {
  it('gives the header, the first rows only, the line count, and recognises a Mailchimp export', () => {
    const rows = Array.from({ length: PREVIEW_ROWS + 3 }, (_, i) => `r${i}@example.org,R,${i}`);
    const p = previewCsv(['Email Address,First Name,Last Name', ...rows].join('\n'));
    if ('error' in p) throw new Error(p.error);
    expect(p.columns).toEqual(['Email Address', 'First Name', 'Last Name']);
    expect(p.rows).toHaveLength(PREVIEW_ROWS);
    expect(p.lines).toBe(PREVIEW_ROWS + 3);
    expect(p.detected?.format).toBe('mailchimp');
    expect(p.guess.email).toBe('Email Address');
  });

  it('reads `;` files, guesses the columns of an unknown header by name, and recognises none', () => {
    const p = previewCsv('Mail;Full name;Tags\nann@example.org;Ann;cyber\n');
    if ('error' in p) throw new Error(p.error);
    expect(p.detected).toBeUndefined();
    expect(p.guess).toEqual({ email: 'Mail', name: 'Full name', topics: 'Tags' });
  });

  it('refuses more lines than one console import runs, naming the CLI', () => {
    const text = ['email', ...Array.from({ length: MAX_IMPORT_LINES + 1 }, (_, i) => `x${i}@example.org`)].join('\n');
    const p = previewCsv(text);
    expect('error' in p && p.error).toMatch(new RegExp(`at most ${MAX_IMPORT_LINES}.*subscribers import`));
  });

  it('names the line a broken quote is on', () => {
    const p = previewCsv('email,name\na@example.org,"Ann\nb@example.org,Bob\n');
    expect('error' in p && p.error).toMatch(/^Line \d+:/);
  });
});

describe('mapFromForm', () => {
  const columns = ['Mail', 'Who'];
  it('keeps the recognised format when asked (no map: the importer reads it as the CLI does without --map)', () => {
    expect(mapFromForm(new URLSearchParams({ how: 'detected', 'map-email': 'Mail' }), columns)).toEqual({});
  });

  it('reads the chosen columns, leaves out "not read", and refuses a map without email or with a column the text lacks', () => {
    expect(mapFromForm(new URLSearchParams({ how: 'mapped', 'map-email': 'Mail', 'map-name': 'Who', 'map-topics': '' }), columns)).toEqual({
      map: { email: 'Mail', name: 'Who' },
    });
    expect(mapFromForm(new URLSearchParams({ how: 'mapped', 'map-name': 'Who' }), columns)).toMatchObject({ field: 'email' });
    // The mistake tried: a column name altered in the form, passed on to the importer as if it existed.
    expect(mapFromForm(new URLSearchParams({ how: 'mapped', 'map-email': 'Email' }), columns)).toMatchObject({
      field: 'email',
      error: /no column "Email"/,
    });
  });
});

describe('sameAddress (the typed confirmation of an erase)', () => {
  it('accepts the address in other capitals or with spaces around, refuses another one, an empty one or one that is no address', () => {
    expect(sameAddress(' Mary.Major@Example.ORG ', 'mary.major@example.org')).toBe(true);
    expect(sameAddress('mark@example.org', 'mary.major@example.org')).toBe(false);
    expect(sameAddress('', 'mary.major@example.org')).toBe(false);
    expect(sameAddress('mary.major', 'mary.major@example.org')).toBe(false);
  });
});

describe('readerShard', () => {
  it('is the same for every capitalisation of an address (one key, one shard) and spreads addresses over every shard', () => {
    expect(readerShard('Mary@Example.org')).toBe(readerShard('mary@example.org'));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => readerShard(`reader${i}@example.org`)));
    expect([...seen].sort()).toEqual(Array.from({ length: READER_SHARDS }, (_, i) => i));
  });
});
