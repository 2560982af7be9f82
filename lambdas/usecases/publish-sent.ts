/**
 * Publishing what a sent issue holds. A sent issue's archive page shows its articles as sent
 * (core/archive-snapshot.ts), so an article edited after the send is stored (later issues may
 * use it) while the page keeps the sent version, and publish says so; with `force` the snapshot
 * of each sent issue holding a changed article is refreshed, and publish says which pages changed.
 * Compared with what the page shows: the snapshot, or for an issue sent before snapshots the
 * stored article, whose version is then kept as the snapshot before the new one is stored.
 */
import { articleShownChanged, snapshotOf, type ArchiveSnapshot } from '../core/archive-snapshot';
import type { Article, Issue } from '../core/model';
import type { ContentIds, ContentStore } from '../core/ports';

/** A sent issue holding articles changed by this publish. */
export interface SentArticleChange {
  issueId: string;
  /** When it was sent (its `plannedAt`). */
  sentAt: string;
  /** Its articles this publish changes, in the issue's order. */
  articleIds: string[];
}

export interface SentArticleOutcome {
  /** Without force: stored, the archive page keeps the sent version. */
  kept: SentArticleChange[];
  /** With force: the archive page now shows the changed articles. */
  refreshed: SentArticleChange[];
  /** Without force, but no copy as sent could be kept (too large for one item): the page shows the edit. */
  unkept: SentArticleChange[];
  /** Snapshots to write (before the articles, so the page never shows a version in between). */
  snapshots: { snapshot: ArchiveSnapshot; replace: boolean }[];
}

const when = (sentAt: string) => `${sentAt.slice(0, 16).replace('T', ' ')} UTC`;

/** The notice (without force) or the report (with it) for one sent issue; the CLI prints it. */
export function sentArticleMessage(c: SentArticleChange, forced: boolean): string {
  const articles = `article${c.articleIds.length > 1 ? 's' : ''} ${c.articleIds.join(', ')}`;
  return forced
    ? `issue ${c.issueId} was sent on ${when(c.sentAt)}: its archive page now shows the changed ${articles} (--force)`
    : `issue ${c.issueId} was sent on ${when(c.sentAt)}: ${articles} stored for later issues; its archive page keeps what was sent (use --force to update it)`;
}

/** The notice for an edit the archive page could not be kept from (no copy as sent: too large to store). */
export function unkeptArticleMessage(c: SentArticleChange): string {
  const articles = `article${c.articleIds.length > 1 ? 's' : ''} ${c.articleIds.join(', ')}`;
  return `issue ${c.issueId} was sent on ${when(c.sentAt)}: ${articles} stored; its archive page shows the change, as no copy of the issue as sent could be kept (too large to store)`;
}

/** Each stored issue, once, for the checks that look at every issue (a few dozen a year). */
export async function storedIssues(deps: { content: ContentStore; ids?: ContentIds }): Promise<Issue[]> {
  if (!deps.ids) return [];
  const found = await Promise.all((await deps.ids.contentIds('issue')).map((id) => deps.content.getIssue(id)));
  return found.filter((i): i is Issue => i !== undefined);
}

/**
 * What this publish's `articles` do to the sent issues among `issues` (every stored issue),
 * and, with force, the fresh snapshot of each sent issue in `forcedIssues` (re-published changed).
 */
export async function sentArticleChanges(
  content: ContentStore,
  issues: readonly Issue[],
  articles: readonly Article[],
  options: { force: boolean; now: Date; forcedIssues: readonly Issue[] },
): Promise<SentArticleOutcome> {
  const here = new Map(articles.map((a) => [a.id, a]));
  const out: SentArticleOutcome = { kept: [], refreshed: [], unkept: [], snapshots: [] };
  const current = async (articleIds: string[]) => {
    const stored = new Map((await content.getArticles(articleIds.filter((id) => !here.has(id)))).map((a) => [a.id, a]));
    return articleIds.flatMap((id) => here.get(id) ?? stored.get(id) ?? []);
  };
  const forced = new Set(options.forcedIssues.map((i) => i.id));
  for (const issue of issues) {
    const sentAt = issue.plannedAt;
    const touched = issue.articleIds.filter((id) => here.has(id));
    if (!sentAt || touched.length === 0 || forced.has(issue.id)) continue;
    const snapshot = await content.getArchiveSnapshot(issue.id);
    const shownNow = new Map((snapshot?.articles ?? (await content.getArticles(touched))).map((a) => [a.id, a]));
    const changed = touched.filter((id) => {
      const shown = shownNow.get(id);
      return !shown || articleShownChanged(shown, here.get(id)!);
    });
    if (changed.length === 0) continue;
    const change = { issueId: issue.id, sentAt, articleIds: changed };
    if (options.force) {
      out.refreshed.push(change);
      const fresh = snapshotOf(issue.id, await current(issue.articleIds), options.now);
      if (fresh) out.snapshots.push({ snapshot: fresh, replace: true });
    } else {
      // Sent before snapshots: keep the page's articles as they are stored now, before the edit.
      const before = snapshot ? undefined : snapshotOf(issue.id, await content.getArticles(issue.articleIds), options.now);
      if (before) out.snapshots.push({ snapshot: before, replace: false });
      // No copy as sent could be kept (too large for one item): the page shows the edit, and publish says so.
      if (snapshot || before) out.kept.push(change);
      else out.unkept.push(change);
    }
  }
  if (options.force)
    for (const issue of options.forcedIssues) {
      const now = await current(issue.articleIds);
      // The articles whose text on the page changes with the fresh snapshot, named too: an edit
      // kept out earlier comes in with it (the editor was told it was kept out).
      const snapshot = await content.getArchiveSnapshot(issue.id);
      const shown = new Map((snapshot?.articles ?? []).map((a) => [a.id, a]));
      const changed = snapshot ? now.filter((a) => !shown.has(a.id) || articleShownChanged(shown.get(a.id)!, a)).map((a) => a.id) : [];
      if (changed.length && issue.plannedAt) out.refreshed.push({ issueId: issue.id, sentAt: issue.plannedAt, articleIds: changed });
      const fresh = snapshotOf(issue.id, now, options.now);
      if (fresh) out.snapshots.push({ snapshot: fresh, replace: true });
    }
  return out;
}
