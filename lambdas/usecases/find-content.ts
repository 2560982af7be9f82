/**
 * The one lookup every command that takes an issue or article id goes through: an id that is
 * not stored is refused with `no issue "<id>"` (or `no article "<id>"`) and the nearest stored
 * id, never read as an empty campaign (zeros, an empty report, exit 0).
 */
import { didYouMean } from '../core/did-you-mean';
import type { Article, Issue } from '../core/model';
import type { ContentIds, ContentStore } from '../core/ports';

export interface FindContentDeps {
  content: Pick<ContentStore, 'getIssue' | 'getArticles' | 'latestIssue'>;
  ids: ContentIds;
}

/** An id that names nothing stored; the message carries the did-you-mean. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: 'issue' | 'article' | 'campaign',
    readonly id: string,
    suggestion: string,
  ) {
    super(`no ${kind} ${JSON.stringify(id)}${suggestion}`);
    this.name = 'NotFoundError';
  }
}

async function missing(deps: FindContentDeps, kind: 'issue' | 'article', id: string): Promise<never> {
  throw new NotFoundError(kind, id, didYouMean(id, await deps.ids.contentIds(kind)));
}

/** The issue `id`, or the latest one when no id is given; refuses an unknown id, and says when none is published. */
export async function findIssue(deps: FindContentDeps, id: string | undefined): Promise<Issue> {
  if (id === undefined) {
    const latest = await deps.content.latestIssue();
    if (!latest) throw new Error('no issue published yet: publish one first (`npm run cli -- publish <folder>`)');
    return latest;
  }
  return (await deps.content.getIssue(id)) ?? missing(deps, 'issue', id);
}

/** The article `id`; refuses an unknown id. */
export async function findArticle(deps: FindContentDeps, id: string): Promise<Article> {
  return (await deps.content.getArticles([id]))[0] ?? missing(deps, 'article', id);
}

/**
 * A campaign's id for `stats`, `report`, `status` and `deliveries`: an issue (the latest when
 * none is given), or an alert asked by its article's id. Unknown as both: refused, with the
 * nearest issue or article id.
 */
export async function findCampaign(deps: FindContentDeps, id: string | undefined): Promise<{ kind: 'issue' | 'article'; id: string }> {
  if (id === undefined) return { kind: 'issue', id: (await findIssue(deps, undefined)).id };
  if (await deps.content.getIssue(id)) return { kind: 'issue', id };
  if ((await deps.content.getArticles([id])).length) return { kind: 'article', id };
  const [issues, articles] = await Promise.all([deps.ids.contentIds('issue'), deps.ids.contentIds('article')]);
  const issueHint = didYouMean(id, issues);
  throw new NotFoundError('issue', id, issueHint || didYouMean(id, articles).replace('did you mean', 'did you mean the article'));
}
