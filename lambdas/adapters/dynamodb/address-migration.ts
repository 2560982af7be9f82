/**
 * The Subscribers table as `migrate-addresses` (usecases/migrate-addresses.ts) reads and rewrites
 * it: a paged Scan of the address items, and conditional writes. An operator's command only: no
 * function's role may Scan or delete subscribers.
 */
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { erasedKey, isAddressKey, MAILBOX, mergedKey, READER_SHARD, readerShard } from '../../core/keys';
import type { Subscriber } from '../../core/model';
import type { AddressMigrationStore } from '../../usecases/migrate-addresses';
import { writeIf } from './conditional';
import { fromSubscriberItem, toSubscriberItem } from './subscriber-store';

const ERASED_PREFIX = erasedKey('');

export class DynamoAddressMigration implements AddressMigrationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async *items(): AsyncIterable<{ subscriber: Subscriber; mailbox?: string } | { erasedDigest: string }> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const key = String(item.email);
        if (key.startsWith(ERASED_PREFIX)) yield { erasedDigest: key.slice(ERASED_PREFIX.length) };
        else if (isAddressKey(key) && typeof item.subscriberId === 'string')
          // An item without its readers-index shard (written before that index) is read as not yet
          // indexed, so the run gives it both keys (setMailbox).
          yield {
            subscriber: fromSubscriberItem(item),
            ...(typeof item[MAILBOX] === 'string' && item[READER_SHARD] === readerShard(key) ? { mailbox: item[MAILBOX] } : {}),
          };
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }

  putMerged(s: Subscriber, replacing: Subscriber | undefined): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: toSubscriberItem(s),
        ...(replacing
          ? {
              // Still the item read: same id, state and suppression (a change meanwhile is not overwritten).
              ConditionExpression:
                'subscriberId = :id AND #s = :status AND ' +
                (replacing.suppressed ? 'suppressed = :t' : 'attribute_not_exists(suppressed)'),
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: {
                ':id': replacing.subscriberId,
                ':status': replacing.status,
                ...(replacing.suppressed ? { ':t': true } : {}),
              },
            }
          : { ConditionExpression: 'attribute_not_exists(email)' }),
      }),
    );
  }

  async forward(subscriberId: string, toKey: string): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { email: mergedKey(subscriberId), subscriberId, mergedInto: toKey } }),
    );
  }

  async removeMarker(digest: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { email: erasedKey(digest) } }));
  }

  async setMailbox(key: string, subscriberId: string, mailbox: string): Promise<void> {
    // Conditional on the item read: one changed or removed meanwhile is left to the next run.
    await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { email: key },
        // With its readers-index shard: both follow from the key, both came with later indexes.
        UpdateExpression: 'SET #m = :m, #r = :r',
        ConditionExpression: 'subscriberId = :id',
        ExpressionAttributeNames: { '#m': MAILBOX, '#r': READER_SHARD },
        ExpressionAttributeValues: { ':m': mailbox, ':r': readerShard(key), ':id': subscriberId },
      }),
    );
  }

  async removeIf(key: string, subscriberId: string): Promise<void> {
    await writeIf(
      this.db,
      new DeleteCommand({
        TableName: this.table,
        Key: { email: key },
        ConditionExpression: 'subscriberId = :id',
        ExpressionAttributeValues: { ':id': subscriberId },
      }),
    );
  }
}
