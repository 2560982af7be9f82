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
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryEachShard, type ShardedIndex } from './shard-query';
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

export class DynamoReaderIndex implements ReaderIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private get at(): ShardedIndex {
    return { table: this.table, index: INDEXES.readers, shardKey: READER_SHARD, shards: READER_SHARDS };
  }

  async count(): Promise<SubscriberCounts> {
    const counts = emptyCounts();
    const names = { '#st': 'status', '#sup': 'suppressed', '#so': 'source', '#to': 'topics' };
    await queryEachShard(this.db, this.at, { names, ProjectionExpression: '#st, #sup, #so, #to' }, (out) => {
      for (const item of out.Items ?? []) countInto(counts, item as Subscriber);
    });
    return counts;
  }

  async readersByTopic(topics: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (!topics.length) return found;
    const wanted = new Set(topics);
    // One pass for every topic asked: each reader not unsubscribed, their topics only.
    const q = {
      FilterExpression: '#st <> :gone',
      names: { '#st': 'status', '#to': 'topics' },
      values: { ':gone': 'unsubscribed' },
      ProjectionExpression: '#to',
    };
    await queryEachShard(this.db, this.at, q, (out) => {
      for (const item of out.Items ?? [])
        for (const t of new Set((item.topics as string[] | undefined) ?? [])) if (wanted.has(t)) found.set(t, (found.get(t) ?? 0) + 1);
    });
    return found;
  }

  async search(prefix: string, limit: number): Promise<ReaderRow[]> {
    const found: ReaderRow[] = [];
    const taken = new Map<number, number>();
    const q = { andKey: 'AND begins_with(#e, :p)', names: { '#e': 'email' }, values: { ':p': prefix.toLowerCase() }, Limit: limit };
    // Each partition is sorted by address: its first `limit` matches are all it can add.
    await queryEachShard(this.db, this.at, q, (out, shard) => {
      for (const item of out.Items ?? []) {
        const { [READER_SHARD]: _shard, ...row } = item;
        found.push(row as ReaderRow);
        taken.set(shard, (taken.get(shard) ?? 0) + 1);
      }
      return (taken.get(shard) ?? 0) >= limit ? false : undefined;
    });
    return found.sort((a, b) => a.email.localeCompare(b.email)).slice(0, limit);
  }
}
