/**
 * The operator's listings against DynamoDB Local through the real SDK client: issues and articles
 * newest first with their state, readers by status, topic, source and address prefix, counts,
 * paging over more items than a page (and than a Scan page), and a campaign's deliveries with
 * masked or whole addresses.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoSubscriberDirectory } from '../../lambdas/adapters/dynamodb/finder';
import { EVERY_TOPIC, parseSubscriberFilter, type Page, type SubscriberFilter } from '../../lambdas/core/find';
import type { Article, Issue, Subscriber, SubscriberSource, SubscriberStatus } from '../../lambdas/core/model';
import { deliveriesWithAddresses, listArticles, listIssues } from '../../lambdas/usecases/find';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { createTestTables, type TestTables } from '../support/tables';

let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
const at = new Date('2026-12-01T08:00:00.000Z');

const article = (n: number, extra: Partial<Article> = {}): Article => ({
  kind: 'article',
  id: `art-${n}`,
  title: `Article ${n}`,
  summary: 's',
  keyPoints: [],
  topics: ['trade'],
  source: { name: 'src', url: 'https://example.com' },
  date: `2026-11-${String(n).padStart(2, '0')}`,
  priority: 'normal',
  body: '',
  publishedAt: at.toISOString(),
  ...extra,
});
const issue = (n: number, articleIds: string[], extra: Partial<Issue> = {}): Issue => ({
  kind: 'issue',
  id: `issue-${n}`,
  newsletter: 'Brief',
  number: n,
  title: `Issue ${n}`,
  summary: 's',
  preheader: 'p',
  date: `2026-11-${String(n * 7).padStart(2, '0')}`,
  articleIds,
  publishedAt: at.toISOString(),
  ...extra,
});

/** 25 readers: every 5th pending, every 7th unsubscribed, #3 and #13 suppressed; sources and topics alternate. */
function reader(i: number): Subscriber {
  const status: SubscriberStatus = i % 5 === 0 ? 'pending' : i % 7 === 0 ? 'unsubscribed' : 'confirmed';
  const source: SubscriberSource = i % 2 === 0 ? 'import' : 'web';
  return {
    subscriberId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    email: `${i < 12 ? 'alpha' : 'beta'}.${i}@find.test`,
    ...(i === 4 && { emailAsTyped: 'Alpha.4@find.test' }),
    status,
    digest: true,
    alerts: i % 3 === 0,
    topics: i % 3 === 0 ? ['trade', 'cyber'] : ['cyber'],
    timezone: 'UTC',
    source,
    createdAt: at.toISOString(),
    ...((i === 3 || i === 13) && { suppressed: true }),
  };
}
const readers = Array.from({ length: 25 }, (_, i) => reader(i + 1));

beforeAll(async () => {
  tables = await createTestTables('find');
  db = dynamoPorts(documentClient(), tables.names);
  for (let n = 1; n <= 12; n++) await db.content.put(article(n, n === 12 ? { priority: 'breaking' } : {}));
  // The planners' marks, as they write them (publishing never sets them).
  await db.content.markArticleAlerted('art-12', at);
  await db.content.put(issue(1, ['art-1', 'art-2']));
  await db.content.markIssuePlanned('issue-1', at);
  await db.content.put(issue(2, ['art-3', 'art-4'], { sendAt: '2026-12-24T06:00:00.000Z' }));
  await db.content.put(issue(3, ['art-5', 'art-2']));
  // Issue 1 went to everyone planned; issue 3 is under way.
  await db.counters.startPlanning('issue-1', at);
  await db.counters.finishPlanning('issue-1', 1, at);
  await db.counters.add('issue-1', { queued: 1, sent: 1 }, at);
  await db.counters.setState('issue-1', 'done', at);
  await db.counters.startPlanning('issue-3', at);
  for (const s of readers) await db.subscribers.upsert(s);
  // Items that are not readers share the table: an erasure marker, a sign-up limit.
  for (const email of ['erased#0123abcd', 'limit#client#99ff']) {
    await documentClient().send(new PutCommand({ TableName: tables.names.subscribers, Item: { email, status: 'confirmed' } }));
  }
});
afterAll(() => tables?.drop());

/** Every row of a listing, page by page, and the size of each page. */
async function allPages<T>(fetch: (cursor?: string) => Promise<Page<T>>): Promise<{ rows: T[]; sizes: number[] }> {
  const rows: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    rows.push(...page.rows);
    sizes.push(page.rows.length);
    cursor = page.next;
  } while (cursor);
  return { rows, sizes };
}

const emailsOf = (filter: SubscriberFilter) => readers.filter((r) => matches(r, filter)).map((r) => r.email);
function matches(r: Subscriber, f: SubscriberFilter): boolean {
  const status = r.suppressed ? 'suppressed' : r.status;
  return (
    (!f.status || status === f.status) &&
    (!f.topic || r.topics.includes(f.topic)) &&
    (!f.source || r.source === f.source) &&
    (!f.prefix || r.email.startsWith(f.prefix))
  );
}

describe('issues and articles', () => {
  it('lists issues newest first with draft, scheduled, sending and sent told apart (mistake: every published issue shown alike)', async () => {
    const { rows } = await listIssues(db, 10);
    expect(rows.map((r) => [r.issue.id, r.state])).toEqual([
      ['issue-3', 'sending'],
      ['issue-2', 'scheduled'],
      ['issue-1', 'sent'],
    ]);
  });

  it('pages issues: two pages of two and one, none twice (mistake: a page token that restarts the list)', async () => {
    const { rows, sizes } = await allPages((c) => listIssues(db, 2, c));
    expect(sizes).toEqual([2, 1]);
    expect(rows.map((r) => r.issue.id)).toEqual(['issue-3', 'issue-2', 'issue-1']);
  });

  it('gives an article the state of the issues it is in, or of its alert (mistake: an article in a sent issue shown as a draft)', async () => {
    const { rows } = await listArticles(db, 20);
    const state = Object.fromEntries(rows.map((r) => [r.article.id, [r.state, r.issues.join(',')]]));
    expect(state['art-1']).toEqual(['sent', 'issue-1']);
    // In a sent issue and in one still going: it went.
    expect(state['art-2']).toEqual(['sent', 'issue-3,issue-1']);
    expect(state['art-3']).toEqual(['scheduled', 'issue-2']);
    expect(state['art-5']).toEqual(['sending', 'issue-3']);
    expect(state['art-6']).toEqual(['draft', '']);
    expect(state['art-12']).toEqual(['sent', '']);
  });

  it('pages 12 articles by 5, newest first, each once (mistake: paging that loses or repeats an article)', async () => {
    const { rows, sizes } = await allPages((c) => listArticles(db, 5, c));
    expect(sizes).toEqual([5, 5, 2]);
    expect(rows.map((r) => r.article.id)).toEqual(Array.from({ length: 12 }, (_, i) => `art-${12 - i}`));
  });
});

describe('subscribers', () => {
  // A Scan page of 7 items: the 27 items of the table take four Scan pages, so a listing page ends inside one.
  const directory = () => new DynamoSubscriberDirectory(documentClient(), tables.names.subscribers, 7);

  it.each<[string, SubscriberFilter]>([
    ['status confirmed (suppressed ones left out)', { status: 'confirmed' }],
    ['status pending', { status: 'pending' }],
    ['status unsubscribed', { status: 'unsubscribed' }],
    ['status suppressed', { status: 'suppressed' }],
    ['topic', { topic: 'trade' }],
    ['source', { source: 'import' }],
    ['address prefix', { prefix: 'beta.2' }],
    ['everything together', { status: 'confirmed', topic: 'cyber', source: 'web', prefix: 'alpha' }],
  ])('lists by %s, page by page, exactly the readers that match (mistake: a filter ignored or a page lost)', async (_, filter) => {
    const want = emailsOf(filter);
    expect(want.length).toBeGreaterThan(0);
    const { rows, sizes } = await allPages((c) => directory().page(filter, 3, c));
    expect(rows.map((r) => r.email).sort()).toEqual([...want].sort());
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
  });

  it('lists every reader over pages of 10 and across Scan pages of 7, never an erasure marker or a limit (mistake: bookkeeping items shown as readers)', async () => {
    const { rows, sizes } = await allPages((c) => directory().page({}, 10, c));
    expect(sizes.slice(0, 3)).toEqual([10, 10, 5]);
    expect(rows.map((r) => r.email).sort()).toEqual(readers.map((r) => r.email).sort());
  });

  it('finds an address by a prefix typed in capitals (mistake: a case-sensitive prefix against lower-cased keys)', async () => {
    const { rows } = await directory().page(parseSubscriberFilter({ prefix: 'ALPHA.4' }), 10);
    expect(rows.map((r) => r.email)).toEqual(['alpha.4@find.test']);
  });

  it('counts by status, source and topic, with and without a filter (mistake: counts that disagree with the listing)', async () => {
    const all = await directory().count({});
    expect(all.total).toBe(25);
    for (const status of ['pending', 'confirmed', 'unsubscribed', 'suppressed'] as const)
      expect(all.byStatus[status]).toBe(emailsOf({ status }).length);
    expect(all.bySource).toEqual({ import: emailsOf({ source: 'import' }).length, web: emailsOf({ source: 'web' }).length });
    expect(all.byTopic).toEqual({ trade: emailsOf({ topic: 'trade' }).length, cyber: 25 });
    const some = await directory().count({ topic: 'trade', source: 'web' });
    expect(some.total).toBe(emailsOf({ topic: 'trade', source: 'web' }).length);
  });

  it('a reader who chose no topic gets every topic: listed under any --topic and counted on a line of its own (mistake: left out of a topic audience)', async () => {
    const everything: Subscriber = { ...reader(26), email: 'zeta.26@find.test', topics: [] };
    await db.subscribers.upsert(everything);
    try {
      const { rows } = await allPages((c) => directory().page({ topic: 'trade', prefix: 'zeta' }, 10, c));
      expect(rows.map((r) => r.email)).toEqual(['zeta.26@find.test']);
      expect((await directory().count({ prefix: 'zeta' })).byTopic).toEqual({ [EVERY_TOPIC]: 1 });
    } finally {
      await documentClient().send(new DeleteCommand({ TableName: tables.names.subscribers, Key: { email: 'zeta.26@find.test' } }));
    }
  });
});

it('refuses a --next token that was mangled or printed by another listing (mistake: a copied token cut short)', async () => {
  const issues = await listIssues(db, 1);
  const readersPage = await new DynamoSubscriberDirectory(documentClient(), tables.names.subscribers).page({}, 1);
  await expect(listIssues(db, 1, issues.next!.slice(0, 10))).rejects.toThrow(/not a token this listing printed/);
  await expect(listIssues(db, 1, readersPage.next)).rejects.toThrow(/not a token this listing printed/);
  await expect(db.directory.page({}, 1, issues.next)).rejects.toThrow(/not a token this listing printed/);
});

describe('deliveries', () => {
  beforeAll(async () => {
    await db.ledger.markSent('issue-1', readers[3].subscriberId, 'm-4', at, at);
    await db.ledger.claim('issue-1', readers[0].subscriberId, at);
    // A reader erased since: the ledger still names the id.
    await db.ledger.claim('issue-1', '00000000-0000-4000-8000-000000009999', at);
  });

  it('shows each reader masked by default (mistake: whole addresses printed unasked)', async () => {
    const rows = await deliveriesWithAddresses(db, 'issue-1');
    const by = Object.fromEntries(rows.map((r) => [r.subscriberId, r.address]));
    expect(by[readers[3].subscriberId]).toBe('A***@find.test');
    expect(by[readers[0].subscriberId]).toBe('a***@find.test');
    expect(by['00000000-0000-4000-8000-000000009999']).toBe('(erased)');
    expect(rows.map((r) => r.address).join(' ')).not.toContain('alpha.1');
  });

  it('shows whole addresses, as typed, when asked (mistake: only ids, which nobody can read)', async () => {
    const rows = await deliveriesWithAddresses(db, 'issue-1', { showAddresses: true });
    const by = Object.fromEntries(rows.map((r) => [r.subscriberId, r.address]));
    expect(by[readers[3].subscriberId]).toBe('Alpha.4@find.test');
    expect(by[readers[0].subscriberId]).toBe('alpha.1@find.test');
    expect(rows.find((r) => r.subscriberId === readers[3].subscriberId)?.status).toBe('sent');
  });
});
