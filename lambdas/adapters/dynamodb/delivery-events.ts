/**
 * The Deliveries ledger as SES events and privacy requests see it: found by subscriber
 * through the `bySubscriber` index (pk `subscriberId`, sk `campaignId`, with `sesMessageId`
 * and `status` projected), never by scanning the table.
 *
 * One index serves both needs: an SES event names the recipient's address, which gives the
 * subscriber id, and a subscriber has one entry per campaign (a few dozen a year), so finding
 * the entry with a given SES message id among them is one small query.
 */
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import { isBookkeepingKey } from '../../core/keys';
import type { Delivery } from '../../core/model';
import type { DeliveryEvents } from '../../core/ports';
import { batchWriteAll } from './batch';
import { writeIf } from './conditional';

export const DELIVERIES_BY_SUBSCRIBER = INDEXES.deliveriesBySubscriber;

export class DynamoDeliveryEvents implements DeliveryEvents {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async keysOf(subscriberId: string): Promise<{ campaignId: string; subscriberId: string; sesMessageId?: string }[]> {
    const keys: { campaignId: string; subscriberId: string; sesMessageId?: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: DELIVERIES_BY_SUBSCRIBER,
          KeyConditionExpression: 'subscriberId = :s',
          ExpressionAttributeValues: { ':s': subscriberId },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? [])
        keys.push({ campaignId: i.campaignId as string, subscriberId, sesMessageId: i.sesMessageId as string | undefined });
      start = out.LastEvaluatedKey;
    } while (start);
    return keys;
  }

  async findBySesMessageId(subscriberId: string, sesMessageId: string): Promise<Delivery | undefined> {
    const hit = (await this.keysOf(subscriberId)).find((k) => k.sesMessageId === sesMessageId);
    if (!hit) return undefined;
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { campaignId: hit.campaignId, subscriberId }, ConsistentRead: true }),
    );
    return out.Item as Delivery | undefined;
  }

  async record(
    campaignId: string,
    subscriberId: string,
    fields: Partial<Pick<Delivery, 'deliveredAt' | 'bouncedAt' | 'bounceType' | 'complainedAt'>>,
  ): Promise<void> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (!entries.length) return;
    await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId },
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        // An event never creates a ledger entry (an erased subscriber's entry stays gone).
        ConditionExpression: 'attribute_exists(campaignId)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
      }),
    );
  }

  async listForSubscriber(subscriberId: string): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (const k of await this.keysOf(subscriberId)) {
      // Items keyed `#…` (a reader's waiting-alerts set) are bookkeeping, not deliveries; erasure removes them too.
      if (isBookkeepingKey(k.campaignId)) continue;
      const got = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { campaignId: k.campaignId, subscriberId }, ConsistentRead: true }),
      );
      if (got.Item) out.push(got.Item as Delivery);
    }
    return out;
  }

  async deleteForSubscriber(subscriberId: string): Promise<number> {
    const keys = await this.keysOf(subscriberId);
    await batchWriteAll(
      this.db,
      this.table,
      keys.map((k) => ({ DeleteRequest: { Key: { campaignId: k.campaignId, subscriberId } } })),
    );
    return keys.length;
  }
}
