/**
 * How many test messages each editor has sent from the console this hour (usecases/test-send.ts
 * TestSendAllowance): a counter item a clock hour in the Deliveries table, raised by one
 * conditional UpdateItem, so two tabs sending at once cannot both pass the limit. It expires a
 * day later (TTL).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EXPIRES_AT } from '../../core/lifecycle';
import type { TestSendAllowance } from '../../usecases/test-send';

export class DynamoTestSendAllowance implements TestSendAllowance {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly perHour: number,
  ) {}

  async take(who: string, count: number, now: Date): Promise<boolean> {
    const hour = now.toISOString().slice(0, 13);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { campaignId: `#test-sends#${hour}`, subscriberId: `editor#${who}` },
          UpdateExpression: 'ADD #sent :n SET #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#sent) OR #sent <= :most',
          ExpressionAttributeNames: { '#sent': 'sent', '#exp': EXPIRES_AT },
          ExpressionAttributeValues: { ':n': count, ':most': this.perHour - count, ':exp': Math.floor(now.getTime() / 1000) + 86_400 },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
