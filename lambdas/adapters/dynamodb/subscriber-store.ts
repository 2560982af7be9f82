/**
 * Subscribers by address (the table's key: the address's lower-cased key form) and by id
 * (`bySubscriberId`), and the sparse audience indexes the planners page through. The item
 * carries the audience keys its state calls for ({@link audienceKeys}), so the indexes hold
 * exactly the audiences.
 *
 * A table written before addresses were keyed by their lower-cased form may still hold an item
 * under the address as typed then (`Reader@example.com`) until `migrate-addresses` has run: a
 * lookup by address that finds nothing under the key form looks under the form given and the
 * usual capitalisations of it too (core/address.ts `capitalisations`), so that no one who said no
 * is missed in between.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import { addressKey, capitalisations } from '../../core/address';
import {
  ALERT_SHARD,
  AUDIENCE_KEY_NAMES,
  audienceKeys,
  DIGEST_SHARD,
  isAddressKey,
  MAILBOX,
  mailboxKey,
  READER_SHARD,
  readerShard,
} from '../../core/keys';
import { EXPIRES_AT, subscriberExpiresAt } from '../../core/lifecycle';
import { mailAddress, type Subscriber } from '../../core/model';
import type { AlertAudienceRow, AudiencePage, SubscriberStore } from '../../core/ports';
import { batchWriteAll } from './batch';
import { decodeCursor, encodeCursor } from './query';

export class DynamoSubscriberStore implements SubscriberStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async upsert(s: Subscriber): Promise<Subscriber> {
    const existing = await this.getByEmail(mailAddress(s));
    // An address keeps its id and creation time for life, so links already sent keep working.
    const merged: Subscriber = existing ? { ...s, subscriberId: existing.subscriberId, createdAt: existing.createdAt } : s;
    await this.db.send(new PutCommand({ TableName: this.table, Item: toSubscriberItem(merged) }));
    return merged;
  }

  /**
   * Write many new subscribers at once (25 to a BatchWriteItem call, see batchWriteAll). For
   * bulk loads of addresses known to be new; it does not merge with existing items.
   */
  async putBatch(subscribers: Subscriber[]): Promise<void> {
    await batchWriteAll(
      this.db,
      this.table,
      subscribers.map((s) => ({ PutRequest: { Item: toSubscriberItem(s) } })),
    );
  }

  /** By a normalised address in any capitals (see the header for the forms typed before keying). */
  async getByEmail(email: string): Promise<Subscriber | undefined> {
    const key = addressKey(email);
    const found = await this.getByKey(key);
    if (found) return found;
    const older = [...new Set([email, ...capitalisations(key)])].filter((form) => form !== key);
    return (await Promise.all(older.map((form) => this.getByKey(form)))).find(Boolean);
  }

  private async getByKey(email: string): Promise<Subscriber | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { email }, ConsistentRead: true }));
    return out.Item && isAddressKey(String(out.Item.email)) ? fromSubscriberItem(out.Item) : undefined;
  }

  /** By id; the id of an item merged into another (`merged#<id>`, `mergedInto`) finds that other. */
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
    const item = out.Items?.[0];
    if (!item) return undefined;
    if (typeof item.mergedInto === 'string') return this.getByKey(item.mergedInto);
    return isAddressKey(String(item.email)) ? fromSubscriberItem(item) : undefined;
  }

  async unsubscribe(subscriberId: string, at: Date): Promise<boolean> {
    const s = await this.getById(subscriberId);
    if (!s) return false;
    if (s.status === 'unsubscribed' && s.confirmTokenHash === undefined) return true;
    if (s.status === 'unsubscribed') {
      // Someone who had left, declining a sign-up made for them since: the sign-up and its link
      // go, the decline restarts the cooling period (`declinedAt`), and when they left stays.
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { email: s.email },
          UpdateExpression: 'SET declinedAt = :at REMOVE confirmTokenHash, confirmExpiresAt, resubscription',
          ConditionExpression: 'subscriberId = :id',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':id': s.subscriberId },
        }),
      );
      return true;
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { email: s.email },
        // Leaving the sparse audience indexes is what stops the next digest and alert. A "no"
        // lasts: no TTL may delete it (a declined sign-up had one), and the confirmation link of
        // a declined sign-up stops working.
        UpdateExpression: `SET #s = :u, unsubscribedAt = :at REMOVE ${[...AUDIENCE_KEY_NAMES, EXPIRES_AT, 'confirmTokenHash', 'confirmExpiresAt'].join(', ')}`,
        ConditionExpression: 'subscriberId = :id',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':u': 'unsubscribed', ':at': at.toISOString(), ':id': s.subscriberId },
      }),
    );
    return true;
  }

  async digestAudiencePage(shard: number, cursor: string | undefined, limit: number): Promise<AudiencePage> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.digestAudience,
        KeyConditionExpression: `${DIGEST_SHARD} = :s`,
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
        KeyConditionExpression: `${ALERT_SHARD} = :s`,
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
 * The stored item: the subscriber plus the sparse audience-index keys its state calls for, its
 * inbox ({@link MAILBOX}, the byMailbox index), its {@link READER_SHARD} (the readers index), and
 * `expiresAt` (TTL) when it is a sign-up that ends with its link (core/lifecycle.ts).
 */
export function toSubscriberItem(s: Subscriber): Record<string, unknown> {
  // Its inbox, for the byMailbox index: it follows from the key, so it is written with the item once.
  const item: Record<string, unknown> = {
    ...s,
    ...audienceKeys(s),
    [MAILBOX]: mailboxKey(s.email),
    // Likewise its partition of the readers index (the console's counts and search).
    [READER_SHARD]: readerShard(s.email),
  };
  const expiresAt = subscriberExpiresAt(s);
  if (expiresAt !== undefined) item.expiresAt = expiresAt;
  return item;
}

export function fromSubscriberItem(item: Record<string, unknown>): Subscriber {
  const rest: Record<string, unknown> = { ...item };
  for (const key of [...AUDIENCE_KEY_NAMES, 'expiresAt', MAILBOX, READER_SHARD]) delete rest[key];
  return rest as unknown as Subscriber;
}
