import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Subscriber } from '../../core/model';
import type { AllowedReader, RecipientGate } from '../../core/ports';
import { batchGetAll } from './batch';

/**
 * The send-time check on the Subscribers table: one BatchGetItem by address for a batch (at
 * most 50 keys, under BatchGetItem's 100), reading only what decides, and what the mail needs of
 * the reader: the subscription's date for the reason line, the address as typed (the queued key
 * is its lower-cased form) and the link version signed into the reader's links.
 */
export class DynamoRecipientGate implements RecipientGate {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async allowed(recipients: { subscriberId: string; email: string }[], kind: 'digest' | 'alert'): Promise<Map<string, AllowedReader>> {
    const allowed = new Map<string, AllowedReader>();
    const wanted = new Map(recipients.map((r) => [r.email, r.subscriberId]));
    const keys = [...new Set(recipients.map((r) => r.email))].map((email) => ({ email }));
    const items = await batchGetAll(this.db, this.table, keys, {
      ConsistentRead: true,
      ProjectionExpression: 'email, emailAsTyped, subscriberId, #s, digest, alerts, suppressed, confirmedAt, createdAt, linkVersion',
      ExpressionAttributeNames: { '#s': 'status' },
    });
    for (const item of items) {
      const s = item as Pick<
        Subscriber,
        | 'email'
        | 'emailAsTyped'
        | 'subscriberId'
        | 'status'
        | 'digest'
        | 'alerts'
        | 'suppressed'
        | 'confirmedAt'
        | 'createdAt'
        | 'linkVersion'
      >;
      const wantsIt = kind === 'alert' ? s.alerts === true : s.digest !== false;
      // The same address re-created under another id is another person's subscription.
      if (s.status === 'confirmed' && wantsIt && !s.suppressed && wanted.get(s.email) === s.subscriberId) {
        allowed.set(s.subscriberId, {
          subscribedAt: s.confirmedAt ?? s.createdAt,
          ...(s.emailAsTyped ? { address: s.emailAsTyped } : {}),
          ...(s.linkVersion ? { linkVersion: s.linkVersion } : {}),
        });
      }
    }
    return allowed;
  }
}
