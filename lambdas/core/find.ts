/**
 * Finding things for the operator (`issues list`, `articles list`, `subscribers list|count|search`,
 * `deliveries`): the filters and their validation, the states shown, the ports that page the
 * tables, and the table layout. Pure: no SDK, no I/O.
 */
import { didYouMean } from './did-you-mean';
import { isComplete, type CampaignProgress } from './campaign-status';
import type { Article, Issue, Subscriber, SubscriberSource } from './model';

/** One page of a listing, newest first, and the opaque cursor of the next one (absent on the last page). */
export interface Page<T> {
  rows: T[];
  next?: string;
}

/** Articles and issues by kind, newest first (the Content table's `byKind` index). */
export interface ContentCatalog {
  page<K extends 'article' | 'issue'>(kind: K, limit: number, cursor?: string): Promise<Page<K extends 'issue' ? Issue : Article>>;
}

/**
 * What the listing shows of an issue or article. `draft`: published, neither scheduled nor sent
 * (the latest issue goes with the next weekly digest). `scheduled`: an issue with a `sendAt` to
 * come, or an article in one. `sending`: planning or sending started and has not finished.
 * `sent`: every planned reader served (or, for an article, an issue it is in went, or its alert did).
 */
export type ContentState = 'draft' | 'scheduled' | 'sending' | 'sent';

/** An issue's state from its item and its campaign counters (absent: never planned). */
export function issueState(issue: Pick<Issue, 'sendAt' | 'plannedAt'>, progress: CampaignProgress | undefined): ContentState {
  if (progress) return progress.state === 'done' || isComplete(progress) ? 'sent' : 'sending';
  // Planned before counters existed (an older stack): the planner queued it, so it went.
  if (issue.plannedAt) return 'sent';
  return issue.sendAt ? 'scheduled' : 'draft';
}

const RANK: Record<ContentState, number> = { draft: 0, scheduled: 1, sending: 2, sent: 3 };

/**
 * An article's state: `sent` when its alert went or an issue it is in went; otherwise the most
 * advanced state of the issues it is in (`draft` when it is in none).
 */
export function articleState(article: Pick<Article, 'alertedAt'>, issuesWithIt: readonly ContentState[]): ContentState {
  if (article.alertedAt) return 'sent';
  return issuesWithIt.reduce<ContentState>((best, s) => (RANK[s] > RANK[best] ? s : best), 'draft');
}

/** The states a subscriber listing filters by: the stored statuses, and `suppressed` (bounced or complained). */
export const LISTED_STATUSES = ['pending', 'confirmed', 'unsubscribed', 'suppressed'] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];
export const SOURCES: readonly SubscriberSource[] = ['web', 'import', 'cli', 'smoke'];

/** A suppressed address is shown (and filtered) as `suppressed`, whatever its stored status: it gets no mail. */
export const listedStatus = (s: Pick<Subscriber, 'status' | 'suppressed'>): ListedStatus => (s.suppressed ? 'suppressed' : s.status);

/** What a subscriber listing or count keeps; every field given must match. */
export interface SubscriberFilter {
  status?: ListedStatus;
  topic?: string;
  source?: SubscriberSource;
  /** The start of the address, compared with the stored key (lower-cased). */
  prefix?: string;
}

/** The operator's filter options, checked: an unknown status or source is refused with "did you mean". */
export function parseSubscriberFilter(opts: { status?: string; topic?: string; source?: string; prefix?: string }): SubscriberFilter {
  const status = opts.status?.trim().toLowerCase();
  if (status !== undefined && !(LISTED_STATUSES as readonly string[]).includes(status))
    throw new Error(`unknown status "${opts.status}"${didYouMean(status, LISTED_STATUSES)}: one of ${LISTED_STATUSES.join(', ')}`);
  const source = opts.source?.trim().toLowerCase();
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source))
    throw new Error(`unknown source "${opts.source}"${didYouMean(source, SOURCES)}: one of ${SOURCES.join(', ')}`);
  const topic = opts.topic?.trim();
  if (topic === '') throw new Error('--topic needs a topic id');
  const prefix = opts.prefix?.trim().toLowerCase();
  if (prefix === '') throw new Error('an address prefix needs at least one character');
  return {
    ...(status !== undefined && { status: status as ListedStatus }),
    ...(topic !== undefined && { topic }),
    ...(source !== undefined && { source: source as SubscriberSource }),
    ...(prefix !== undefined && { prefix }),
  };
}

/** Subscribers counted by what they are, among those a filter kept. */
export interface SubscriberCounts {
  total: number;
  byStatus: Record<ListedStatus, number>;
  bySource: Record<string, number>;
  byTopic: Record<string, number>;
}

/** The Subscribers table read for the operator: readers only (no erasure markers, limits or merges). */
export interface SubscriberDirectory {
  page(filter: SubscriberFilter, limit: number, cursor?: string): Promise<Page<Subscriber>>;
  count(filter: SubscriberFilter): Promise<SubscriberCounts>;
}

/** The topic line's entry for readers who chose no topic, and so get every one. */
export const EVERY_TOPIC = '(every topic: none chosen)';

/** Adds one subscriber to the counts. */
export function countInto(c: SubscriberCounts, s: Pick<Subscriber, 'status' | 'suppressed' | 'source' | 'topics'>): void {
  c.total++;
  c.byStatus[listedStatus(s)]++;
  c.bySource[s.source] = (c.bySource[s.source] ?? 0) + 1;
  for (const t of s.topics ?? []) c.byTopic[t] = (c.byTopic[t] ?? 0) + 1;
  // No topic chosen is every topic: counted on its own line, not left out.
  if (!s.topics?.length) c.byTopic[EVERY_TOPIC] = (c.byTopic[EVERY_TOPIC] ?? 0) + 1;
}

export const emptyCounts = (): SubscriberCounts => ({
  total: 0,
  byStatus: { pending: 0, confirmed: 0, unsubscribed: 0, suppressed: 0 },
  bySource: {},
  byTopic: {},
});

/** A page size the operator gave: a whole number from 1 to 1000. */
export function parseLimit(text: string | undefined, fallback = 20): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`--limit must be a whole number from 1 to 1000, not "${text}"`);
  return n;
}

/** Rows as a plain-text table: a header, a rule, and each column padded to its widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
