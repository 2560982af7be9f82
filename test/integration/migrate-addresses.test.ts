/**
 * `migrate-addresses` on DynamoDB Local: a table written before addresses were keyed by their
 * lower-cased form holds the same people under several capitals. The migration merges each into
 * one item in the most restrictive state (suppressed or erased > unsubscribed > confirmed >
 * pending) with the oldest consent record; links carrying a merged-away id still reach the
 * reader; running it twice gives the same table.
 */
import { expect } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { legacyAddressHash } from '../../lambdas/core/address';
import { erasedKey } from '../../lambdas/core/keys';
import type { Subscriber } from '../../lambdas/core/model';
import { DynamoAddressMigration } from '../../lambdas/adapters/dynamodb/address-migration';
import { toSubscriberItem } from '../../lambdas/adapters/dynamodb/subscriber-store';
import { migrateAddresses } from '../../lambdas/usecases/migrate-addresses';
import { eraseSubscriber } from '../../lambdas/usecases/privacy';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { testDigest } from '../support/address-key';
import { createTestTables, scanAll } from '../support/tables';
import { plainSubscriber } from '../unit/fixtures';

let tables: Awaited<ReturnType<typeof createTestTables>>;
let db: ReturnType<typeof dynamoPorts<{ subscribers: string; deliveries: string }>>;
const D = 'migrate.example.org';

/** An item as the older code wrote it: keyed by the address as typed (local part's case kept). */
function legacy(email: string, over: Partial<Subscriber>): Subscriber {
  // Ids are random UUIDs in the product: never an @ (the key of a forward item is built from one).
  return plainSubscriber(email, { subscriberId: `id-${email.replace('@', '-at-')}`, ...over });
}

const consent = (at: string, ip: string) => ({ at, page: 'https://brief.example.org', ip, userAgent: 'Reader/1', wording: 'I agree' });

async function put(s: Subscriber) {
  await documentClient().send(new PutCommand({ TableName: tables.names.subscribers, Item: toSubscriberItem(s) }));
}

const scan = async () => (await scanAll(tables.names.subscribers)).sort((a, b) => String(a.email).localeCompare(String(b.email)));

const migrate = () =>
  migrateAddresses({
    store: new DynamoAddressMigration(documentClient(), tables.names.subscribers),
    subscriptions: db.subscriptions,
    deliveries: db.deliveryEvents,
    digest: testDigest,
    clock: systemClock,
  });

beforeAll(async () => {
  tables = await createTestTables('migrate');
  db = dynamoPorts(documentClient(), { subscribers: tables.names.subscribers, deliveries: tables.names.deliveries });
  // Ada: confirmed as typed, unsubscribed in lower case, pending in capitals. Unsubscribed wins; the
  // oldest consent (the confirmed one, from January) is kept.
  await put(
    legacy(`Ada@${D}`, {
      createdAt: '2026-01-02T00:00:00.000Z',
      confirmedAt: '2026-01-02T01:00:00.000Z',
      consent: consent('2026-01-02T00:00:00.000Z', '198.51.100.1'),
    }),
  );
  await put(
    legacy(`ada@${D}`, {
      status: 'unsubscribed',
      createdAt: '2026-03-01T00:00:00.000Z',
      unsubscribedAt: '2026-04-01T00:00:00.000Z',
      consent: consent('2026-03-01T00:00:00.000Z', '198.51.100.2'),
    }),
  );
  await put(
    legacy(`ADA@${D}`, {
      status: 'pending',
      createdAt: '2026-05-01T00:00:00.000Z',
      consent: consent('2026-05-01T00:00:00.000Z', '198.51.100.3'),
    }),
  );
  // Bob: confirmed in lower case, suppressed (complaint) as typed: suppressed wins.
  await put(legacy(`bob@${D}`, { confirmedAt: '2026-01-01T01:00:00.000Z' }));
  await put(
    legacy(`Bob@${D}`, {
      status: 'unsubscribed',
      suppressed: true,
      suppressedReason: 'complaint',
      suppressedAt: '2026-02-01T00:00:00.000Z',
      complainedAt: '2026-02-01T00:00:00.000Z',
    }),
  );
  // Eve was erased as `Eve@…` (a bare SHA-256 marker, as older erasures wrote) and signed up again in lower case.
  await documentClient().send(
    new PutCommand({
      TableName: tables.names.subscribers,
      Item: { email: erasedKey(legacyAddressHash(`Eve@${D}`)), erasedAt: '2026-02-01T00:00:00.000Z' },
    }),
  );
  await put(legacy(`eve@${D}`, { confirmedAt: '2026-03-01T00:00:00.000Z' }));
  await db.ledger.claim('issue-9', `id-eve-at-${D}`, new Date());
  // Carl: one item, typed with capitals: moved to its key form, mailed as typed.
  await put(legacy(`Carl.Jones@${D}`, { confirmedAt: '2026-01-01T01:00:00.000Z' }));
  // Dora: already keyed right: untouched.
  await put(legacy(`dora@${D}`, { confirmedAt: '2026-01-01T01:00:00.000Z' }));
});
afterAll(() => tables?.drop());

describe('before the migration has run', () => {
  it('finds an item stored in older capitals by any capitals, so an erasure or a no is not missed', async () => {
    await put(legacy(`Legacy.Reader@${D}`, { confirmedAt: '2026-01-01T01:00:00.000Z' }));
    await put(legacy(`Solo.Leaver@${D}`, { status: 'unsubscribed', unsubscribedAt: '2026-06-01T00:00:00.000Z' }));
    await db.ledger.claim('issue-8', `id-Legacy.Reader-at-${D}`, new Date());
    // The bad input: the address in other capitals than the stored ones.
    expect(await db.subscriptions.getByEmail(`solo.leaver@${D}`)).toMatchObject({ status: 'unsubscribed' });
    expect(await db.subscriptions.getByEmail(`SOLO.LEAVER@${D}`)).toMatchObject({ status: 'unsubscribed' });
    const report = await eraseSubscriber(
      { subscribers: db.subscriptions, deliveries: db.deliveryEvents, clock: systemClock, digest: testDigest },
      `legacy.reader@${D}`,
    );
    expect(report).toMatchObject({ subscriberRemoved: true, deliveriesRemoved: 1 });
    expect((await scan()).map((i) => i.email)).not.toContain(`Legacy.Reader@${D}`);
  });
});

describe('migrate-addresses', () => {
  let first: Awaited<ReturnType<typeof migrate>>;
  let after: Record<string, unknown>[];

  beforeAll(async () => {
    first = await migrate();
    after = await scan();
  });

  it('reports what it did: two addresses merged, one moved, one erased', () => {
    expect(first).toMatchObject({ scanned: 9, merged: 2, moved: 2, erased: 1, skipped: 0 });
  });

  it('merges Ada into one item: unsubscribed (the most restrictive), the oldest consent, no TTL, and the other ids forwarded', async () => {
    const ada = after.filter((i) => String(i.email).toLowerCase() === `ada@${D}`);
    expect(ada).toHaveLength(1);
    expect(ada[0]).toMatchObject({
      email: `ada@${D}`,
      status: 'unsubscribed',
      subscriberId: `id-ada-at-${D}`,
      createdAt: '2026-01-02T00:00:00.000Z',
      unsubscribedAt: '2026-04-01T00:00:00.000Z',
    });
    expect(ada[0].consent).toMatchObject({ ip: '198.51.100.1', at: '2026-01-02T00:00:00.000Z' });
    expect(ada[0]).not.toHaveProperty('expiresAt');
    expect(ada[0]).not.toHaveProperty('digestShard');
    expect((ada[0].mergedIds as string[]).sort()).toEqual([`id-ADA-at-${D}`, `id-Ada-at-${D}`]);
    // A link in mail sent to the capitalised item still reaches Ada (and finds her unsubscribed).
    expect(await db.subscriptions.getById(`id-Ada-at-${D}`)).toMatchObject({ email: `ada@${D}`, status: 'unsubscribed' });
  });

  it('merges Bob into one suppressed item, out of every audience', () => {
    const bob = after.filter((i) => String(i.email).toLowerCase() === `bob@${D}`);
    expect(bob).toHaveLength(1);
    expect(bob[0]).toMatchObject({ email: `bob@${D}`, emailAsTyped: `Bob@${D}`, suppressed: true, suppressedReason: 'complaint' });
    expect(bob[0]).not.toHaveProperty('digestShard');
  });

  it('removes Eve, erased earlier in other capitals, with her ledger entries, and keeps a keyed marker', async () => {
    expect(after.filter((i) => String(i.email).toLowerCase() === `eve@${D}`)).toEqual([]);
    expect(await db.ledger.get('issue-9', `id-eve-at-${D}`)).toBeUndefined();
    expect(await db.subscriptions.isErased([testDigest(`eve@${D}`)])).toBeDefined();
    // The older bare SHA-256 marker, reversible by hashing candidate addresses, is gone.
    expect(after.map((i) => i.email)).not.toContain(erasedKey(legacyAddressHash(`Eve@${D}`)));
  });

  it('moves Carl to his key form, mailed as typed, and leaves Dora alone', () => {
    expect(after.find((i) => i.email === `carl.jones@${D}`)).toMatchObject({
      emailAsTyped: `Carl.Jones@${D}`,
      subscriberId: `id-Carl.Jones-at-${D}`,
      digestShard: expect.any(Number),
    });
    expect(after.find((i) => i.email === `Carl.Jones@${D}`)).toBeUndefined();
    expect(after.find((i) => i.email === `dora@${D}`)).toMatchObject({ subscriberId: `id-dora-at-${D}` });
  });

  it('a second run changes nothing and reports nothing to do', async () => {
    const second = await migrate();
    expect(second).toMatchObject({ merged: 0, moved: 0, erased: 0, removed: 0, skipped: 0 });
    expect(await scan()).toEqual(after);
  });
});
