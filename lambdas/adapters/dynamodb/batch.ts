/** Many items a call: BatchWriteItem, BatchGetItem and TransactWriteItems, with their limits. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Db = Pick<DynamoDBDocumentClient, 'send'>;

/** Requests one BatchWriteItem call may carry. */
export const BATCH_WRITE_LIMIT = 25;
/** Keys one BatchGetItem call may ask for. */
export const BATCH_GET_LIMIT = 100;
/** Items one TransactWriteItems call may carry. */
const TRANSACTION_LIMIT = 100;

/**
 * How often, and after what wait, what DynamoDB hands back unprocessed is sent again. It does
 * so when a partition is over its throughput; eight retries wait about 5.5 s in all, long
 * enough for a burst to pass. Past that the table is short of capacity, and an error says so
 * instead of a function retrying until its timeout.
 */
export interface RetryPolicy {
  retries: number;
  /** Wait before retry `n` (1, 2, …), in ms. */
  delayMs(n: number): number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, delayMs: (n) => Math.min(1000, 50 * 2 ** n) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error once the retries are used up: which table, and how much was not done. */
export class UnprocessedError extends Error {
  constructor(operation: string, table: string, left: number, total: number, retries: number) {
    super(`${operation} on ${table}: ${left} of ${total} items left unprocessed after ${retries} retries`);
    this.name = 'UnprocessedError';
  }
}

/**
 * Puts and deletes on one table, 25 a BatchWriteItem call; requests DynamoDB hands back
 * unprocessed are sent again with backoff, at most `retry.retries` times a call, then
 * {@link UnprocessedError} (counting the requests not yet sent as left too).
 */
export async function batchWriteAll(
  db: Db,
  table: string,
  requests: Record<string, unknown>[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    let left: Record<string, unknown>[] = requests.slice(i, i + BATCH_WRITE_LIMIT);
    for (let attempt = 0; left.length > 0; attempt++) {
      if (attempt > retry.retries) {
        const unsent = requests.length - (i + BATCH_WRITE_LIMIT);
        throw new UnprocessedError('BatchWriteItem', table, left.length + Math.max(0, unsent), requests.length, retry.retries);
      }
      if (attempt > 0) await sleep(retry.delayMs(attempt));
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: left } }));
      left = out.UnprocessedItems?.[table] ?? [];
    }
  }
}

/**
 * Items by key from one table, 100 a BatchGetItem call (with `options`, e.g. a projection or a
 * consistent read); keys DynamoDB hands back unprocessed are asked for again like
 * {@link batchWriteAll}'s requests. Keys with no item are simply absent from the result.
 */
export async function batchGetAll(
  db: Db,
  table: string,
  keys: Record<string, unknown>[],
  options: { ConsistentRead?: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } = {},
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let left: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; left.length > 0; attempt++) {
      if (attempt > retry.retries) {
        const unasked = keys.length - (i + BATCH_GET_LIMIT);
        throw new UnprocessedError('BatchGetItem', table, left.length + Math.max(0, unasked), keys.length, retry.retries);
      }
      if (attempt > 0) await sleep(retry.delayMs(attempt));
      const out = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: left, ...options } } }));
      items.push(...(out.Responses?.[table] ?? []));
      left = (out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return items;
}

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * Conditional writes for many items, up to 100 a transaction. A transaction is all or nothing:
 * when it is cancelled, its reasons say which items failed their condition (`refused`), and the
 * others (reason 'None') are tried again without them, three rounds at most. Items in neither
 * set (a conflict with another transaction, throttling) are left to the caller's one-by-one
 * path. A lost answer is an error for the caller; the ClientRequestToken makes the SDK's own
 * retry of it idempotent.
 */
export async function transactEach<T>(db: Db, items: T[], key: (item: T) => string, write: (item: T) => TransactItem) {
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
