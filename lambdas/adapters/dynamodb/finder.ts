/**
 * The operator's listings (core/find.ts): articles and issues by kind and date, and readers by
 * status, topic, source and address prefix.
 */
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import {
  countInto,
  emptyCounts,
  type ContentCatalog,
  type Page,
  type SubscriberCounts,
  type SubscriberDirectory,
  type SubscriberFilter,
} from '../../core/find';
import type { Article, Issue, Subscriber } from '../../core/model';
import { decodeCursor, encodeCursor } from './query';

/**
 * Where a listing resumes: the key in a `--next` token this listing printed. A token mangled in
 * copying, or printed by another listing, is refused with a clear message rather than DynamoDB's.
 */
function resumeAt(cursor: string | undefined, keys: readonly string[]): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: Record<string, unknown> | undefined;
  try {
    key = decodeCursor(cursor);
  } catch {
    key = undefined;
  }
  if (!key || typeof key !== 'object' || keys.some((k) => typeof key[k] !== 'string'))
    throw new Error(`--next ${JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor)}: not a token this listing printed`);
  return key;
}
import { fromSubscriberItem } from './subscriber-store';

/** Articles or issues, newest first: one Query page of the `byKind` index (kind, date). */
export class DynamoContentCatalog implements ContentCatalog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async page<K extends 'article' | 'issue'>(kind: K, limit: number, cursor?: string): Promise<Page<K extends 'issue' ? Issue : Article>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'kind' },
        ExpressionAttributeValues: { ':k': kind },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: resumeAt(cursor, ['pk', 'kind', 'date']),
      }),
    );
    const rows = (out.Items ?? []).map(({ pk: _pk, ...rest }) => rest as K extends 'issue' ? Issue : Article);
    return { rows, next: encodeCursor(out.LastEvaluatedKey) };
  }
}

/**
 * Readers for the operator. No index keys the Subscribers table by status, topic, source or a
 * prefix of the address (the table is keyed by the whole address; the audience indexes hold only
 * who gets mail), so this is a paged Scan with a filter: an operator's command, not a request
 * path. It reads one Scan page at a time and keeps only that page, never the whole table.
 */
export class DynamoSubscriberDirectory implements SubscriberDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Items one Scan request reads (before the filter). */
    private readonly scanPage = 500,
  ) {}

  async page(filter: SubscriberFilter, limit: number, cursor?: string): Promise<Page<Subscriber>> {
    const rows: Subscriber[] = [];
    let start = resumeAt(cursor, ['email']);
    do {
      const out = await this.db.send(
        new ScanCommand({ TableName: this.table, ...scanFilter(filter), Limit: this.scanPage, ExclusiveStartKey: start }),
      );
      const items = out.Items ?? [];
      for (const [i, item] of items.entries()) {
        rows.push(fromSubscriberItem(item));
        if (rows.length === limit) {
          // Full: the next page starts after this item (a Scan resumes after any key it is given),
          // or where this Scan page ended when it was its last.
          const last = i === items.length - 1;
          return { rows, next: last ? encodeCursor(out.LastEvaluatedKey) : encodeCursor({ email: item.email }) };
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return { rows };
  }

  async count(filter: SubscriberFilter): Promise<SubscriberCounts> {
    const counts = emptyCounts();
    const f = scanFilter(filter);
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ...f,
          ExpressionAttributeNames: {
            ...f.ExpressionAttributeNames,
            '#st': 'status',
            '#sup': 'suppressed',
            '#so': 'source',
            '#to': 'topics',
          },
          ProjectionExpression: '#st, #sup, #so, #to',
          Limit: this.scanPage,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) countInto(counts, item as Subscriber);
      start = out.LastEvaluatedKey;
    } while (start);
    return counts;
  }
}

/** The Scan filter of a {@link SubscriberFilter}: readers only (their key has an `@`), then each field given. */
export function scanFilter(filter: SubscriberFilter) {
  const parts = ['contains(#e, :at)'];
  const names: Record<string, string> = { '#e': 'email' };
  const values: Record<string, unknown> = { ':at': '@' };
  if (filter.status === 'suppressed') {
    parts.push('#sup = :true');
    Object.assign(names, { '#sup': 'suppressed' });
    values[':true'] = true;
  } else if (filter.status) {
    // A suppressed reader is listed as suppressed, whatever its stored status.
    parts.push('#s = :status', '(attribute_not_exists(#sup) OR #sup = :false)');
    Object.assign(names, { '#s': 'status', '#sup': 'suppressed' });
    Object.assign(values, { ':status': filter.status, ':false': false });
  }
  if (filter.topic) {
    // A reader who chose no topic gets every topic, so is among this topic's readers.
    parts.push('(contains(#t, :topic) OR attribute_not_exists(#t) OR size(#t) = :none)');
    names['#t'] = 'topics';
    values[':topic'] = filter.topic;
    values[':none'] = 0;
  }
  if (filter.source) {
    parts.push('#src = :source');
    names['#src'] = 'source';
    values[':source'] = filter.source;
  }
  if (filter.prefix) {
    // The key is the lower-cased address (core/address.ts addressKey): a prefix matches it in any capitals.
    parts.push('begins_with(#e, :prefix)');
    values[':prefix'] = filter.prefix.toLowerCase();
  }
  return { FilterExpression: parts.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}
