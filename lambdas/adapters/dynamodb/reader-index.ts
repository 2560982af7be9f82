/**
 * The `readers` index of the Subscribers table (core/table-schema.ts): every address item, in
 * READER_SHARDS partitions sorted by address. The console counts readers and searches them by
 * the start of their address with a Query per partition, never a Scan (its role may not Scan
 * Subscribers). The counts go through the same `countInto` as the CLI's `subscribers count`
 * (core/find.ts), so both say the same numbers of the same items.
 *
 * The index is eventually consistent (a change shows within a second or so) and holds an item
 * only once it carries `readerShard`: every write since the index does; older items get it from
 * `npm run cli -- migrate-addresses`.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countInto, emptyCounts, type SubscriberCounts } from '../../core/find';
import { INDEXES } from '../../core/indexes';
import { READER_SHARD, READER_SHARDS } from '../../core/keys';
import type { Subscriber } from '../../core/model';

/** A reader as the index holds them: enough for a search result's row. */
export type ReaderRow = Pick<
  Subscriber,
  'email' | 'emailAsTyped' | 'subscriberId' | 'status' | 'suppressed' | 'source' | 'topics' | 'createdAt'
>;

/** The readers index, as the console reads it. */
export interface ReaderIndex {
  /** Every reader counted by status, source and topic. */
  count(): Promise<SubscriberCounts>;
  /** Up to `limit` readers whose address key starts with `prefix` (lower-cased), in address order. */
  search(prefix: string, limit: number): Promise<ReaderRow[]>;
  /** Per topic, how many readers (not unsubscribed) chose it: publish's check before a topic is dropped (core/ports.ts TopicUsage). */
  readersByTopic(topics: readonly string[]): Promise<Map<string, number>>;
}

const shards = () => Array.from({ length: READER_SHARDS }, (_, i) => i);

export class DynamoReaderIndex implements ReaderIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async count(): Promise<SubscriberCounts> {
    const counts = emptyCounts();
    for (const shard of shards()) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEXES.readers,
            KeyConditionExpression: '#r = :r',
            ExpressionAttributeNames: { '#r': READER_SHARD, '#st': 'status', '#sup': 'suppressed', '#so': 'source', '#to': 'topics' },
            ExpressionAttributeValues: { ':r': shard },
            ProjectionExpression: '#st, #sup, #so, #to',
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) countInto(counts, item as Subscriber);
        start = out.LastEvaluatedKey;
      } while (start);
    }
    return counts;
  }

  async readersByTopic(topics: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const topic of topics) {
      let count = 0;
      for (const shard of shards()) {
        let start: Record<string, unknown> | undefined;
        do {
          // Counted by DynamoDB after the filter: no reader is returned.
          const out = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: INDEXES.readers,
              KeyConditionExpression: '#r = :r',
              FilterExpression: '#st <> :gone AND contains(#to, :t)',
              ExpressionAttributeNames: { '#r': READER_SHARD, '#st': 'status', '#to': 'topics' },
              ExpressionAttributeValues: { ':r': shard, ':gone': 'unsubscribed', ':t': topic },
              Select: 'COUNT',
              ExclusiveStartKey: start,
            }),
          );
          count += out.Count ?? 0;
          start = out.LastEvaluatedKey;
        } while (start);
      }
      if (count) found.set(topic, count);
    }
    return found;
  }

  async search(prefix: string, limit: number): Promise<ReaderRow[]> {
    const found: ReaderRow[] = [];
    for (const shard of shards()) {
      let start: Record<string, unknown> | undefined;
      let taken = 0;
      do {
        // Each partition is sorted by address: its first `limit` matches are all it can add.
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEXES.readers,
            KeyConditionExpression: '#r = :r AND begins_with(#e, :p)',
            ExpressionAttributeNames: { '#r': READER_SHARD, '#e': 'email' },
            ExpressionAttributeValues: { ':r': shard, ':p': prefix.toLowerCase() },
            Limit: limit - taken,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          const { [READER_SHARD]: _shard, ...row } = item;
          found.push(row as ReaderRow);
          taken++;
        }
        start = taken < limit ? out.LastEvaluatedKey : undefined;
      } while (start);
    }
    return found.sort((a, b) => a.email.localeCompare(b.email)).slice(0, limit);
  }
}
