import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CLICKED_ARTICLES, clickAttribute, clicksKey, parseClickAttribute } from '../../core/keys';
import type { ClickCounts, ClickTally } from '../../core/click-ports';
import { writeIf } from './conditional';

/**
 * Clicks per campaign as one item beside its ledger ({@link clicksKey}), one number attribute
 * per article (and variant), raised with an atomic ADD: concurrent clicks never lose a count,
 * and the item holds counts only, never who clicked. A campaign has a handful of articles, so
 * the item stays far below DynamoDB's 400 KB.
 */
export class DynamoClickCounts implements ClickCounts {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async count(campaignId: string, articleId: string, variant?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: clicksKey(campaignId),
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': clickAttribute(articleId, variant) },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  async noteReader(campaignId: string, subscriberId: string, articleId: string): Promise<void> {
    // A string set: a second click on the same article changes nothing. Only an entry that
    // exists (the reader was sent the campaign) is marked; an erased reader's stays gone.
    await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId, subscriberId },
        UpdateExpression: 'ADD #c :a',
        ConditionExpression: 'attribute_exists(campaignId)',
        ExpressionAttributeNames: { '#c': CLICKED_ARTICLES },
        ExpressionAttributeValues: { ':a': new Set([articleId]) },
      }),
    );
  }

  async list(campaignId: string): Promise<ClickTally[]> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: clicksKey(campaignId), ConsistentRead: true }));
    const tallies: ClickTally[] = [];
    for (const [name, value] of Object.entries(out.Item ?? {})) {
      const at = parseClickAttribute(name);
      if (at && typeof value === 'number') tallies.push({ ...at, clicks: value });
    }
    return tallies;
  }
}
