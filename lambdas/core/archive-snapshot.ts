/**
 * A sent issue's archive snapshot, pure: the issue's articles as they were when the digest
 * planner marked the issue sent, so its archive page shows what readers got even after an
 * article is edited for a later issue. No I/O.
 *
 * Stored as an item of its own in the Content table (keys.ts `archiveKey`), not on the issue
 * item: an issue is read by every planner run, the archive index and the feed, and its articles'
 * bodies would ride along; and the stream and the `byKind` index never see an item without
 * `kind`. The planner writes it once (a retry keeps the first); only `publish --force`
 * replaces it. An issue sent before snapshots existed has none and shows the live articles.
 */
import type { Article, Issue } from './model';

export interface ArchiveSnapshot {
  issueId: string;
  /** When it was taken (UTC ISO): the send, or the `publish --force` that refreshed it. */
  takenAt: string;
  /** The issue's articles, in the issue's order, as stored then (planner marks left out). */
  articles: Article[];
}

/**
 * The most a snapshot may weigh (its JSON, bytes): DynamoDB refuses an item over 400 KB. The
 * digest's size guard keeps an issue's articles far below it; one that is not gets no snapshot
 * (its page shows the live articles) rather than a failed write in the middle of a send.
 */
export const SNAPSHOT_MAX_BYTES = 350_000;

/** What a reader of an article in a digest or on an archive page sees (core/render articleView, the lead aside). */
const SHOWN: (keyof Article)[] = ['title', 'summary', 'whyItMatters', 'keyPoints', 'body', 'topics', 'source', 'sources'];

/** Whether `next` differs from `before` in anything the archive page shows. */
export function articleShownChanged(before: Article, next: Article): boolean {
  return SHOWN.some((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(next[k] ?? null));
}

/** A snapshot of `articles` for `issueId` at `at`, or undefined when it would be too large to store. */
export function snapshotOf(issueId: string, articles: readonly Article[], at: Date): ArchiveSnapshot | undefined {
  const snapshot: ArchiveSnapshot = {
    issueId,
    takenAt: at.toISOString(),
    articles: articles.map(({ alertedAt: _alerted, ...a }) => a),
  };
  return Buffer.byteLength(JSON.stringify(snapshot)) <= SNAPSHOT_MAX_BYTES ? snapshot : undefined;
}

/**
 * The articles an issue's archive page shows: each of the issue's articles from the snapshot,
 * and from `live` only where the snapshot lacks it (no snapshot: an issue sent before them).
 */
export function archiveArticles(
  issue: Pick<Issue, 'articleIds'>,
  snapshot: ArchiveSnapshot | undefined,
  live: readonly Article[],
): Article[] {
  const kept = new Map((snapshot?.articles ?? []).map((a) => [a.id, a]));
  const now = new Map(live.map((a) => [a.id, a]));
  return issue.articleIds.flatMap((id) => kept.get(id) ?? now.get(id) ?? []);
}

/** Article ids of the issue the snapshot lacks: the archive page reads only these live. */
export const missingFromSnapshot = (issue: Pick<Issue, 'articleIds'>, snapshot: ArchiveSnapshot | undefined): string[] => {
  const kept = new Set((snapshot?.articles ?? []).map((a) => a.id));
  return issue.articleIds.filter((id) => !kept.has(id));
};
