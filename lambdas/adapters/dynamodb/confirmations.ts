/**
 * Confirmations used (the console's send confirmations, pages/send.ts): each one's random id
 * kept once, by a conditional write, so a confirmation posted again — a second tab, a replayed
 * form after the issue came back to the state it was shown in — is known as used. Kept a day
 * (TTL); a confirmation is good for 15 minutes anyway.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EXPIRES_AT } from '../../core/lifecycle';

export interface Confirmations {
  /** Mark `id` used; false when it already was (nothing written). */
  use(id: string, now: Date): Promise<boolean>;
}

export class DynamoConfirmations implements Confirmations {
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
  ) {}

  async use(id: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            campaignId: '#confirmation',
            subscriberId: id,
            usedAt: now.toISOString(),
            [EXPIRES_AT]: Math.floor(now.getTime() / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(subscriberId)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
