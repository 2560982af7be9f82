/**
 * The Subscribers table as subscribing, preferences, privacy and SES events use it: the
 * store of adapters/dynamodb/subscriber-store.ts plus conditional changes, erasure markers and creation.
 *
 * Erased addresses are remembered by an item keyed {@link erasedKey} with no other field but
 * the time: it has no `subscriberId` nor audience key, so it is in no index, and its key cannot
 * collide with an address (it has no `@`). An address an import skipped because its source tool
 * says the reader left is remembered the same way, with `saidNo` (where it left) instead of
 * `erasedAt`: every check of erasure markers keeps it out too, and an erasure overwrites it.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INBOX_MEMBER_FIELDS, type InboxMember } from '../../core/inbox';
import { INDEXES } from '../../core/indexes';
import { ADDRESS_KEY_CHECK, AUDIENCE_KEY_NAMES, audienceKeys, erasedKey, MAILBOX } from '../../core/keys';
import { subscriberExpiresAt } from '../../core/lifecycle';
import type { Subscriber } from '../../core/model';
import type { SubscriptionStore } from '../../core/ports';
import { writeIf } from './conditional';
import { DynamoSubscriberStore, toSubscriberItem } from './subscriber-store';

export class DynamoSubscriptionStore extends DynamoSubscriberStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    super(client, tableName);
  }

  create(s: Subscriber): Promise<boolean> {
    return writeIf(
      this.client,
      new PutCommand({ TableName: this.tableName, Item: toSubscriberItem(s), ConditionExpression: 'attribute_not_exists(email)' }),
    );
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
    // The audience indexes follow the new state: in each one exactly when the state says so.
    const audience = audienceKeys(next);
    for (const key of AUDIENCE_KEY_NAMES) {
      if (audience[key] === undefined) removes.push(key);
      else {
        values[`:${key}`] = audience[key];
        sets.push(`${key} = :${key}`);
      }
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
    const written = await writeIf(
      this.client,
      new UpdateCommand({
        TableName: this.tableName,
        Key: { email: current.email },
        UpdateExpression: expression,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return written ? next : undefined;
  }

  async remove(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { email } }));
  }

  async inboxMembers(mailbox: string): Promise<InboxMember[]> {
    const members: InboxMember[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEXES.byMailbox,
          KeyConditionExpression: '#m = :m',
          ExpressionAttributeNames: { '#m': MAILBOX },
          ExpressionAttributeValues: { ':m': mailbox },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const member: Record<string, unknown> = { email: item.email };
        for (const field of ['status', ...INBOX_MEMBER_FIELDS]) if (item[field] !== undefined) member[field] = item[field];
        members.push(member as InboxMember);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return members;
  }

  async markErased(digest: string, at: Date): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { email: erasedKey(digest), erasedAt: at.toISOString() } }));
  }

  async markSaidNo(digest: string, saidNo: string, at: Date): Promise<void> {
    await writeIf(
      this.client,
      new PutCommand({
        TableName: this.tableName,
        Item: { email: erasedKey(digest), saidNo, saidNoAt: at.toISOString() },
        ConditionExpression: 'attribute_not_exists(email)',
      }),
    );
  }

  async checkAddressKey(check: string): Promise<'stored' | 'matches' | 'differs'> {
    const key = { email: ADDRESS_KEY_CHECK };
    if (
      await writeIf(
        this.client,
        new PutCommand({ TableName: this.tableName, Item: { ...key, check }, ConditionExpression: 'attribute_not_exists(email)' }),
      )
    )
      return 'stored';
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item?.check === check ? 'matches' : 'differs';
  }

  async isErased(digests: readonly string[]): Promise<{ erasedAt: string; digest: string; saidNo?: string } | undefined> {
    // A few GetItems at once (the functions that ask may not BatchGetItem): the keyed marker and
    // the older bare-hash forms (core/address.ts erasureDigests).
    const found = await Promise.all(
      digests.map(async (digest) => {
        const out = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { email: erasedKey(digest) }, ConsistentRead: true }),
        );
        if (!out.Item) return undefined;
        if (typeof out.Item.saidNo === 'string') return { erasedAt: String(out.Item.saidNoAt), digest, saidNo: out.Item.saidNo };
        return { erasedAt: String(out.Item.erasedAt), digest };
      }),
    );
    return found.find(Boolean);
  }
}
