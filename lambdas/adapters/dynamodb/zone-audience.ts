/**
 * Local-time delivery's reads and writes: the digest audience by zone (the `digestByZone`
 * index of the Subscribers table), each issue's plan progress (on its summary item in the
 * Deliveries table), and the backfill that gives readers stored before the index their keys.
 */
import { GetCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import { AUDIENCE_KEY_NAMES, audienceKeys, DIGEST_ZONE, DIGEST_ZONE_SINCE, summaryKey } from '../../core/keys';
import type { Subscriber } from '../../core/model';
import type { LocalTimePlans, LocalTimeProgress, ZoneAudience, ZoneAudienceRow } from '../../core/local-time-ports';
import { writeIf } from './conditional';
import { decodeCursor, encodeCursor } from './query';

export class DynamoZoneAudience implements ZoneAudience {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async zonePage(
    zone: string,
    cursor: string | undefined,
    limit: number,
    movedAfter?: string,
  ): Promise<{ rows: ZoneAudienceRow[]; next?: string }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.digestByZone,
        // A key range, not a filter: readers who never moved (`0#...`) are not even read.
        KeyConditionExpression: movedAfter === undefined ? '#z = :z' : '#z = :z AND #s > :after',
        ExpressionAttributeNames: { '#z': DIGEST_ZONE, ...(movedAfter === undefined ? {} : { '#s': DIGEST_ZONE_SINCE }) },
        ExpressionAttributeValues: { ':z': zone, ...(movedAfter === undefined ? {} : { ':after': movedAfter }) },
        ExclusiveStartKey: decodeCursor(cursor),
        Limit: limit,
      }),
    );
    return {
      rows: (out.Items ?? []).map((i) => {
        const since = String(i[DIGEST_ZONE_SINCE]);
        const movedAt = since.slice(0, since.indexOf('#'));
        return { subscriberId: i.subscriberId as string, email: i.email as string, ...(movedAt !== '0' ? { zoneChangedAt: movedAt } : {}) };
      }),
      next: encodeCursor(out.LastEvaluatedKey),
    };
  }
}

/** Plan progress as one map attribute (`localTime`) of the campaign's summary item. */
export class DynamoLocalTimePlans implements LocalTimePlans {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(campaignId: string): Promise<LocalTimeProgress | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        ConsistentRead: true,
        ProjectionExpression: '#p',
        ExpressionAttributeNames: { '#p': 'localTime' },
      }),
    );
    return out.Item?.localTime as LocalTimeProgress | undefined;
  }

  advance(campaignId: string, previousCoveredTo: string | undefined, next: LocalTimeProgress, at: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        // `localTime` and `timezone` are DynamoDB reserved words: always by name.
        UpdateExpression: 'SET #p = :p, updatedAt = :at',
        ExpressionAttributeNames: { '#p': 'localTime' },
        // Two runs racing (a retry beside a late run): only the one that read the stored plan
        // last may write; the other's readers are queued twice and the ledger skips them.
        ConditionExpression: previousCoveredTo === undefined ? 'attribute_not_exists(#p)' : '#p.coveredTo = :prev',
        ExpressionAttributeValues: {
          ':p': next,
          ':at': at.toISOString(),
          ...(previousCoveredTo === undefined ? {} : { ':prev': previousCoveredTo }),
        },
      }),
    );
  }
}

/**
 * Give every stored subscriber the audience keys its state calls for now (`backfill-zones`):
 * items written before the digest-by-zone index lack `digestZone`. One paged Scan; an item is
 * written only when a key differs, so a second run writes nothing.
 */
export async function backfillAudienceKeys(db: DynamoDBDocumentClient, table: string): Promise<{ scanned: number; updated: number }> {
  let scanned = 0;
  let updated = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of (page.Items ?? []) as Record<string, unknown>[]) {
      scanned++;
      // Erasure markers have no subscriber id and belong in no index.
      if (typeof item.subscriberId !== 'string') continue;
      const want = audienceKeys(item as unknown as Subscriber) as Record<string, unknown>;
      if (AUDIENCE_KEY_NAMES.every((k) => item[k] === want[k])) continue;
      const sets = AUDIENCE_KEY_NAMES.filter((k) => want[k] !== undefined);
      const removes = AUDIENCE_KEY_NAMES.filter((k) => want[k] === undefined);
      const written = await writeIf(
        db,
        new UpdateCommand({
          TableName: table,
          Key: { email: item.email },
          UpdateExpression: [
            sets.length ? `SET ${sets.map((k) => `${k} = :${k}`).join(', ')}` : '',
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          // Only over the state read: a reader who changed meanwhile got the right keys from that change.
          ConditionExpression: `subscriberId = :id AND #st = :st AND ${item.timezone === undefined ? 'attribute_not_exists(#tz)' : '#tz = :tz'}`,
          ExpressionAttributeNames: { '#st': 'status', '#tz': 'timezone' },
          ExpressionAttributeValues: {
            ':id': item.subscriberId,
            ':st': item.status,
            ...(item.timezone === undefined ? {} : { ':tz': item.timezone }),
            ...Object.fromEntries(sets.map((k) => [`:${k}`, want[k]])),
          },
        }),
      );
      if (written) updated++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { scanned, updated };
}
