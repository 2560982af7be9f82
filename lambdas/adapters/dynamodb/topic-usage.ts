/**
 * Where topics are used: published articles (a Query of the articles on `byKind`) and readers
 * (a Scan of the Subscribers table filtered on the topics). Only publish of a topics file that
 * drops a topic asks, which is rare; nothing on a reader's path does.
 */
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import type { TopicUsage } from '../../core/ports';

function topicFilter(topics: readonly string[]) {
  const values = Object.fromEntries(topics.map((t, i) => [`:t${i}`, t]));
  return { expression: topics.map((_, i) => `contains(#topics, :t${i})`).join(' OR '), values };
}

/** Per topic, the published articles about it: a Query of the articles on `byKind` (the console's settings page uses it alone). */
export async function articlesByTopic(
  db: DynamoDBDocumentClient,
  table: string,
  topics: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (!topics.length) return found;
  const f = topicFilter(topics);
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: '#k = :k',
        FilterExpression: f.expression,
        ExpressionAttributeNames: { '#k': 'kind', '#topics': 'topics' },
        ExpressionAttributeValues: { ':k': 'article', ...f.values },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      for (const t of (item.topics as string[]).filter((x) => topics.includes(x)))
        found.set(t, [...(found.get(t) ?? []), item.id as string]);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

export class DynamoTopicUsage implements TopicUsage {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { content: string; subscribers: string },
  ) {}

  articlesByTopic(topics: readonly string[]): Promise<Map<string, string[]>> {
    return articlesByTopic(this.db, this.tables.content, topics);
  }

  async readersByTopic(topics: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (!topics.length) return found;
    const f = topicFilter(topics);
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.tables.subscribers,
          FilterExpression: `attribute_exists(#id) AND #status <> :gone AND (${f.expression})`,
          ProjectionExpression: '#topics',
          ExpressionAttributeNames: { '#id': 'subscriberId', '#status': 'status', '#topics': 'topics' },
          ExpressionAttributeValues: { ':gone': 'unsubscribed', ...f.values },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        for (const t of (item.topics as string[]).filter((x) => topics.includes(x))) found.set(t, (found.get(t) ?? 0) + 1);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
