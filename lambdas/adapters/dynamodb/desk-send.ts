/**
 * The console's sending actions in DynamoDB (core/desk-send-ports.ts): the digest audience
 * counted shard by shard (a Query with Select COUNT on the sparse digestAudience index: no
 * Scan, no reader read), a breaking article's alert audience counted (its readers' topics only),
 * and an issue's sendAt or subject test changed in place, conditionally.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryEachShard } from './shard-query';
import { INDEXES } from '../../core/indexes';
import { ALERT_SHARD, contentKey, DIGEST_SHARD } from '../../core/keys';
import { matchedTopics } from '../../core/audience';
import { AUDIENCE_SHARDS } from '../../core/model';
import type { AudienceCount, IssueEdits, IssueSendingChange } from '../../core/desk-send-ports';
import { writeIf } from './conditional';

export class DynamoAudienceCount implements AudienceCount {
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
  ) {}

  /** Every shard of the alert audience, reading each reader's topics only, matched by the planner's own rule (core/audience.ts). */
  async alertAudienceCount(topics: readonly string[]): Promise<number> {
    let total = 0;
    const at = { table: this.table, index: INDEXES.alertAudience, shardKey: ALERT_SHARD, shards: AUDIENCE_SHARDS };
    await queryEachShard(this.db, at, { ProjectionExpression: 'topics' }, (out) => {
      total += (out.Items ?? []).filter((i) => matchedTopics(i.topics as string[] | undefined, topics).length > 0).length;
    });
    return total;
  }

  /** Every shard, each paged (a COUNT still stops at 1 MB read): the index holds confirmed digest readers only. */
  async digestAudienceCount(): Promise<number> {
    let total = 0;
    const at = { table: this.table, index: INDEXES.digestAudience, shardKey: DIGEST_SHARD, shards: AUDIENCE_SHARDS };
    await queryEachShard(this.db, at, { Select: 'COUNT' }, (out) => void (total += out.Count ?? 0));
    return total;
  }
}

export class DynamoIssueEdits implements IssueEdits {
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
  ) {}

  changeIssue(id: string, change: IssueSendingChange, expected: { publishedAt: string }): Promise<boolean> {
    const sets: string[] = [];
    const removes: string[] = [];
    const names: Record<string, string> = { '#p': 'publishedAt', '#planned': 'plannedAt' };
    const values: Record<string, unknown> = { ':p': expected.publishedAt };
    for (const [field, value] of Object.entries(change) as [keyof IssueSendingChange, unknown][]) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) removes.push(`#${field}`);
      else {
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
    }
    if (!sets.length && !removes.length) return Promise.resolve(true);
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: contentKey('issue', id) },
        UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
          .filter(Boolean)
          .join(' '),
        // The same publish as read, and no planner has queued it: a sent issue keeps what it had.
        ConditionExpression: '#p = :p AND attribute_not_exists(#planned)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}
