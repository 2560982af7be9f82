/**
 * The console's Subscribers pages against real tables in DynamoDB Local, through the handler with
 * its real session seals and CSRF check (test/support/console-tokens.ts), the desk made from the
 * function's environment as on AWS. Tries: counts that differ from the CLI's `subscribers count`
 * on the same table, an editor or a viewer doing an owner's action, an erase without (or with a
 * wrong) typed confirmation, a CSV with a bad line, an oversized paste, a POST without CSRF.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { MAX_CSV_BYTES } from '../../lambdas/console/import-mapping';
import { addressDigest } from '../../lambdas/core/address';
import { auditPartition } from '../../lambdas/core/audit';
import { upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { migrateAddresses } from '../../lambdas/usecases/migrate-addresses';
import { DynamoAddressMigration } from '../../lambdas/adapters/dynamodb/address-migration';
import { toSubscriberItem } from '../../lambdas/adapters/dynamodb/subscriber-store';
import { READER_SHARD } from '../../lambdas/core/keys';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, testSignIn, type TestSignIn } from '../support/console-tokens';
import { createTestTables, scanAll, type TestTables } from '../support/tables';

const ADDRESS_KEY = 'k'.repeat(40);
const clock = walkedClock();
let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);

const owner = () => signIn.as(['owner'], 'o1', 'boss@example.org');
const add = (email: string, topics?: string[]) =>
  upsertSubscriber(
    { subscribers: db.subscriptions, clock, digest: addressDigest(ADDRESS_KEY) },
    { email, ...(topics && { topics }) },
    'cli',
    {
      allowReservedDomains: true,
    },
  );
const idOf = async (email: string) => (await db.subscriptions.getByEmail(email))!.subscriberId;

beforeAll(async () => {
  tables = await createTestTables('desksubs');
  db = dynamoPorts(documentClient(), tables.names);
  desk = deskFromEnv(clock, {
    CONTENT_TABLE: tables.names.content,
    DELIVERIES_TABLE: tables.names.deliveries,
    SUBSCRIBERS_TABLE: tables.names.subscribers,
    ADDRESS_KEY,
    RESERVED_DOMAINS: 'allow',
  });
  signIn = await testSignIn({ desk, clock }, clock.now());
  await add('Mary.Major@example.org', ['cyber']);
  await add('mark@example.org');
  await add('leaver@example.org');
  await db.subscriptions.unsubscribe(await idOf('leaver@example.org'), clock.now());
  const bounced = (await db.subscriptions.getByEmail('mark@example.org'))!;
  await db.subscriptions.change(bounced, { suppressed: true, suppressedReason: 'bounce' });
});

afterAll(async () => {
  await tables?.drop();
});

describe('counts and search', () => {
  it("the page's counts are the CLI's `subscribers count` of the same table, read without a Scan", async () => {
    const cli = await db.directory.count({});
    expect(cli.total).toBe(3);
    // The mistake tried: a count that drops a state or a topic, or reads another set of items.
    expect(await desk.subscribers!.readers.count()).toEqual(cli);
    const page = await get('/admin/subscribers', await owner());
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('3 subscriber(s).');
    for (const [k, n] of Object.entries(cli.byStatus).filter(([, n]) => n > 0))
      expect(page.body).toContain(`<tr><td>${k}</td><td class="n">${n}</td></tr>`);
    expect(page.body).toContain('<tr><td>cyber</td><td class="n">1</td></tr>');
  });

  it('a search in other capitals finds the stored reader; a prefix lists the addresses that start with it', async () => {
    const cookie = await owner();
    const exact = await post('/admin/subscribers/search', cookie, { csrf: 'o1', q: '  MARY.major@Example.org ' });
    expect(exact.body).toContain(`<a href="/admin/subscribers/${await idOf('mary.major@example.org')}">Mary.Major@example.org</a>`);
    const prefix = await post('/admin/subscribers/search', cookie, { csrf: 'o1', q: 'MA' });
    expect(prefix.body).toContain('>mark@example.org</a>');
    expect(prefix.body).toContain('>Mary.Major@example.org</a>');
    expect(prefix.body).not.toContain('leaver@example.org');
    const empty = await post('/admin/subscribers/search', cookie, { csrf: 'o1', q: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Type an address, or the start of one.');
  });

  it('each search and each opened record is in the audit log, masked (mistake: looking readers up leaves no trace)', async () => {
    const cookie = await signIn.as(['owner'], 'l1', 'looker@example.org');
    await post('/admin/subscribers/search', cookie, { csrf: 'l1', q: 'Mary.Major@example.org' });
    await post('/admin/subscribers/search', cookie, { csrf: 'l1', q: 'ma' });
    await get(`/admin/subscribers/${await idOf('mary.major@example.org')}`, cookie);
    // A made-up note, or a refused action's page, shows the record too: each is a look-up.
    await get(`/admin/subscribers/${await idOf('mary.major@example.org')}`, cookie, 'done=revoked');
    await post(`/admin/subscribers/${await idOf('mary.major@example.org')}/revoke-links`, cookie, { csrf: 'l1' });
    const mine = (await scanAll(tables.names.deliveries)).filter((i) => i.who === 'looker@example.org' && i.action === 'look-up');
    expect(mine.map((i) => `${String(i.target)} | ${String(i.detail)}`).sort()).toEqual([
      'm***@example.org | record opened',
      'm***@example.org | record opened',
      'm***@example.org | record opened',
      'search M***@example.org | 1 found',
      'search m*** | 2 found',
    ]);
    expect(JSON.stringify(mine)).not.toMatch(/mary\.major/i);
  });
});

describe('a table written before the readers index', () => {
  it('an item without its readers-index key is not counted until migrate-addresses gives it one; a second run finds nothing to do', async () => {
    // The mistake tried: a backfill that skips items which already have their inbox key (`mailbox`).
    const item = toSubscriberItem({
      subscriberId: 'old-reader-1',
      email: 'old@example.org',
      status: 'confirmed',
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'UTC',
      source: 'cli',
      createdAt: clock.now().toISOString(),
    });
    delete item[READER_SHARD];
    await documentClient().send(new PutCommand({ TableName: tables.names.subscribers, Item: item }));
    const before = await desk.subscribers!.readers.count();
    expect((await db.directory.count({})).total).toBe(before.total + 1);
    const deps = {
      store: new DynamoAddressMigration(documentClient(), tables.names.subscribers),
      subscriptions: db.subscriptions,
      deliveries: db.deliveryEvents,
      digest: addressDigest(ADDRESS_KEY),
      clock,
    };
    expect((await migrateAddresses(deps)).indexed).toBe(1);
    expect(await desk.subscribers!.readers.count()).toEqual(await db.directory.count({}));
    expect((await migrateAddresses(deps)).indexed).toBe(0);
  });
});

describe('who may use them', () => {
  it('an editor or a viewer is refused (403) and nothing changes; a POST without the CSRF token is refused', async () => {
    const id = await idOf('mary.major@example.org');
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    expect(await get('/admin/subscribers', await signIn.as(['viewer'], 'v1'))).toMatchObject({ statusCode: 403 });
    const refused = await post(`/admin/subscribers/${id}/erase`, editor, { csrf: 'e1', confirm: 'mary.major@example.org' });
    expect(refused.statusCode).toBe(403);
    expect(await db.subscriptions.getByEmail('mary.major@example.org')).toBeDefined();
    const noCsrf = await post(`/admin/subscribers/${id}/erase`, await owner(), { confirm: 'mary.major@example.org' });
    expect(noCsrf.statusCode).toBe(403);
    expect(await db.subscriptions.getByEmail('mary.major@example.org')).toBeDefined();
    const importNoCsrf = await post('/admin/subscribers/import/run', await owner(), { csv: 'email\nnew-one@example.org', how: 'detected' });
    expect(importNoCsrf.statusCode).toBe(403);
    expect(await db.subscriptions.getByEmail('new-one@example.org')).toBeUndefined();
  });
});

describe("a reader's record and its actions", () => {
  it('shows status, topics, source; export downloads the JSON; revoke needs its box ticked, then raises the link version', async () => {
    const cookie = await owner();
    const id = await idOf('mary.major@example.org');
    const page = await get(`/admin/subscribers/${id}`, cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<span class="state">confirmed</span>');
    expect(page.body).toContain('cyber');
    const exported = await post(`/admin/subscribers/${id}/export`, cookie, { csrf: 'o1' });
    expect(exported.headers?.['content-disposition']).toContain('attachment');
    expect(JSON.parse(exported.body as string)).toMatchObject({ email: 'mary.major@example.org', subscriber: { subscriberId: id } });
    const unticked = await post(`/admin/subscribers/${id}/revoke-links`, cookie, { csrf: 'o1' });
    expect(unticked.statusCode).toBe(400);
    expect((await db.subscriptions.getByEmail('mary.major@example.org'))!.linkVersion).toBeUndefined();
    const revoked = await post(`/admin/subscribers/${id}/revoke-links`, cookie, { csrf: 'o1', confirm: 'yes' });
    expect(revoked).toMatchObject({ statusCode: 303, headers: { location: `/admin/subscribers/${id}?done=revoked` } });
    expect((await db.subscriptions.getByEmail('mary.major@example.org'))!.linkVersion).toBe(1);
  });

  it('erase without the typed address, or with another one, is refused; with it (any capitals) the reader is gone, audited masked', async () => {
    const cookie = await owner();
    const id = await idOf('mary.major@example.org');
    const none = await post(`/admin/subscribers/${id}/erase`, cookie, { csrf: 'o1' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Type the reader’s address to confirm: nothing was erased.');
    const wrong = await post(`/admin/subscribers/${id}/erase`, cookie, { csrf: 'o1', confirm: 'mark@example.org' });
    expect(wrong.statusCode).toBe(400);
    expect(await db.subscriptions.getByEmail('mary.major@example.org')).toBeDefined();
    const done = await post(`/admin/subscribers/${id}/erase`, cookie, { csrf: 'o1', confirm: 'MARY.MAJOR@example.org' });
    expect(done).toMatchObject({ statusCode: 303, headers: { location: '/admin/subscribers?done=erased' } });
    expect(await db.subscriptions.getByEmail('mary.major@example.org')).toBeUndefined();
    const audit = (await scanAll(tables.names.deliveries)).filter((i) => i.campaignId === auditPartition(clock.now()));
    const text = JSON.stringify(audit);
    expect(text).toContain('"action":"erase"');
    expect(text).toContain('"action":"revoke-links"');
    expect(text).toContain('"action":"refused"');
    expect(text).not.toMatch(/mary\.major@/i);
    // The count follows: the CLI's and the page's still agree.
    expect(await desk.subscribers!.readers.count()).toEqual(await db.directory.count({}));
  });
});

describe('CSV import', () => {
  it('the mapping step shows the header and first rows and preselects the recognised format', async () => {
    const csv = 'Email Address,First Name,Last Name\nann@example.org,Ann,Lee\n';
    const r = await post('/admin/subscribers/import/map', await owner(), { csrf: 'o1', csv });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<th scope="col">Email Address</th>');
    expect(r.body).toContain('<td>ann@example.org</td>');
    expect(r.body).toMatch(/value="detected" checked> As recognised: a Mailchimp audience export/);
    expect(await db.subscriptions.getByEmail('ann@example.org')).toBeUndefined();
  });

  it('a CSV with a bad line: that line is reported refused with its reason, the others are imported', async () => {
    const csv = 'Mail,Who\nbob@example.org,Bob\nnot-an-address,X\ncarol@example.org,Carol\n';
    const r = await post('/admin/subscribers/import/run', await owner(), {
      csrf: 'o1',
      csv,
      how: 'mapped',
      'map-email': 'Mail',
      'map-name': 'Who',
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('2 imported');
    expect(r.body).toMatch(/<td class="n">3<\/td><td><span class="state">refused<\/span><\/td><td>[^<]*not-an-address/);
    expect((await db.subscriptions.getByEmail('bob@example.org'))?.name).toBe('Bob');
    expect(await db.subscriptions.getByEmail('carol@example.org')).toBeDefined();
    expect(JSON.stringify(await scanAll(tables.names.deliveries))).toContain('"action":"import"');
    // The same paste again: every line accounted for in the audit entry (mistake: lines that changed nothing left out).
    await post('/admin/subscribers/import/run', await owner(), { csrf: 'o1', csv, how: 'mapped', 'map-email': 'Mail', 'map-name': 'Who' });
    const details = (await scanAll(tables.names.deliveries)).filter((i) => i.action === 'import').map((i) => String(i.detail));
    expect(details).toContain('0 imported, 0 updated, 2 unchanged, 0 skipped, 0 kept out, 1 refused (columns mapped)');
  });

  it('a mapping without the email column is refused inline, nothing imported', async () => {
    const csv = 'Mail,Who\ndave@example.org,Dave\n';
    const r = await post('/admin/subscribers/import/run', await owner(), { csrf: 'o1', csv, how: 'mapped', 'map-name': 'Who' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('email: choose the column that holds the addresses.');
    expect(await db.subscriptions.getByEmail('dave@example.org')).toBeUndefined();
  });

  it('an oversized paste is refused with the limit and where to import it instead, nothing imported', async () => {
    const line = 'someone@example.org\n';
    const csv = `email\n${line.repeat(Math.ceil(MAX_CSV_BYTES / line.length) + 1)}`;
    const r = await post('/admin/subscribers/import/map', await owner(), { csrf: 'o1', csv });
    expect(r.statusCode).toBe(413);
    expect(r.body).toContain('npm run cli -- subscribers import');
    expect(await db.subscriptions.getByEmail('someone@example.org')).toBeUndefined();
  });
});
