/** The Deliveries ledger: one entry per (campaign, reader), claimed before a send, recorded after. */
import { PutCommand, UpdateCommand, DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { groupCommit } from '../../core/concurrency';
import { isBookkeepingKey } from '../../core/keys';
import type { Delivery } from '../../core/model';
import type { ClaimResult, Ledger } from '../../core/ports';
import { BATCH_WRITE_LIMIT, batchWriteAll, transactEach } from './batch';
import { isConditionFailure, writeIf } from './conditional';
import { campaignPartition } from './query';

/**
 * How long a `sent` entry waits for others to share its write. The sender does not hold a send
 * slot meanwhile; it bounds how many accepted messages may wait unrecorded (see send-batch).
 */
const SENT_LINGER_MS = 40;

/**
 * The condition of a claim (and of a suppressed entry in its place): no entry yet, or, with
 * `staleBefore`, the take-over of a claim whose holder died (older than the lease). ISO
 * timestamps of one format compare in time order as strings.
 */
function newOrStale(staleBefore: Date | undefined) {
  return staleBefore
    ? {
        ConditionExpression: 'attribute_not_exists(subscriberId) OR (#s = :claimed AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': staleBefore.toISOString() },
      }
    : { ConditionExpression: 'attribute_not_exists(subscriberId)' };
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
          ...newOrStale(staleBefore),
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return out.Attributes ? 'reclaimed' : 'claimed';
    } catch (e) {
      // Refused: the entry the condition found says whether its send is under way or done.
      if (isConditionFailure(e)) {
        const status = (e as { Item?: { status?: { S?: string } } }).Item?.status?.S;
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
    const { written } = await transactEach(
      this.db,
      [...new Set(subscriberIds)],
      (subscriberId) => subscriberId,
      (subscriberId) => ({
        Put: {
          TableName: this.table,
          Item: { campaignId, subscriberId, status: 'claimed', claimedAt: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(subscriberId)',
        },
      }),
    );
    return written;
  }

  markSuppressed(campaignId: string, subscriberId: string, at: Date, staleBefore?: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { campaignId, subscriberId, status: 'suppressed', claimedAt: at.toISOString() },
        ...newOrStale(staleBefore),
      }),
    );
  }

  /**
   * `sent` entries are written by group commit: the entries of sends that finish while one
   * write is under way (or within {@link SENT_LINGER_MS}) go together in the next
   * BatchWriteItem (up to 25 puts). Each call returns once its own entry is stored; the sender
   * has freed its send slot when SES answered, and its admissions (twice the slots) bound how
   * many sends wait unrecorded meanwhile (see send-batch). It saves DynamoDB a request, and
   * this process an SDK call, for most messages. A put replaces the claim: nothing else writes
   * to an entry before it carries its SES message id (bounce and complaint outcomes find
   * entries by that id).
   */
  async markSent(campaignId: string, subscriberId: string, sesMessageId: string, at: Date, claimedAt?: Date): Promise<void> {
    const item = {
      campaignId,
      subscriberId,
      status: 'sent',
      ...(claimedAt ? { claimedAt: claimedAt.toISOString() } : {}),
      sentAt: at.toISOString(),
      sesMessageId,
    };
    await this.writeSent(item);
  }

  flush(): void {
    this.writeSent.flush();
  }

  private readonly writeSent = groupCommit<Record<string, unknown>>(
    // BatchWriteItem refuses two puts on one key; the later entry is the one to keep.
    (items) =>
      batchWriteAll(
        this.db,
        this.table,
        [...new Map(items.map((Item) => [`${String(Item.campaignId)}\n${String(Item.subscriberId)}`, Item])).values()].map((Item) => ({
          PutRequest: { Item },
        })),
      ),
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
    await writeIf(
      this.db,
      new DeleteCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId },
        // Only a claim that never got as far as SES may be given back, and only the caller's
        // own (not one another sender took over since).
        ConditionExpression: claimedAt ? '#s = :claimed AND claimedAt = :at' : '#s = :claimed',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: claimedAt ? { ':claimed': 'claimed', ':at': claimedAt.toISOString() } : { ':claimed': 'claimed' },
      }),
    );
  }

  async get(campaignId: string, subscriberId: string): Promise<Delivery | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { campaignId, subscriberId }, ConsistentRead: true }));
    return out.Item as Delivery | undefined;
  }

  async list(campaignId: string): Promise<Delivery[]> {
    // The campaign's counters share its partition; they are not a delivery.
    return ((await campaignPartition(this.db, this.table, campaignId)) as unknown as Delivery[]).filter(
      (d) => !isBookkeepingKey(d.subscriberId),
    );
  }
}
