/**
 * A paged Query of every shard of a sharded index (the readers index, the audience indexes):
 * one loop for the adapters that count or read across shards, so none of them pages differently.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

export interface ShardedIndex {
  table: string;
  index: string;
  /** The index's partition key: the shard number. */
  shardKey: string;
  shards: number;
}

/** What a shard's Query adds to `#shard = :shard`: its key condition's rest, filter, projection, Select, Limit. */
export type ShardQuery = Pick<QueryCommandInput, 'FilterExpression' | 'ProjectionExpression' | 'Select' | 'Limit'> & {
  /** More of the key condition (`AND begins_with(#e, :p)`). */
  andKey?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
};

/**
 * Each page of every shard (the shards at once, each shard's pages in turn). `onPage` returns the Limit for the shard's next page, or
 * false to stop reading that shard (undefined: go on as asked).
 */
export async function queryEachShard(
  db: Pick<DynamoDBDocumentClient, 'send'>,
  at: ShardedIndex,
  q: ShardQuery,
  onPage: (out: QueryCommandOutput, shard: number) => void | false,
): Promise<void> {
  // The shards at once, each paged in turn: a count of a large index stays within the request's time.
  await Promise.all(
    Array.from({ length: at.shards }, async (_, shard) => {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await db.send(
          new QueryCommand({
            TableName: at.table,
            IndexName: at.index,
            KeyConditionExpression: `#shard = :shard${q.andKey ? ` ${q.andKey}` : ''}`,
            ExpressionAttributeNames: { '#shard': at.shardKey, ...q.names },
            ExpressionAttributeValues: { ':shard': shard, ...q.values },
            FilterExpression: q.FilterExpression,
            ProjectionExpression: q.ProjectionExpression,
            Select: q.Select,
            Limit: q.Limit,
            ExclusiveStartKey: start,
          }),
        );
        start = onPage(out, shard) === false ? undefined : out.LastEvaluatedKey;
      } while (start);
    }),
  );
}
