/**
 * Cross-file checks that a single file's parse cannot make: an issue may only point at
 * articles that exist, or its digest would silently go out with a hole in it.
 */
import type { Issue } from '../model';

/**
 * The issue's article ids that are not among `availableArticleIds`, in the issue's order and
 * each once. An empty list means every reference resolves.
 */
export function checkIssueReferences(issue: Pick<Issue, 'articleIds'>, availableArticleIds: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const id of issue.articleIds) if (!availableArticleIds.has(id)) missing.add(id);
  return [...missing];
}
