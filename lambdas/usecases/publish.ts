/**
 * Publish articles and issues. Every file is parsed and validated before anything is written:
 * one malformed file stops the whole publish with an error naming the file and the field.
 * Re-publishing an id updates that item (the Content table is keyed by kind and id).
 * An issue whose digest would be clipped by Gmail (see checkDigestSize) is refused too.
 */
import { parseContent, ContentError } from '../core/content/parse';
import { checkDigestSize, checkIssueReferences } from '../core/content/check';
import type { Article, Issue } from '../core/model';
import type { Clock, ContentStore } from '../core/ports';

/** Publishing refused: every problem found, one per line, each naming its file and field. */
export class PublishError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PublishError';
  }
}

export interface SourceFile {
  name: string;
  text: string;
}

export interface PublishResult {
  articles: string[];
  issues: string[];
}

export async function publish(deps: { content: ContentStore; clock: Clock }, files: SourceFile[]): Promise<PublishResult> {
  const now = deps.clock.now();
  const problems: string[] = [];
  const items: (Article | Issue)[] = [];
  for (const f of files) {
    try {
      items.push(parseContent(f.name, f.text, now));
    } catch (e) {
      if (e instanceof ContentError) problems.push(e.message);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  files.forEach((f, i) => {
    const item = items[i];
    if (!item) return;
    const key = `${item.kind}#${item.id}`;
    if (seen.has(key)) problems.push(`${f.name}: id: ${item.id} is also used by ${seen.get(key)}`);
    seen.set(key, f.name);
  });
  if (problems.length) throw new PublishError(problems);

  // An issue may only name articles that exist, here or already published.
  const articles = items.filter((i): i is Article => i.kind === 'article');
  const issues = items.filter((i): i is Issue => i.kind === 'issue');
  const here = new Map(articles.map((a) => [a.id, a]));
  for (const issue of issues) {
    const unresolved = checkIssueReferences(issue, new Set(here.keys()));
    const stored = new Map((await deps.content.getArticles(unresolved)).map((a) => [a.id, a]));
    const missing = unresolved.filter((id) => !stored.has(id));
    const file = files[items.indexOf(issue)].name;
    if (missing.length) {
      problems.push(`${file}: articles: no such article: ${missing.join(', ')}`);
      continue;
    }
    // The digest as it will be rendered, from the articles being published and those stored.
    const tooLarge = checkDigestSize(
      issue,
      issue.articleIds.map((id) => here.get(id) ?? stored.get(id)!),
    );
    if (tooLarge) problems.push(`${file}: ${tooLarge}`);
  }
  if (problems.length) throw new PublishError(problems);

  // Articles first, so an issue never points at an article that is not there yet.
  for (const a of articles) await deps.content.put(a);
  for (const i of issues) await deps.content.put(i);
  return { articles: articles.map((a) => a.id), issues: issues.map((i) => i.id) };
}
