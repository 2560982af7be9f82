import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { summaryKey } from '../../core/keys';
import type { SubjectTestRecord, SubjectTests } from '../../core/click-ports';
import type { Variant } from '../../core/subject-test';
import { writeIf } from './conditional';

/**
 * A subject test's progress on its campaign's summary item ({@link summaryKey}), beside the
 * counters: `testQueuedAt`, `testRecipients`, and once decided `testWinner`, `testRates`,
 * `testDecidedAt`. Each is written once, by a conditional write, so a retried or concurrent
 * planner run reads back what the first one recorded.
 */
export class DynamoSubjectTests implements SubjectTests {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(issueId: string): Promise<SubjectTestRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: summaryKey(issueId), ConsistentRead: true }));
    if (!Item?.testQueuedAt) return undefined;
    return {
      testQueuedAt: Item.testQueuedAt as string,
      testRecipients: Item.testRecipients as number | undefined,
      winner: Item.testWinner as Variant | undefined,
      rates: Item.testRates as Record<Variant, number> | undefined,
      decidedAt: Item.testDecidedAt as string | undefined,
    };
  }

  async markTestQueued(issueId: string, at: Date, recipients: number): Promise<Date> {
    await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(issueId),
        UpdateExpression: 'SET testQueuedAt = :at, testRecipients = :n, updatedAt = :at',
        ConditionExpression: 'attribute_not_exists(testQueuedAt)',
        ExpressionAttributeValues: { ':at': at.toISOString(), ':n': recipients },
      }),
    );
    const recorded = await this.get(issueId);
    return new Date(recorded?.testQueuedAt ?? at.toISOString());
  }

  async decide(issueId: string, winner: Variant, rates: Record<Variant, number>, at: Date): Promise<Variant> {
    const written = await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(issueId),
        UpdateExpression: 'SET testWinner = :w, testRates = :r, testDecidedAt = :at',
        ConditionExpression: 'attribute_not_exists(testWinner)',
        ExpressionAttributeValues: { ':w': winner, ':r': rates, ':at': at.toISOString() },
      }),
    );
    return written ? winner : ((await this.get(issueId))?.winner ?? winner);
  }
}
