/**
 * DynamoDB Streams, locally: polls DynamoDB Local's own Streams API and hands records to a
 * Lambda handler in the shape of a `DynamoDBStreamEvent`, after applying the same filter
 * criteria as the deployed event source. Like the Lambda event source it keeps per-shard
 * order, follows new shards, and retries the records a handler reports as failed (here a few
 * times, then they are set aside and counted, as a dead-letter destination would keep them).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesAny } from './event-filter';
import { LOCAL_AWS } from './dynamodb';

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  filters: readonly Record<string, unknown>[];
  /** Read the whole retained stream (true) or only what arrives after the start. @default true */
  fromStart?: boolean;
  /** @default 100 */
  batchSize?: number;
  /** @default 100 */
  pollIntervalMs?: number;
  /** Attempts per failed record before it is set aside. @default 3 */
  maxAttempts?: number;
  logger?: Pick<Console, 'warn'>;
}

export interface StreamPoller {
  /**
   * Resolves once a full round over every shard, begun after this call, read each shard and
   * found nothing new: every record written before the call has been handed on (or filtered).
   */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Records handed on, filtered out, and set aside after failing; their sum is every record read. */
  stats(): { delivered: number; filteredOut: number; failed: number };
  stop(): Promise<void>;
}

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { endpoint, tableName, handler, filters, batchSize = 100, pollIntervalMs = 100, maxAttempts = 3 } = options;
  const log = options.logger ?? console;
  const db = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  const streams = new DynamoDBStreamsClient({ endpoint, ...LOCAL_AWS });
  const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }));
  db.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream`);

  const iterators = new Map<string, string | undefined>(); // shardId → iterator (undefined: closed)
  const lastSequence = new Map<string, string>(); // shardId → last record handed on
  let firstRound = true;
  let stopped = false;
  let rounds = 0;
  let lastEmptyRound = -1;
  const counts = { delivered: 0, filteredOut: 0, failed: 0 };

  const discoverShards = async () => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      // Shards found later are children of ones we read: start them at their beginning.
      const type = firstRound && options.fromStart === false ? 'LATEST' : 'TRIM_HORIZON';
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: type }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
    firstRound = false;
  };

  const deliver = async (records: DynamoDBRecord[]) => {
    let pending = records;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failedIds: Set<string>;
      try {
        const res = await handler({ Records: pending });
        failedIds = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (e) {
        log.warn(`stream poller: handler failed: ${(e as Error).message}`);
        failedIds = new Set(pending.map((r) => r.dynamodb?.SequenceNumber ?? ''));
      }
      const failed = pending.filter((r) => failedIds.has(r.dynamodb?.SequenceNumber ?? ''));
      counts.delivered += pending.length - failed.length;
      if (failed.length > 0 && attempt >= maxAttempts) {
        counts.failed += failed.length;
        log.warn(`stream poller: ${failed.length} record(s) failed ${maxAttempts} times and were set aside`);
        return;
      }
      pending = failed;
    }
  };

  const round = async () => {
    await discoverShards();
    let found = 0;
    // A shard whose iterator had to be renewed was not read this round: the round proves nothing.
    let unread = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      let out;
      try {
        out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      } catch (e) {
        // DynamoDB Local sometimes refuses an iterator that sat idle at the end of a shard
        // (TrimmedDataAccess / ExpiredIterator): take a fresh one after the last record read.
        const name = (e as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw e;
        const last = lastSequence.get(shardId);
        const fresh = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(last ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: last } : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        iterators.set(shardId, fresh.ShardIterator);
        unread++;
        continue;
      }
      iterators.set(shardId, out.NextShardIterator);
      const last = out.Records?.at(-1)?.dynamodb?.SequenceNumber;
      if (last) lastSequence.set(shardId, last);
      const records = (out.Records ?? []).map((r) => toLambdaRecord(r, streamArn));
      found += records.length;
      const passing = records.filter((r) => matchesAny(r, filters));
      counts.filteredOut += records.length - passing.length;
      if (passing.length > 0) await deliver(passing);
    }
    rounds++;
    if (found === 0 && unread === 0) lastEmptyRound = rounds;
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await round();
      } catch (e) {
        if (!stopped) log.warn(`stream poller: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, pollIntervalMs));
    }
  })();

  return {
    async caughtUp(timeoutMs = 30_000) {
      const start = rounds;
      const deadline = Date.now() + timeoutMs;
      // The round running now may have begun before this call: wait for one that began after it.
      while (!(lastEmptyRound >= start + 2)) {
        if (Date.now() > deadline) throw new Error(`stream poller: not caught up after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollIntervalMs));
      }
    },
    stats: () => ({ ...counts }),
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
    },
  };
}

/** The Streams API record as Lambda's event source delivers it. */
function toLambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created instanceof Date ? Math.floor(created.getTime() / 1000) : created,
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      OldImage: d.OldImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as never,
    },
  };
}
