/**
 * The console's sessions on the server (lambdas/console/session.ts SessionStore), in the
 * Deliveries table, which has TTL: one item a session under the `#console-session` partition,
 * its sort key the session's random id, holding the provider's ID and refresh tokens. Sign-out
 * marks it ended (the console's role has no DeleteItem there); DynamoDB removes it after its 8
 * hours. Read consistently, so a sign-out holds for the very next request.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EXPIRES_AT } from '../../core/lifecycle';
import { SESSION_MAX_SECONDS, type SessionRecord, type SessionStore } from '../../console/session';

const PARTITION = '#console-session';
const key = (sid: string) => ({ campaignId: PARTITION, subscriberId: sid });

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(sid: string, record: SessionRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key(sid), ...record, [EXPIRES_AT]: record.started + SESSION_MAX_SECONDS },
        // A new random id: never over another session.
        ConditionExpression: 'attribute_not_exists(subscriberId)',
      }),
    );
  }

  async get(sid: string, now: Date): Promise<SessionRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: key(sid), ConsistentRead: true }));
    const item = out.Item;
    if (!item || item.endedAt || typeof item.idToken !== 'string' || typeof item.started !== 'number') return undefined;
    // TTL removes an item within days of its time, not at it.
    if (item.started + SESSION_MAX_SECONDS <= Math.floor(now.getTime() / 1000)) return undefined;
    return {
      idToken: item.idToken,
      started: item.started,
      ...(typeof item.refreshToken === 'string' && { refreshToken: item.refreshToken }),
    };
  }

  async renew(sid: string, tokens: { idToken: string; refreshToken?: string }): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key(sid),
        UpdateExpression: tokens.refreshToken ? 'SET idToken = :i, refreshToken = :r' : 'SET idToken = :i',
        // Not a session ended meanwhile (a sign-out in another tab wins).
        ConditionExpression: 'attribute_exists(subscriberId) AND attribute_not_exists(endedAt)',
        ExpressionAttributeValues: { ':i': tokens.idToken, ...(tokens.refreshToken && { ':r': tokens.refreshToken }) },
      }),
    );
  }

  async end(sid: string, now: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key(sid),
        // The tokens go with the session: an ended item keeps nothing that signs anyone in.
        UpdateExpression: 'SET endedAt = :now REMOVE idToken, refreshToken',
        ConditionExpression: 'attribute_exists(subscriberId)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    );
  }
}
