/** Articles and issues in the Content table, keyed {@link contentKey}. */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEXES } from '../../core/indexes';
import type { ArchiveSnapshot } from '../../core/archive-snapshot';
import { archiveKey, contentKey, SETTINGS_KEY } from '../../core/keys';
import type { Article, Issue } from '../../core/model';
import type { ContentIds, ContentStore, IssueArchive, ScheduledIssues, SettingsStore } from '../../core/ports';
import type { NewsletterSettings } from '../../core/topics';
import { batchGetAll } from './batch';
import { writeIf } from './conditional';
import { VersionConflictError, type ExpectedVersion, type ItemStamp } from '../../core/content/versions';

/**
 * The condition of a versioned write (core/content/versions.ts): no item yet (`none`), an item
 * stored before versions (0), or the stored item still at the version read. Adds its names and values.
 */
function versionCondition(
  expected: ExpectedVersion | undefined,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string | undefined {
  if (expected === undefined) return undefined;
  if (expected === 'none') return 'attribute_not_exists(pk)';
  names['#ver'] = 'version';
  if (expected === 0) return 'attribute_exists(pk) AND attribute_not_exists(#ver)';
  values[':ver'] = expected;
  return '#ver = :ver';
}

function stripKey<T>(item: Record<string, unknown>): T {
  const { pk: _pk, ...rest } = item;
  return rest as T;
}

export class DynamoContentStore implements ContentStore, ContentIds, IssueArchive, ScheduledIssues, SettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(item: Article | Issue, expected?: ExpectedVersion): Promise<void> {
    // Re-publishing keeps the planners' marks: an edit must not make a sent issue sendable
    // again, nor an alerted article alert again.
    const { plannedAt: _planned, alertedAt: _alerted, ...rest } = item as unknown as Record<string, unknown>;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries({ ...rest }).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:v${i}`] = v;
      return `#a${i} = :v${i}`;
    });
    // An issue re-published without `sendAt` goes back to the weekly schedule: drop the old time.
    const unschedule = item.kind === 'issue' && item.sendAt === undefined;
    if (unschedule) names['#sendAt'] = 'sendAt';
    const condition = versionCondition(expected, names, values);
    const written = await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: contentKey(item.kind, item.id) },
        UpdateExpression: `SET ${sets.join(', ')}${unschedule ? ' REMOVE #sendAt' : ''}`,
        ...(condition && { ConditionExpression: condition }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    if (!written) throw new VersionConflictError(item.kind, item.id);
  }

  async getSettings(): Promise<NewsletterSettings | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: SETTINGS_KEY }, ConsistentRead: true }));
    return out.Item ? (out.Item.settings as NewsletterSettings) : undefined;
  }

  async putSettings(settings: NewsletterSettings, versioned?: { stamp: ItemStamp; expected: ExpectedVersion }): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const condition = versionCondition(versioned?.expected, names, values);
    const written = await writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { pk: SETTINGS_KEY, settings, ...versioned?.stamp },
        ...(condition && { ConditionExpression: condition }),
        ...(condition && Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ...(condition && Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
      }),
    );
    if (!written) throw new VersionConflictError('settings', 'topics');
  }

  async settingsStamp(): Promise<Partial<ItemStamp> | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: SETTINGS_KEY }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { version, updatedAt, updatedBy } = out.Item as Partial<ItemStamp>;
    return {
      ...(version !== undefined && { version }),
      ...(updatedAt !== undefined && { updatedAt }),
      ...(updatedBy !== undefined && { updatedBy }),
    };
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: contentKey('issue', id) }, ConsistentRead: true }));
    return out.Item ? stripKey<Issue>(out.Item) : undefined;
  }

  async getArticles(ids: string[]): Promise<Article[]> {
    const keys = [...new Set(ids)].map((id) => ({ pk: contentKey('article', id) }));
    const found = new Map((await batchGetAll(this.db, this.table, keys)).map((item) => stripKey<Article>(item)).map((a) => [a.id, a]));
    return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async latestIssue(): Promise<Issue | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEXES.byKind,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'kind' },
        ExpressionAttributeValues: { ':k': 'issue' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return out.Items?.[0] ? stripKey<Issue>(out.Items[0]) : undefined;
  }

  /**
   * Every id of one kind, from the `byKind` index (ids only): a few dozen issues and a few
   * hundred articles a year, read when a command is given an id that does not exist.
   */
  async contentIds(kind: 'article' | 'issue'): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEXES.byKind,
          KeyConditionExpression: '#k = :k',
          ProjectionExpression: '#i',
          ExpressionAttributeNames: { '#k': 'kind', '#i': 'id' },
          ExpressionAttributeValues: { ':k': kind },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) ids.push(String(item.id));
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  /**
   * The newest sent issues, from the `byKind` index (issues by date): a paged Query filtered on
   * `plannedAt`, read until `limit` are found or the issues run out. An issue not yet sent
   * costs its read and is dropped; for a weekly newsletter that is a handful of items.
   */
  async sentIssues(limit: number): Promise<Issue[]> {
    return this.issuesWhere('attribute_exists(#p)', { '#p': 'plannedAt' }, { newestFirst: true, limit });
  }

  /**
   * Issues with a `sendAt` not yet planned: a paged Query of the issues (`byKind`) filtered on
   * both. Reads every issue, which for a newsletter is a few dozen a year; the local mode's
   * minute check is its only caller (on AWS each scheduled issue has its own schedule).
   */
  async unsentScheduledIssues(): Promise<Issue[]> {
    return this.issuesWhere('attribute_exists(#s) AND attribute_not_exists(#p)', { '#s': 'sendAt', '#p': 'plannedAt' });
  }

  /**
   * Issues dated `date` or later that no planner has finished (`plannedAt` unset), oldest first:
   * a Query of the issues' date range on `byKind`, a few items (the local-time planner's look
   * for an issue still going out when a newer one is published).
   */
  async unsentIssuesFrom(date: string): Promise<Issue[]> {
    return this.issuesWhere('attribute_not_exists(#p)', { '#p': 'plannedAt' }, { from: date });
  }

  /**
   * Issues from the `byKind` index (issues by date, from `options.from` when given) that pass
   * `filter`: a paged Query, read until `limit` are found or the issues run out.
   */
  private async issuesWhere(
    filter: string,
    names: Record<string, string>,
    options: { newestFirst?: boolean; limit?: number; from?: string } = {},
  ): Promise<Issue[]> {
    const found: Issue[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEXES.byKind,
          KeyConditionExpression: options.from === undefined ? '#k = :k' : '#k = :k AND #d >= :d',
          FilterExpression: filter,
          ExpressionAttributeNames: { '#k': 'kind', ...names, ...(options.from === undefined ? {} : { '#d': 'date' }) },
          ExpressionAttributeValues: { ':k': 'issue', ...(options.from === undefined ? {} : { ':d': options.from }) },
          ScanIndexForward: !options.newestFirst,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) found.push(stripKey<Issue>(item));
      start = out.LastEvaluatedKey;
    } while (start && (options.limit === undefined || found.length < options.limit));
    return options.limit === undefined ? found : found.slice(0, options.limit);
  }

  async getArchiveSnapshot(issueId: string): Promise<ArchiveSnapshot | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: archiveKey(issueId) }, ConsistentRead: true }));
    return out.Item ? (out.Item.snapshot as ArchiveSnapshot) : undefined;
  }

  /** One PutItem; without `replace`, conditional on no snapshot yet (a retried planner run is a no-op). */
  putArchiveSnapshot(snapshot: ArchiveSnapshot, options: { replace: boolean }): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { pk: archiveKey(snapshot.issueId), snapshot },
        ...(options.replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
  }

  /** Once only: false when the issue is missing or a planner marked it first. */
  markIssuePlanned(id: string, at: Date): Promise<boolean> {
    return this.markOnce('issue', id, 'plannedAt', at);
  }

  /** Once only: false when the article is missing or a planner marked it first. */
  markArticleAlerted(id: string, at: Date): Promise<boolean> {
    return this.markOnce('article', id, 'alertedAt', at);
  }

  private markOnce(kind: 'article' | 'issue', id: string, field: 'plannedAt' | 'alertedAt', at: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: contentKey(kind, id) },
        UpdateExpression: 'SET #f = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#f)',
        ExpressionAttributeNames: { '#f': field },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }
}
