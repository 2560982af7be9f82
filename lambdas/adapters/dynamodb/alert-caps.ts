import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { alertCapKey } from '../../core/keys';
import { alertCapExpiresAt } from '../../core/lifecycle';
import type { AlertCaps } from '../../core/ports';
import { transactEach } from './batch';
import { writeIf } from './conditional';

/**
 * The daily alert cap, in the Deliveries table: one item per (day, reader), keyed
 * {@link alertCapKey} (`alertcap#<YYYY-MM-DD>`, the reader's own day), holding the set of
 * article ids counted that day. Adding an id already in the set is a no-op, so a retried
 * planner run never counts an alert twice.
 */
export class DynamoAlertCaps implements AlertCaps {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private update(subscriberId: string, day: string, articleId: string, cap: number) {
    return {
      TableName: this.table,
      Key: alertCapKey(day, subscriberId),
      // Read only during its day: TTL removes it a couple of days later (core/lifecycle.ts).
      UpdateExpression: 'ADD articles :a SET expiresAt = :exp',
      ConditionExpression: 'attribute_not_exists(articles) OR size(articles) < :cap OR contains(articles, :id)',
      ExpressionAttributeValues: { ':a': new Set([articleId]), ':cap': cap, ':id': articleId, ':exp': alertCapExpiresAt(day) },
    };
  }

  admit(subscriberId: string, day: string, articleId: string, cap: number): Promise<boolean> {
    return writeIf(this.db, new UpdateCommand(this.update(subscriberId, day, articleId, cap)));
  }

  /**
   * Up to 100 readers' counts in one transaction. A reader at the cap cancels the transaction,
   * and its reason (ConditionalCheckFailed) says who: they are refused, and the others, whose
   * reason is 'None', are tried again without them.
   */
  async admitMany(readers: { subscriberId: string; day: string }[], articleId: string, cap: number) {
    const unique = [...new Map(readers.map((r) => [r.subscriberId, r])).values()];
    const { written, refused } = await transactEach(
      this.db,
      unique,
      (r) => r.subscriberId,
      (r) => ({ Update: this.update(r.subscriberId, r.day, articleId, cap) }),
    );
    return { admitted: written, refused };
  }
}
