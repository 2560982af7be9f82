/**
 * The public archive's issue page: the digest's view model (digestViewModel, the same one the
 * mail is rendered from) in the compiled `archive` template, which shares the digest's
 * partials but has no recipient fields at all: no unsubscribe or preferences link, no token,
 * no "why you get this". Pure.
 */
import compiled from '../../../templates/compiled/templates.json';
import type { Article, Issue } from '../model';
import { digestViewModel, htmlEnv, mergeOutlookConditionals } from './index';

const archiveHtml = htmlEnv.compile(compiled.archive.html, { strict: true, knownHelpersOnly: true });

/**
 * One issue as a web page. `subscribeBox` is trusted HTML (the form from the API's pages,
 * where Handlebars escaped every value); everything from the issue is escaped here. Topics are
 * named by `topicLabels` (the newsletter's settings), as in the mail.
 */
export function renderArchiveIssue(
  issue: Issue,
  articles: Article[],
  subscribeBox: string,
  topicLabels?: ReadonlyMap<string, string>,
): string {
  const view = digestViewModel(issue, articles, { topicLabels });
  return mergeOutlookConditionals(archiveHtml({ ...view, subscribeBox }));
}
