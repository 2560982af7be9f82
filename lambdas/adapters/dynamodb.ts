/**
 * DynamoDB adapters for the three tables. Key design (also in the README):
 *
 * Subscribers  pk `email`                 one item per normalised address
 *   GSI bySubscriberId  pk `subscriberId`  token links carry the id, not the address
 *   GSI digestAudience  pk `digestShard` (N), sk `subscriberId`; sparse: only confirmed,
 *                       digest-wanting, unsuppressed subscribers carry `digestShard`
 *   GSI alertAudience   pk `alertShard` (N), sk `subscriberId`; sparse likewise for alerts
 * Content      pk `pk` = `article#<id>` | `issue#<id>`
 *   GSI byKind          pk `kind`, sk `date`  (latest issue)
 * Deliveries   pk `campaignId`, sk `subscriberId`  the ledger; one conditional claim per pair
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { groupCommit } from '../core/concurrency';
import { INDEXES } from '../core/indexes';
import { audienceShard, inAlertAudience, inDigestAudience } from '../core/audience';
import { alertCapExpiresAt, subscriberExpiresAt } from '../core/lifecycle';
import type { Article, Delivery, Issue, Subscriber } from '../core/model';
import type { AlertAudienceRow, AlertCaps, AudiencePage, ClaimResult, ContentStore, Ledger, ReaderAlertHistory, SubscriberStore } from '../core/ports';
import type { CampaignCounters, RecipientGate } from '../core/ports';
import { isComplete, zeroCounters, type CampaignProgress, type CampaignState, type Counters } from '../core/campaign-status';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every item of a campaign's ledger partition (consistent, paged), optionally only one attribute. */
async function campaignPartition(db: DynamoDBDocumentClient, table: string, campaignId: string, only?: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'campaignId = :c',
        ...(only ? { ProjectionExpression: '#p', ExpressionAttributeNames: { '#p': only } } : {}),
        ExpressionAttributeValues: { ':c': campaignId },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Requests one BatchWriteItem call may carry. */
const BATCH_WRITE_LIMIT = 25;

/**
 * Puts and deletes on one table, 25 a BatchWriteItem call; requests DynamoDB hands back
 * unprocessed (under load) are sent again, with backoff, until none are left.
 */
export async function batchWriteAll(db: DynamoDBDocumentClient, table: string, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    let left: Record<string, unknown>[] | undefined = requests.slice(i, i + BATCH_WRITE_LIMIT);
    for (let attempt = 0; left && left.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: left as never } }));
      left = out.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
    }
  }
}

/**
 * Items by key from one table, 100 a BatchGetItem call (with `options`, e.g. a projection or a
 * consistent read); keys DynamoDB hands back unprocessed are asked for again, with backoff.
 * Keys with no item are simply absent from the result.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, unknown>[],
  options: { ConsistentRead?: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let left: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; left && left.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
      const out = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: left, ...options } } }));
      items.push(...(out.Responses?.[table] ?? []));
      left = out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

/** Keys one BatchGetItem call may ask for. */
const BATCH_GET_LIMIT = 100;

/**
 * How long a `sent` entry waits for others to share its write. The sender does not hold a send
 * slot meanwhile; it bounds how many accepted messages may wait unrecorded (see send-batch).
 */
const SENT_LINGER_MS = 40;

/** Items one TransactWriteItems call may carry. */
const TRANSACTION_LIMIT = 100;

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Conditional writes for many items, up to 100 a transaction. A transaction is all or nothing:
 * when it is cancelled, its reasons say which items failed their condition (`refused`), and the
 * others (reason 'None') are tried again without them. Items in neither set (a conflict with
 * another transaction, throttling) are left to the caller's one-by-one path. A lost answer is
 * an error for the caller; the ClientRequestToken makes the SDK's own retry of it idempotent.
 */
async function transactEach<T>(db: DynamoDBDocumentClient, items: T[], key: (item: T) => string, write: (item: T) => TransactItem) {
  const written = new Set<string>();
  const refused = new Set<string>();
  for (let i = 0; i < items.length; i += TRANSACTION_LIMIT) {
    let chunk = items.slice(i, i + TRANSACTION_LIMIT);
    for (let round = 0; chunk.length > 0 && round < 3; round++) {
      try {
        await db.send(new TransactWriteCommand({ ClientRequestToken: randomUUID(), TransactItems: chunk.map(write) }));
        for (const item of chunk) written.add(key(item));
        chunk = [];
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = e.CancellationReasons ?? [];
        chunk.forEach((item, k) => {
          if (reasons[k]?.Code === 'ConditionalCheckFailed') refused.add(key(item));
        });
        chunk = chunk.filter((_, k) => reasons[k]?.Code === 'None');
      }
    }
  }
  return { written, refused };
}

const contentKey = (kind: 'article' | 'issue', id: string) => `${kind}#${id}`;

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
const decodeCursor = (cursor: string | undefined) =>
  cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;

export class DynamoContentStore implements ContentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(item: Article | Issue): Promise<void> {
    // Re-publishing keeps the planners' marks: an edit must not make a sent issue sendable
    // again, nor an alerted article alert again.
    const { plannedAt: _planned, alertedAt: _alerted, ...rest } = item as unknown as Record<string, unknown>;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries({ ...rest }).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:v${i}`] = v;
      return `#a${i} = :v${i}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: contentKey(item.kind, item.id) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: contentKey('issue', id) }, ConsistentRead: true }),
    );
    return out.Item ? stripKey<Issue>(out.Item) : undefined;
  }

  async getArticles(ids: string[]): Promise<Article[]> {
    const keys = [...new Set(ids)].map((id) => ({ pk: contentKey('article', id) }));
    const found = new Map((await batchGetAll(this.db, this.table, keys)).map((item) => stripKey<Article>(item)).map((a) => [a.id, a]));
    return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async latestIssue(): Promise<Issue | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'kind' },
        ExpressionAttributeValues: { ':k': 'issue' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return out.Items?.[0] ? stripKey<Issue>(out.Items[0]) : undefined;
  }

  async markIssuePlanned(id: string, at: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: contentKey('issue', id) },
          UpdateExpression: 'SET plannedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(plannedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async markArticleAlerted(id: string, at: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: contentKey('article', id) },
          UpdateExpression: 'SET alertedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(alertedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async upsert(s: Subscriber): Promise<Subscriber> {
    const existing = await this.getByEmail(s.email);
    // An address keeps its id and creation time for life, so links already sent keep working.
    const merged: Subscriber = existing ? { ...s, subscriberId: existing.subscriberId, createdAt: existing.createdAt } : s;
    await this.db.send(new PutCommand({ TableName: this.table, Item: toSubscriberItem(merged) }));
    return merged;
  }

  /**
   * Write many new subscribers at once (25 to a BatchWriteItem call, unprocessed items sent
   * again). For bulk loads of addresses known to be new; it does not merge with existing items.
   */
  async putBatch(subscribers: Subscriber[]): Promise<void> {
    await batchWriteAll(this.db, this.table, subscribers.map((s) => ({ PutRequest: { Item: toSubscriberItem(s) } })));
  }

  async getByEmail(email: string): Promise<Subscriber | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { email }, ConsistentRead: true }));
    return out.Item ? fromSubscriberItem(out.Item) : undefined;
  }

  async getById(subscriberId: string): Promise<Subscriber | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.bySubscriberId,
        KeyConditionExpression: 'subscriberId = :id',
        ExpressionAttributeValues: { ':id': subscriberId },
        Limit: 1,
      }),
    );
    return out.Items?.[0] ? fromSubscriberItem(out.Items[0]) : undefined;
  }

  async unsubscribe(subscriberId: string, at: Date): Promise<boolean> {
    const s = await this.getById(subscriberId);
    if (!s) return false;
    if (s.status === 'unsubscribed') return true;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { email: s.email },
        // Leaving the sparse audience indexes is what stops the next digest and alert.
        UpdateExpression: 'SET #s = :u, unsubscribedAt = :at REMOVE digestShard, alertShard',
        ConditionExpression: 'subscriberId = :id',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':u': 'unsubscribed', ':at': at.toISOString(), ':id': subscriberId },
      }),
    );
    return true;
  }

  async digestAudiencePage(shard: number, cursor: string | undefined, limit: number): Promise<AudiencePage> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.digestAudience,
        KeyConditionExpression: 'digestShard = :s',
        ExpressionAttributeValues: { ':s': shard },
        ExclusiveStartKey: decodeCursor(cursor),
        Limit: limit,
      }),
    );
    return {
      recipients: (out.Items ?? []).map((i) => ({ subscriberId: i.subscriberId as string, email: i.email as string })),
      next: encodeCursor(out.LastEvaluatedKey),
    };
  }

  async alertAudiencePage(
    shard: number,
    topics: string[],
    cursor: string | undefined,
    limit: number,
  ): Promise<{ rows: AlertAudienceRow[]; next?: string }> {
    const filter = alertTopicFilter(topics);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.alertAudience,
        KeyConditionExpression: 'alertShard = :s',
        FilterExpression: filter.expression,
        ExpressionAttributeValues: { ':s': shard, ...filter.values },
        ExclusiveStartKey: decodeCursor(cursor),
        Limit: limit,
      }),
    );
    return {
      rows: (out.Items ?? []).map((i) => ({
        subscriberId: i.subscriberId as string,
        email: i.email as string,
        topics: (i.topics as string[] | undefined) ?? [],
        timezone: i.timezone as string | undefined,
      })),
      next: encodeCursor(out.LastEvaluatedKey),
    };
  }
}

export function alertTopicFilter(topics: string[]): { expression: string; values: Record<string, unknown> } {
  // No topics chosen means every topic; otherwise any one of the article's topics.
  const values: Record<string, unknown> = { ':none': 0 };
  const parts = topics.map((t, i) => {
    values[`:t${i}`] = t;
    return `contains(topics, :t${i})`;
  });
  return { expression: ['attribute_not_exists(topics)', 'size(topics) = :none', ...parts].join(' OR '), values };
}

/**
 * The stored item: the subscriber plus the sparse audience-index keys its state calls for,
 * and `expiresAt` (TTL) when it is a sign-up that ends with its link (core/lifecycle.ts).
 */
export function toSubscriberItem(s: Subscriber): Record<string, unknown> {
  const item: Record<string, unknown> = { ...s };
  if (inDigestAudience(s)) item.digestShard = audienceShard(s.subscriberId);
  if (inAlertAudience(s)) item.alertShard = audienceShard(s.subscriberId);
  const expiresAt = subscriberExpiresAt(s);
  if (expiresAt !== undefined) item.expiresAt = expiresAt;
  return item;
}

function fromSubscriberItem(item: Record<string, unknown>): Subscriber {
  const { digestShard: _shard, alertShard: _alertShard, expiresAt: _expiresAt, ...rest } = item;
  return rest as unknown as Subscriber;
}

export class DynamoLedger implements Ledger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(campaignId: string, subscriberId: string, at: Date, staleBefore?: Date): Promise<ClaimResult> {
    try {
      const out = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { campaignId, subscriberId, status: 'claimed', claimedAt: at.toISOString() },
          // A new claim, or the take-over of a claim whose holder died (older than the lease).
          // ISO timestamps of one format compare in time order as strings.
          ConditionExpression: staleBefore
            ? 'attribute_not_exists(subscriberId) OR (#s = :claimed AND claimedAt < :stale)'
            : 'attribute_not_exists(subscriberId)',
          ...(staleBefore
            ? { ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': staleBefore.toISOString() } }
            : {}),
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return out.Attributes ? 'reclaimed' : 'claimed';
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) {
        const status = (e.Item as { status?: { S?: string } } | undefined)?.status?.S;
        return status === 'claimed' ? 'in-flight' : 'already-sent';
      }
      throw e;
    }
  }

  /**
   * Claims for a whole batch in one transaction of up to 100 conditional puts (each: no entry
   * yet). A transaction is all or nothing: when some entries exist (a redelivered batch), it is
   * cancelled, and the cancellation reasons say which; the others are tried again without them.
   * On AWS a transactional write costs two write units instead of one; it saves 49 of every 50
   * round trips, and on DynamoDB Local most of the CPU a claim costs.
   */
  async claimNew(campaignId: string, subscriberIds: string[], at: Date): Promise<Set<string>> {
    const { written } = await transactEach(this.db, [...new Set(subscriberIds)], (subscriberId) => subscriberId, (subscriberId) => ({
      Put: {
        TableName: this.table,
        Item: { campaignId, subscriberId, status: 'claimed', claimedAt: at.toISOString() },
        ConditionExpression: 'attribute_not_exists(subscriberId)',
      },
    }));
    return written;
  }

  async markSuppressed(campaignId: string, subscriberId: string, at: Date, staleBefore?: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { campaignId, subscriberId, status: 'suppressed', claimedAt: at.toISOString() },
          ConditionExpression: staleBefore
            ? 'attribute_not_exists(subscriberId) OR (#s = :claimed AND claimedAt < :stale)'
            : 'attribute_not_exists(subscriberId)',
          ...(staleBefore
            ? { ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': staleBefore.toISOString() } }
            : {}),
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * `sent` entries are written by group commit: the entries of sends that finish while one
   * write is under way go together in the next BatchWriteItem (up to 25 puts). Each call still
   * returns only once its own entry is stored, so a sender holds its send slot until then and
   * no more sends are ever unrecorded than are in flight; it saves DynamoDB a request, and
   * this process an SDK call, for most messages. A put replaces the claim: nothing else writes
   * to an entry before it carries its SES message id (bounce and complaint outcomes find
   * entries by that id).
   */
  async markSent(campaignId: string, subscriberId: string, sesMessageId: string, at: Date, claimedAt?: Date): Promise<void> {
    const item = { campaignId, subscriberId, status: 'sent', ...(claimedAt ? { claimedAt: claimedAt.toISOString() } : {}), sentAt: at.toISOString(), sesMessageId };
    await this.writeSent(item);
  }

  flush(): void {
    this.writeSent.flush();
  }

  private readonly writeSent = groupCommit<Record<string, unknown>>(
    // BatchWriteItem refuses two puts on one key; the later entry is the one to keep.
    (items) => batchWriteAll(this.db, this.table, [...new Map(items.map((Item) => [`${Item.campaignId}\n${Item.subscriberId}`, Item])).values()].map((Item) => ({ PutRequest: { Item } }))),
    { maxBatch: BATCH_WRITE_LIMIT, lingerMs: SENT_LINGER_MS },
  );

  async markFailed(campaignId: string, subscriberId: string, error: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId },
        UpdateExpression: 'SET #s = :failed, failedAt = :at, #e = :e',
        ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
        ExpressionAttributeValues: { ':failed': 'failed', ':at': at.toISOString(), ':e': error.slice(0, 500) },
      }),
    );
  }

  async release(campaignId: string, subscriberId: string, claimedAt?: Date): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: { campaignId, subscriberId },
          // Only a claim that never got as far as SES may be given back, and only the caller's
          // own (not one another sender took over since).
          ConditionExpression: claimedAt ? '#s = :claimed AND claimedAt = :at' : '#s = :claimed',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: claimedAt ? { ':claimed': 'claimed', ':at': claimedAt.toISOString() } : { ':claimed': 'claimed' },
        }),
      )
      .catch((e) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
  }

  async get(campaignId: string, subscriberId: string): Promise<Delivery | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { campaignId, subscriberId }, ConsistentRead: true }),
    );
    return out.Item as Delivery | undefined;
  }

  async list(campaignId: string): Promise<Delivery[]> {
    // The campaign's counters share its partition; they are not a delivery.
    return ((await campaignPartition(this.db, this.table, campaignId)) as unknown as Delivery[]).filter((d) => d.subscriberId !== SUMMARY_KEY);
  }
}

/**
 * The daily alert cap, in the Deliveries table: one item per (day, reader), `campaignId` =
 * `alertcap#<YYYY-MM-DD>`, holding the set of article ids counted that day. Adding an id
 * already in the set is a no-op, so a retried planner run never counts an alert twice.
 */
export class DynamoAlertCaps implements AlertCaps {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private update(subscriberId: string, day: string, articleId: string, cap: number) {
    return {
      TableName: this.table,
      Key: { campaignId: `alertcap#${day}`, subscriberId },
      // Read only during its day: TTL removes it a couple of days later (core/lifecycle.ts).
      UpdateExpression: 'ADD articles :a SET expiresAt = :exp',
      ConditionExpression: 'attribute_not_exists(articles) OR size(articles) < :cap OR contains(articles, :id)',
      ExpressionAttributeValues: { ':a': new Set([articleId]), ':cap': cap, ':id': articleId, ':exp': alertCapExpiresAt(day) },
    };
  }

  async admit(subscriberId: string, day: string, articleId: string, cap: number): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(this.update(subscriberId, day, articleId, cap)));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * Up to 100 readers' counts in one transaction. A reader at the cap cancels the transaction,
   * and its reason (ConditionalCheckFailed) says who: they are refused, and the others, whose
   * reason is 'None', are tried again without them.
   */
  async admitMany(readers: { subscriberId: string; day: string }[], articleId: string, cap: number) {
    const unique = [...new Map(readers.map((r) => [r.subscriberId, r])).values()];
    const { written, refused } = await transactEach(this.db, unique, (r) => r.subscriberId, (r) => ({ Update: this.update(r.subscriberId, r.day, articleId, cap) }));
    return { admitted: written, refused };
  }

}

/**
 * Alerts held back by the cap are ledger entries with status `deferred`. Each reader with
 * alerts waiting also has one item, `campaignId` = {@link PENDING_ALERTS_KEY}, whose `articles`
 * set names them: a digest batch reads those items for its 50 readers in one `BatchGetItem`
 * (absent for most). The entry and the set are written in one transaction. Once a digest has
 * shown them, the entries record which digest (`inDigest`) and the ids leave the set; an item
 * whose set emptied is deleted, so the partition holds exactly the readers with alerts waiting
 * and one item's `Query` tells whether anyone has any. No index lists waiting alerts: DynamoDB
 * Local checks every index of the table on every ledger write, sparse or not.
 */
export const PENDING_ALERTS_KEY = '#pending-alerts';

export class DynamoReaderAlertHistory implements ReaderAlertHistory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async defer(articleId: string, subscriberId: string, at: Date): Promise<void> {
    const pending = {
      TableName: this.table,
      Key: { campaignId: PENDING_ALERTS_KEY, subscriberId },
      UpdateExpression: 'ADD articles :a SET updatedAt = :at',
      ExpressionAttributeValues: { ':a': new Set([articleId]), ':at': at.toISOString() },
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { campaignId: articleId, subscriberId, status: 'deferred', deferredAt: at.toISOString() },
                ConditionExpression: 'attribute_not_exists(subscriberId)',
              },
            },
            { Update: pending },
          ],
        }),
      );
    } catch (e) {
      // Deferred before (a retried planner run): the entry stands; the set add is idempotent.
      if (!(e instanceof TransactionCanceledException) || e.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed') throw e;
      await this.db.send(new UpdateCommand(pending));
    }
  }

  async deferred(subscriberIds: string[]): Promise<Map<string, string[]>> {
    const keys = [...new Set(subscriberIds)].map((subscriberId) => ({ campaignId: PENDING_ALERTS_KEY, subscriberId }));
    const out = new Map<string, string[]>();
    const emptied: string[] = [];
    for (const item of await batchGetAll(this.db, this.table, keys, { ConsistentRead: true, ProjectionExpression: 'subscriberId, articles' })) {
      const ids = [...((item.articles as Set<string> | undefined) ?? [])].sort();
      if (ids.length) out.set(item.subscriberId as string, ids);
      else emptied.push(item.subscriberId as string);
    }
    // Items an earlier version left with an emptied set would keep anyDeferred() answering yes
    // for ever; the first digest batch that meets one removes it.
    for (const subscriberId of emptied) await this.deleteIfEmpty(subscriberId);
    return out;
  }

  /** One item of the waiting-alerts partition, if any: a reader whose set emptied has no item left. */
  async anyDeferred(): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'campaignId = :p',
        ExpressionAttributeValues: { ':p': PENDING_ALERTS_KEY },
        ProjectionExpression: 'subscriberId',
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return (out.Items?.length ?? 0) > 0;
  }

  async alerted(articleIds: string[], subscriberIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    const keys = articleIds.flatMap((campaignId) => subscriberIds.map((subscriberId) => ({ campaignId, subscriberId })));
    for (const item of await batchGetAll(this.db, this.table, keys)) {
      if (item.status !== 'sent') continue;
      const set = out.get(item.subscriberId as string) ?? new Set<string>();
      set.add(item.campaignId as string);
      out.set(item.subscriberId as string, set);
    }
    return out;
  }

  async resolveDeferred(subscriberId: string, articleIds: string[], digestId: string, at: Date): Promise<void> {
    for (const campaignId of articleIds) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { campaignId, subscriberId },
          UpdateExpression: 'SET inDigest = :d, inDigestAt = :at',
          ExpressionAttributeValues: { ':d': digestId, ':at': at.toISOString() },
        }),
      );
    }
    // Last: a crash before this shows them once more in the next digest, never loses one.
    if (articleIds.length > 0) {
      const key = { campaignId: PENDING_ALERTS_KEY, subscriberId };
      const left = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'DELETE articles :a',
          ExpressionAttributeValues: { ':a': new Set(articleIds) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      // An emptied set leaves the item: remove it, so the partition holds only readers with
      // alerts waiting (anyDeferred).
      if (!left.Attributes?.articles) await this.deleteIfEmpty(subscriberId);
    }
  }

  /** Delete a reader's waiting-alerts item whose set is empty; the condition keeps an alert deferred meanwhile. */
  private async deleteIfEmpty(subscriberId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: { campaignId: PENDING_ALERTS_KEY, subscriberId }, ConditionExpression: 'attribute_not_exists(articles)' }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
}

function stripKey<T>(item: Record<string, unknown>): T {
  const { pk: _pk, ...rest } = item;
  return rest as T;
}


// ---- campaign progress and send-time checks (the send engine) ------------------------------

/**
 * Sort key of a campaign's summary item in the Deliveries table: its counters live next to its
 * deliveries (same partition), and `#` never starts a subscriber id.
 */
export const SUMMARY_KEY = '#summary';

/**
 * Per-campaign counters as one item per campaign, updated with atomic ADDs (one per batch, so
 * even at 1,000 messages a second it takes ~20 writes a second, well under an item's 1,000).
 */
export class DynamoCampaignCounters implements CampaignCounters {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(campaignId: string, delta: Partial<Counters>, at: Date): Promise<void> {
    const entries = Object.entries(delta).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':at': at.toISOString() };
    const adds = entries.map(([k, v], i) => {
      names[`#c${i}`] = k;
      values[`:c${i}`] = v;
      return `#c${i} :c${i}`;
    });
    // lastSentAt lets a pause end by itself: a campaign is paused while its pause is newer.
    const sets = ['updatedAt = :at', ...((delta.sent ?? 0) > 0 ? ['lastSentAt = :at'] : [])];
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId: SUMMARY_KEY },
        UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async startPlanning(campaignId: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId: SUMMARY_KEY },
        UpdateExpression: 'SET #st = :planning, updatedAt = :at, startedAt = if_not_exists(startedAt, :at)',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':planning': 'planning', ':at': at.toISOString() },
      }),
    );
  }

  async finishPlanning(campaignId: string, planned: number, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId: SUMMARY_KEY },
        UpdateExpression: 'SET #st = :queued, planned = :n, updatedAt = :at',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':queued': 'queued', ':n': planned, ':at': at.toISOString() },
      }),
    );
  }

  async setState(campaignId: string, state: CampaignState, at: Date, reason?: string): Promise<void> {
    // A pause is recorded as its time (see get()); other states replace the state.
    const paused = state === 'paused';
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId: SUMMARY_KEY },
        UpdateExpression: paused ? 'SET pausedAt = :at, reason = :r, updatedAt = :at' : 'SET #st = :s, updatedAt = :at',
        ...(paused ? {} : { ExpressionAttributeNames: { '#st': 'state' } }),
        ExpressionAttributeValues: paused ? { ':at': at.toISOString(), ':r': reason ?? 'paused' } : { ':s': state, ':at': at.toISOString() },
      }),
    );
  }

  async reconcile(campaignId: string, at: Date): Promise<CampaignProgress | undefined> {
    const before = await this.get(campaignId);
    if (!before) return undefined;
    const final = { sent: 0, failed: 0, suppressed: 0 };
    // One paged Query of the campaign's own partition (small items: about 25,000 read units
    // for a million recipients), reading only the status.
    for (const item of await campaignPartition(this.db, this.table, campaignId, 'status')) {
      const status = item.status as string | undefined;
      if (status === 'sent' || status === 'failed' || status === 'suppressed') final[status]++;
    }
    const raise = (Object.keys(final) as (keyof typeof final)[]).filter((k) => final[k] > before[k]);
    if (raise.length === 0) return before;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId: SUMMARY_KEY },
        UpdateExpression: `SET ${raise.map((k) => `#${k} = :${k}`).join(', ')}, updatedAt = :at`,
        ExpressionAttributeNames: Object.fromEntries(raise.map((k) => [`#${k}`, k])),
        ExpressionAttributeValues: { ...Object.fromEntries(raise.map((k) => [`:${k}`, final[k]])), ':at': at.toISOString() },
      }),
    );
    return this.get(campaignId);
  }

  async get(campaignId: string): Promise<CampaignProgress | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { campaignId, subscriberId: SUMMARY_KEY }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const i = out.Item as Record<string, unknown>;
    const counters = zeroCounters();
    for (const k of Object.keys(counters) as (keyof typeof counters)[]) counters[k] = Number(i[k] ?? 0);
    const pausedAt = i.pausedAt as string | undefined;
    const lastSentAt = i.lastSentAt as string | undefined;
    const progress: CampaignProgress = {
      campaignId,
      ...counters,
      state: (i.state as CampaignState | undefined) ?? 'queued',
      planned: i.planned === undefined ? undefined : Number(i.planned),
      startedAt: i.startedAt as string | undefined,
      updatedAt: i.updatedAt as string | undefined,
    };
    if (isComplete(progress)) progress.state = 'done';
    else if (pausedAt && (!lastSentAt || pausedAt > lastSentAt)) {
      progress.state = 'paused';
      progress.reason = i.reason as string | undefined;
    }
    return progress;
  }
}

/**
 * The send-time check on the Subscribers table: one BatchGetItem by address for a batch (at
 * most 50 keys, under BatchGetItem's 100), reading only what decides.
 */
export class DynamoRecipientGate implements RecipientGate {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async allowed(recipients: { subscriberId: string; email: string }[], kind: 'digest' | 'alert'): Promise<Set<string>> {
    const allowed = new Set<string>();
    const wanted = new Map(recipients.map((r) => [r.email, r.subscriberId]));
    const keys = [...new Set(recipients.map((r) => r.email))].map((email) => ({ email }));
    const items = await batchGetAll(this.db, this.table, keys, {
      ConsistentRead: true,
      ProjectionExpression: 'email, subscriberId, #s, digest, alerts, suppressed',
      ExpressionAttributeNames: { '#s': 'status' },
    });
    for (const item of items) {
      const s = item as Pick<Subscriber, 'email' | 'subscriberId' | 'status' | 'digest' | 'alerts' | 'suppressed'>;
      const wantsIt = kind === 'alert' ? s.alerts === true : s.digest !== false;
      // The same address re-created under another id is another person's subscription.
      if (s.status === 'confirmed' && wantsIt && !s.suppressed && wanted.get(s.email) === s.subscriberId) {
        allowed.add(s.subscriberId);
      }
    }
    return allowed;
  }
}
