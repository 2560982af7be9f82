/**
 * Local-time delivery against DynamoDB Local: the digest-by-zone index holds exactly the
 * digest audience by zone, follows a zone change made on the preferences page, drops a reader
 * who leaves, the backfill gives old items their keys, and a planner run queries only the
 * zones now due.
 */
import { expect } from '@jest/globals';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../lambdas/core/indexes';
import { dueZones, zoneKey } from '../../lambdas/core/local-time';
import type { Article, Issue, Subscriber } from '../../lambdas/core/model';
import type { ZoneAudience } from '../../lambdas/core/local-time-ports';
import { parseSigningKeys, signToken } from '../../lambdas/core/tokens';
import { backfillAudienceKeys } from '../../lambdas/adapters/dynamodb';
import { planLocalTime } from '../../lambdas/usecases/plan-local-time';
import { updatePreferences } from '../../lambdas/usecases/preferences';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { createTestTables, type TestTables } from '../support/tables';
import { MemoryQueue } from '../unit/fakes';

let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
const client = documentClient();
const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'k'.repeat(43) }));
const at = new Date('2027-03-20T12:00:00Z');
const people: Record<string, Subscriber> = {};

const add = async (name: string, timezone: string, extra: Partial<Subscriber> = {}) => {
  const s = { ...confirmedSubscriber({ email: `${name}@zones.example`, timezone }, 'cli', at), ...extra };
  expect(await db.subscriptions.create(s)).toBe(true);
  people[name] = s;
};

/** Everyone the index holds in `zone`, by name (the whole partition, straight from DynamoDB). */
async function inZone(zone: string): Promise<string[]> {
  const out = await client.send(
    new QueryCommand({
      TableName: tables.names.subscribers,
      IndexName: INDEXES.digestByZone,
      KeyConditionExpression: 'digestZone = :z',
      ExpressionAttributeValues: { ':z': zone },
    }),
  );
  return (out.Items ?? []).map((i) => String(i.email).split('@')[0]).sort();
}

beforeAll(async () => {
  tables = await createTestTables('zones');
  db = dynamoPorts(client, tables.names);
  await add('tokyo1', 'Asia/Tokyo');
  await add('tokyo2', 'Asia/Tokyo');
  await add('kolkata', 'Asia/Kolkata');
  await add('calcutta', 'Asia/Calcutta');
  await add('brussels', 'Europe/Brussels');
  await add('alertsonly', 'Asia/Tokyo', { digest: false, alerts: true });
  await add('pending', 'Asia/Tokyo', { status: 'pending' });
  await add('suppressed', 'Asia/Tokyo', { suppressed: true, suppressedReason: 'bounce' });
});
afterAll(async () => {
  await tables?.drop();
});

describe('the digest-by-zone index', () => {
  it('holds exactly the digest audience, by zone key (Kolkata and Calcutta together)', async () => {
    expect(await inZone('Asia/Tokyo')).toEqual(['tokyo1', 'tokyo2']);
    expect(await inZone(zoneKey('Asia/Kolkata'))).toEqual(['calcutta', 'kolkata']);
    expect(await inZone('Europe/Brussels')).toEqual(['brussels']);
  });

  it('moves a reader who changes zone on the preferences page, and dates the move for the closing sweep', async () => {
    const token = signToken(keys, { subscriberId: people.tokyo2.subscriberId, purpose: 'preferences', now: at });
    const moved = new Date('2027-03-28T03:00:00Z');
    const r = await updatePreferences({ subscribers: db.subscriptions, clock: { now: () => moved }, keys }, token, {
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'America/New_York',
    });
    expect(r.status).toBe('saved');
    expect(await inZone('Asia/Tokyo')).toEqual(['tokyo1']);
    expect(await inZone('America/New_York')).toEqual(['tokyo2']);
    // Only the mover is in the range after the zone's hour; the rest of the partition is not read.
    const page = await db.zones.zonePage('America/New_York', undefined, 100, '2027-03-28T02:00:00.000Z');
    expect(page.rows).toEqual([
      { subscriberId: people.tokyo2.subscriberId, email: 'tokyo2@zones.example', zoneChangedAt: moved.toISOString() },
    ]);
    expect((await db.zones.zonePage('America/New_York', undefined, 100, '2027-03-28T04:00:00.000Z')).rows).toEqual([]);
  });

  it('drops a reader who unsubscribes or is suppressed', async () => {
    await add('leaver', 'Europe/Brussels');
    await add('bouncer', 'Europe/Brussels');
    expect(await inZone('Europe/Brussels')).toEqual(['bouncer', 'brussels', 'leaver']);
    await db.subscribers.unsubscribe(people.leaver.subscriberId, at);
    const bouncer = (await db.subscribers.getByEmail('bouncer@zones.example'))!;
    expect(
      await db.subscriptions.change(bouncer, { suppressed: true, suppressedReason: 'bounce', suppressedAt: at.toISOString() }),
    ).toBeDefined();
    expect(await inZone('Europe/Brussels')).toEqual(['brussels']);
  });

  it('backfills items stored before the index (no digestZone), once: a second run writes nothing', async () => {
    const old = confirmedSubscriber({ email: 'old@zones.example', timezone: 'Asia/Katmandu' }, 'cli', at);
    // As an older version stored it: the shard key only.
    await client.send(new PutCommand({ TableName: tables.names.subscribers, Item: { ...old, digestShard: 1 } }));
    expect(await inZone(zoneKey('Asia/Kathmandu'))).toEqual([]);
    const first = await backfillAudienceKeys(client, tables.names.subscribers);
    expect(first.updated).toBe(1);
    expect(await inZone(zoneKey('Asia/Kathmandu'))).toEqual(['old']);
    expect((await backfillAudienceKeys(client, tables.names.subscribers)).updated).toBe(0);
  });
});

describe('a planner run', () => {
  it('queries only the zones due since the last run and queues only their readers', async () => {
    const issue = {
      kind: 'issue',
      id: 'zones-issue',
      date: '2027-03-28',
      newsletter: 'Brief',
      title: 'T',
      articleIds: ['zones-a1'],
      publishedAt: at.toISOString(),
    } as Issue;
    await db.content.put({
      kind: 'article',
      id: 'zones-a1',
      title: 'A',
      date: '2027-03-28',
      summary: 's',
      url: 'https://example.com/a',
      topics: [],
      priority: 'normal',
    } as unknown as Article);
    await db.content.put(issue);
    const queried: string[] = [];
    const zones: ZoneAudience = { zonePage: (zone, ...rest) => (queried.push(zone), db.zones.zonePage(zone, ...rest)) };
    const queue = new MemoryQueue();
    let now = new Date('2027-03-27T21:00:00Z');
    const deps = {
      content: db.content,
      zones,
      plans: db.localTimePlans,
      queue,
      clock: { now: () => now },
      localTime: '07:00',
      counters: db.counters,
      ledger: db.ledger,
      unsent: db.content,
    };
    await planLocalTime(deps, { issueId: issue.id });
    queried.length = 0;
    queue.jobs.length = 0;

    // 21:00Z → 22:00Z: Tokyo's 07:00 (22:00Z) and the zones at +9, nothing else.
    now = new Date('2027-03-27T22:00:00Z');
    const r = await planLocalTime(deps, { issueId: issue.id });
    const expected = dueZones('2027-03-28', '07:00', new Date('2027-03-27T21:00:00Z'), now).map((z) => z.zone);
    expect(expected).toContain('Asia/Tokyo');
    expect([...new Set(queried)].sort()).toEqual([...expected].sort());
    expect(queued(queue)).toEqual(['tokyo1']);
    expect(r).toMatchObject({ status: 'planned', recipients: 1 });
    expect(await db.localTimePlans.get(issue.id)).toMatchObject({
      coveredTo: now.toISOString(),
      zones: expect.objectContaining({ 'Asia/Tokyo': 1 }),
    });

    // Kathmandu's 01:15Z and Kolkata's 01:30Z in the next runs: the Calcutta and Kolkata readers together.
    queue.jobs.length = 0;
    now = new Date('2027-03-28T01:30:00Z');
    await planLocalTime(deps, { issueId: issue.id });
    expect(queued(queue)).toEqual(['calcutta', 'kolkata', 'old']);
  });

  it('finds the issues still going out (from a date, not planned, oldest first) with a Query of the date range', async () => {
    const issue = (id: string, date: string) =>
      ({
        kind: 'issue',
        id,
        date,
        newsletter: 'Brief',
        number: 1,
        summary: '',
        preheader: '',
        title: id,
        articleIds: [],
        publishedAt: at.toISOString(),
      }) as Issue;
    for (const i of [
      issue('open-1', '2027-05-01'),
      issue('open-2', '2027-05-08'),
      issue('done', '2027-05-03'),
      issue('before', '2027-04-20'),
    ])
      await db.content.put(i);
    await db.content.markIssuePlanned('done', at);
    const found = (await db.content.unsentIssuesFrom('2027-04-30')).map((i) => i.id);
    expect(found).toEqual(['open-1', 'open-2']);
  });
});

const queued = (q: MemoryQueue) => q.jobs.flatMap((j) => j.recipients.map((r) => r.email.split('@')[0])).sort();
