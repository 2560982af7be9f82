/** Reading helpers shared by the stores: a ledger partition, page cursors. */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Every item of a campaign's ledger partition (consistent, paged), optionally only one attribute. */
export async function campaignPartition(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  only?: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'campaignId = :c',
        ...(only ? { ProjectionExpression: '#p', ExpressionAttributeNames: { '#p': only } } : {}),
        ExpressionAttributeValues: { ':c': campaignId },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A page's LastEvaluatedKey as an opaque cursor for the next call, and back. */
export const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
export const decodeCursor = (cursor: string | undefined) =>
  cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;
