/**
 * The Subscribers table as subscribing, preferences, privacy and SES events use it: the
 * store of lambdas/adapters/dynamodb.ts plus conditional changes, erasure markers and creation.
 *
 * Erased addresses are remembered by an item keyed `erased#<sha256 of the address>` with no
 * other field but the time: it has no `subscriberId`, `digestShard` or `alertShard`, so it is in no
 * index, and its key cannot collide with an address (it has no `@`).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { audienceShard, inAlertAudience, inDigestAudience } from '../core/audience';
import { subscriberExpiresAt } from '../core/lifecycle';
import type { Subscriber } from '../core/model';
import type { SubscriptionStore } from '../core/ports';
import { DynamoSubscriberStore, toSubscriberItem } from './dynamodb';

const erasedKey = (hash: string) => `erased#${hash}`; // same form as core/address.ts erasedMarkerKey

export class DynamoSubscriptionStore extends DynamoSubscriberStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    super(client, tableName);
  }

  async create(s: Subscriber): Promise<boolean> {
    const item = toSubscriberItem(s);
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(email)' }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async change(
    current: Subscriber,
    patch: Partial<Subscriber>,
    options: { remove?: (keyof Subscriber)[]; expect?: Partial<Record<keyof Subscriber, unknown>> } = {},
  ): Promise<Subscriber | undefined> {
    const next: Subscriber = { ...current, ...patch };
    for (const field of options.remove ?? []) delete next[field];
    const names: Record<string, string> = { '#id': 'subscriberId' };
    const values: Record<string, unknown> = { ':id': current.subscriberId };
    const sets: string[] = [];
    const removes: string[] = [];
    let n = 0;
    const name = (field: string) => {
      const key = `#f${n++}`;
      names[key] = field;
      return key;
    };
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'email' || field === 'subscriberId' || value === undefined) continue;
      const v = `:v${n}`;
      values[v] = value;
      sets.push(`${name(field)} = ${v}`);
    }
    for (const field of options.remove ?? []) removes.push(name(field));
    // The audience indexes follow the new state: in the digest one exactly when confirmed,
    // wanting the digest and not suppressed; in the alert one likewise for alerts.
    const shard = audienceShard(next.subscriberId);
    if (inDigestAudience(next)) {
      values[':shard'] = shard;
      sets.push('digestShard = :shard');
    } else {
      removes.push('digestShard');
    }
    if (inAlertAudience(next)) {
      values[':alertShard'] = shard;
      sets.push('alertShard = :alertShard');
    } else {
      removes.push('alertShard');
    }
    // So does the TTL: a pending sign-up expires with its link; confirming (or a suppression)
    // removes `expiresAt`, or DynamoDB would delete a real reader.
    const expiresAt = subscriberExpiresAt(next);
    if (expiresAt !== undefined) {
      values[':expiresAt'] = expiresAt;
      sets.push('expiresAt = :expiresAt');
    } else {
      removes.push('expiresAt');
    }
    const conditions = ['#id = :id'];
    for (const [field, expected] of Object.entries(options.expect ?? {})) {
      const key = name(field);
      if (expected === null || expected === undefined) conditions.push(`attribute_not_exists(${key})`);
      else {
        const v = `:e${n}`;
        values[v] = expected;
        conditions.push(`${key} = ${v}`);
      }
    }
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { email: current.email },
          UpdateExpression: expression,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return next;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  }

  async remove(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { email } }));
  }

  async markErased(addressHash: string, at: Date): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { email: erasedKey(addressHash), erasedAt: at.toISOString() } }),
    );
  }

  async isErased(addressHash: string): Promise<{ erasedAt: string } | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { email: erasedKey(addressHash) }, ConsistentRead: true }),
    );
    return out.Item ? { erasedAt: String(out.Item.erasedAt) } : undefined;
  }
}
