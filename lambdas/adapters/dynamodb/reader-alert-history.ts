import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PENDING_ALERTS_KEY, pendingAlertsKey } from '../../core/keys';
import type { ReaderAlertHistory } from '../../core/ports';
import { batchGetAll } from './batch';
import { writeIf } from './conditional';

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

export class DynamoReaderAlertHistory implements ReaderAlertHistory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async defer(articleId: string, subscriberId: string, at: Date): Promise<void> {
    const pending = {
      TableName: this.table,
      Key: pendingAlertsKey(subscriberId),
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
    const keys = [...new Set(subscriberIds)].map(pendingAlertsKey);
    const out = new Map<string, string[]>();
    const emptied: string[] = [];
    for (const item of await batchGetAll(this.db, this.table, keys, {
      ConsistentRead: true,
      ProjectionExpression: 'subscriberId, articles',
    })) {
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
      const left = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: pendingAlertsKey(subscriberId),
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
    await writeIf(
      this.db,
      new DeleteCommand({
        TableName: this.table,
        Key: pendingAlertsKey(subscriberId),
        ConditionExpression: 'attribute_not_exists(articles)',
      }),
    );
  }
}
