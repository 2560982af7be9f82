/**
 * `subscribers import` from the tools people leave, against DynamoDB Local: each tool's export
 * (fixtures in test/fixtures/imports/, in that tool's column order) imports its subscribed readers
 * with their names and skips the ones the tool says left; any other file through `--map`; `;`
 * files; duplicates in other capitals; names too long or carrying a line break; and the name
 * shown by a privacy export and gone after an erasure.
 */
import { expect } from '@jest/globals';
import { join } from 'node:path';
import { parseColumnMap } from '../../lambdas/core/import-formats';
import { MAX_NAME_LENGTH } from '../../lambdas/core/subscriber-name';
import { importSubscribers, type ImportReport } from '../../lambdas/usecases/import-subscribers';
import { eraseSubscriber, exportSubscriber } from '../../lambdas/usecases/privacy';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { readCsv } from '../../bin/cli/import-file';
import { operator, testDigest } from '../support/address-key';
import { createTestTables, scanAll, type TestTables } from '../support/tables';

let tables: TestTables;
let ports: ReturnType<typeof dynamoPorts<TestTables['names']>>;
beforeAll(async () => {
  tables = await createTestTables('imp');
  ports = dynamoPorts(documentClient(), tables.names);
});
afterAll(() => tables?.drop());

const deps = () => operator(ports.subscriptions, systemClock);
const fixture = (name: string) => readCsv(join(__dirname, '../fixtures/imports', name));
const stored = (email: string) => ports.subscriptions.getByEmail(email);
const verdicts = (r: ImportReport) => r.lines.map((l) => [l.line, l.outcome]);

describe("each tool's export, read by its header row", () => {
  it.each([
    [
      'Mailchimp (the zip: subscribed, unsubscribed and cleaned)',
      ['mailchimp-subscribed.csv', 'mailchimp-unsubscribed.csv', 'mailchimp-cleaned.csv'],
      { 'ana.lima@example.org': 'Ana Lima', 'kenji@example.org': 'Kenji', 'noname@example.org': undefined },
      { 'left@example.org': /unsubscribed in Mailchimp \(UNSUB_TIME 2024-06-01/, 'bounced@example.org': /cleaned in Mailchimp/ },
    ],
    ['listmonk', ['listmonk.csv'], { 'mira@example.org': 'Mira Okafor' }, { 'blocked@example.org': /blocklisted in listmonk/ }],
    [
      'Ghost',
      ['ghost.csv'],
      { 'sam@example.org': 'Sam Ortiz' },
      { 'quiet@example.org': /not subscribed to emails in Ghost \(subscribed_to_emails=false\)/ },
    ],
    [
      'Substack (a free reader, active_subscription=false, is imported)',
      ['substack.csv'],
      { 'paid@example.org': undefined, 'free@example.org': undefined },
      { 'muted@example.org': /email disabled in Substack/ },
    ],
    [
      'Buttondown (the name from its metadata)',
      ['buttondown.csv'],
      { 'jo@example.org': 'Jo Berg' },
      { 'pending@example.org': /unactivated in Buttondown/, 'gone@example.org': /unsubscribed in Buttondown/ },
    ],
  ])(
    '%s: the subscribed readers with their names; the ones the tool says left are skipped, saying why',
    async (_tool, files, imported, skipped) => {
      const reports = [];
      for (const file of files) reports.push(await importSubscribers(deps(), fixture(file)));
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
      expect(reports.reduce((n, r) => n + r.imported, 0)).toBe(Object.keys(imported).length);
      expect(reports.reduce((n, r) => n + r.skipped, 0)).toBe(Object.keys(skipped).length);
      for (const [email, name] of Object.entries(imported)) {
        const s = await stored(email);
        expect(s).toMatchObject({ status: 'confirmed', source: 'import' });
        expect(s!.name).toBe(name);
      }
      const lines = reports.flatMap((r) => r.lines);
      for (const [email, why] of Object.entries(skipped)) {
        expect(await stored(email)).toBeUndefined();
        const line = lines.find((l) => l.message.includes(email));
        expect(line).toMatchObject({ outcome: 'skipped', message: expect.stringMatching(why) });
      }
    },
  );
});

describe('other files, and the mistakes in them', () => {
  it('--map reads any file by the columns it names, through the same topic check as `subscribers add`', async () => {
    const csv =
      'E-Mail,Full name,Interests,Joined\nmapped@example.org,Ines Mapped,cyber,2024\nbadtopic@example.org,Bad Topic,dragons,2024\n';
    const r = await importSubscribers(deps(), csv, { map: parseColumnMap('email=e-mail,name=Full name,topics=Interests') });
    expect(r).toMatchObject({ format: 'mapped', imported: 1, ignored: ['Joined'] });
    expect(await stored('mapped@example.org')).toMatchObject({ name: 'Ines Mapped', topics: ['cyber'] });
    expect(r.errors).toEqual([{ line: 3, message: expect.stringMatching(/unknown topic "dragons"/) }]);
    expect(await stored('badtopic@example.org')).toBeUndefined();
  });

  it('--map naming a column the file does not have: refused whole with "did you mean" over its headers, nothing written', async () => {
    const csv = 'E-Mail,Full name\nnever-mapped@example.org,Never\n';
    const r = await importSubscribers(deps(), csv, { map: parseColumnMap('email=Email,name=Full name') });
    expect(r.errors).toEqual([{ line: 1, message: '--map email=Email: the file has no column "Email" (did you mean "E-Mail"?)' }]);
    expect(r.hint).toBe('the header row has "E-Mail", "Full name"');
    expect(await stored('never-mapped@example.org')).toBeUndefined();
  });

  it('a file saved with ";" (a spreadsheet in a European locale) is read by its header row', async () => {
    const r = await importSubscribers(deps(), 'email;name;alerts\nsemi@example.org;Semi Colon;true\n');
    expect(r).toMatchObject({ format: 'briefing', imported: 1, errors: [] });
    expect(await stored('semi@example.org')).toMatchObject({ name: 'Semi Colon', alerts: true });
  });

  it('duplicates that differ only in case are one reader: a repeat is skipped naming the first line, a conflicting one refused', async () => {
    const csv = 'email,name\nRae@example.org,Rae\nrae@EXAMPLE.org,Rae\nRAE@example.org,Rae Other\n';
    const r = await importSubscribers(deps(), csv);
    expect(verdicts(r)).toEqual([
      [2, 'imported'],
      [3, 'duplicate'],
      [4, 'refused'],
    ]);
    expect(r.lines[1].message).toMatch(/a duplicate of line 2/);
    expect(r.errors).toEqual([{ line: 4, message: expect.stringMatching(/the reader of line 2 again .* with other values/) }]);
    expect(await stored('rae@example.org')).toMatchObject({ name: 'Rae', emailAsTyped: 'Rae@example.org' });
    const items = (await scanAll(tables.names.subscribers)).filter((i) => String(i.email).toLowerCase() === 'rae@example.org');
    expect(items).toHaveLength(1);
  });

  it('refuses a name longer than the limit, or one with a CR/LF (a header-injection attempt), writing nothing for that line', async () => {
    const long = 'N'.repeat(MAX_NAME_LENGTH + 1);
    const atLimit = 'M'.repeat(MAX_NAME_LENGTH);
    const csv = `email,name\nlong@example.org,${long}\nfits@example.org,${atLimit}\ninject@example.org,"Eve\r\nBcc: victim@example.org"\n`;
    const r = await importSubscribers(deps(), csv);
    expect(r.imported).toBe(1);
    expect(r.errors).toEqual([
      { line: 2, message: expect.stringMatching(new RegExp(`name: ${MAX_NAME_LENGTH + 1} characters, at most ${MAX_NAME_LENGTH}`)) },
      { line: 5, message: expect.stringMatching(/name: has a control character/) },
    ]);
    expect(await stored('long@example.org')).toBeUndefined();
    expect(await stored('inject@example.org')).toBeUndefined();
    expect((await stored('fits@example.org'))!.name).toBe(atLimit);
  });

  it('a name given again for a stored reader updates it; the plain email file keeps it', async () => {
    await importSubscribers(deps(), 'email,name\nrenamed@example.org,Old Name\n');
    const r = await importSubscribers(deps(), 'email,name\nrenamed@example.org,New Name\n');
    expect(r).toMatchObject({ updated: 1 });
    expect((await importSubscribers(deps(), 'email\nrenamed@example.org\n')).unchanged).toBe(1);
    expect((await stored('renamed@example.org'))!.name).toBe('New Name');
  });
});

describe('names and privacy requests', () => {
  it('the name is in the privacy export, and gone from every table after an erasure', async () => {
    const name = 'Private Person Zq';
    await importSubscribers(deps(), `email,name\nprivate@example.org,${name}\n`);
    const privacy = { subscribers: ports.subscriptions, deliveries: ports.deliveryEvents, clock: systemClock, digest: testDigest };
    expect((await exportSubscriber(privacy, 'private@example.org')).subscriber).toMatchObject({ name });
    await eraseSubscriber(privacy, 'private@example.org');
    const everything = JSON.stringify(await scanAll(tables.names.subscribers)) + JSON.stringify(await scanAll(tables.names.deliveries));
    expect(everything).not.toContain(name);
    expect((await exportSubscriber(privacy, 'private@example.org')).subscriber).toBeUndefined();
  });
});
