/**
 * The sign-up limits (core/sign-up-limits.ts) in the Subscribers table, so they hold across
 * every function instance: one item per limited key, `limit#<scope>#<digest>` (core/keys.ts),
 * holding the times of its last admitted requests, a revision for the conditional write, and
 * `expiresAt` (TTL) once its longest window has passed. Keys are keyed digests (the address
 * key): the table holds no client address or mailbox in the clear.
 *
 * Only GetItem and PutItem, both of which the API function has on the table. A write races
 * another instance's by a condition on the revision it read; the loser reads again. A key that
 * keeps losing (a flood on one key) is refused: the limit fails closed.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { limitKey } from '../../core/keys';
import { EXPIRES_AT } from '../../core/lifecycle';
import type { Clock, RateLimiter } from '../../core/ports';
import { admit, keepFor, type LimitRule } from '../../core/sign-up-limits';
import { writeIf } from './conditional';

const ATTEMPTS = 4;

export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly scope: 'client' | 'address',
    private readonly rules: readonly LimitRule[],
    private readonly clock: Clock,
  ) {}

  async take(digest: string): Promise<boolean> {
    const key = limitKey(this.scope, digest);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { email: key }, ConsistentRead: true }));
      const now = this.clock.now().getTime();
      const times = admit(Array.isArray(out.Item?.times) ? (out.Item.times as number[]) : [], now, this.rules);
      if (!times) return false;
      const rev = typeof out.Item?.rev === 'number' ? out.Item.rev : undefined;
      const written = await writeIf(
        this.db,
        new PutCommand({
          TableName: this.table,
          Item: { email: key, times, rev: (rev ?? 0) + 1, [EXPIRES_AT]: Math.ceil((now + keepFor(this.rules)) / 1000) },
          ...(rev === undefined
            ? { ConditionExpression: 'attribute_not_exists(email) OR attribute_not_exists(rev)' }
            : { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': rev } }),
        }),
      );
      if (written) return true;
    }
    return false;
  }

  async giveBack(digest: string): Promise<void> {
    const key = limitKey(this.scope, digest);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { email: key }, ConsistentRead: true }));
      const times = Array.isArray(out.Item?.times) ? (out.Item.times as number[]) : [];
      const rev: unknown = out.Item?.rev;
      if (!times.length || typeof rev !== 'number') return;
      const written = await writeIf(
        this.db,
        new PutCommand({
          TableName: this.table,
          Item: { ...out.Item, times: times.slice(0, -1), rev: rev + 1 },
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': rev },
        }),
      );
      if (written) return;
    }
  }
}
