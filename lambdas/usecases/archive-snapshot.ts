/**
 * The planners' side of the archive snapshot (core/archive-snapshot.ts): just before an issue
 * is marked sent, its articles as they are then are kept for its archive page. Never blocks or
 * fails the send: a snapshot too large to store, or a failed write, is logged and the page
 * falls back to the live articles. Idempotent: a retried run keeps the first snapshot.
 */
import { snapshotOf } from '../core/archive-snapshot';
import type { Article, Issue } from '../core/model';
import type { ContentStore } from '../core/ports';

export async function keepArchiveSnapshot(
  content: Pick<ContentStore, 'putArchiveSnapshot'>,
  issue: Pick<Issue, 'id'>,
  articles: readonly Article[] | (() => Promise<readonly Article[]>),
  at: Date,
): Promise<void> {
  try {
    // Articles read here (when given as a read) fail like the write: logged, never the send.
    const snapshot = snapshotOf(issue.id, typeof articles === 'function' ? await articles() : articles, at);
    if (!snapshot) console.warn(`archive snapshot of issue ${issue.id} is too large to store; its archive page shows the live articles`);
    else await content.putArchiveSnapshot(snapshot, { replace: false });
  } catch (e) {
    console.warn(`archive snapshot of issue ${issue.id} not stored (${(e as Error).name}); its archive page shows the live articles`);
  }
}
