/**
 * The preview of a draft (the console's editor, "preview as you type"): the message an article
 * or issue would make if the form as typed were published now, composed by the same code as the
 * stored item's preview (usecases/test-send.ts previewMessage), for the sample reader. Nothing is
 * written: the draft is parsed by publish's parser and laid over the stored content for this
 * one composition.
 *
 * Which message: an issue's digest; a breaking article's alert; any other article in the latest
 * issue when that issue names it, else alone in a sample issue (how it reads in a digest).
 */
import { ContentError, parseContent } from '../core/content/parse';
import { formToFile, type EditorKind } from '../core/content/form';
import type { Article, Issue } from '../core/model';
import { previewMessage, type Preview, type PreviewDeps, type TestSubject } from './test-send';

/** The sample issue's id: never a stored one (ids are lower-case words; this one is the preview's own). */
export const SAMPLE_ISSUE = 'draft-preview';

export type DraftPreview =
  | { preview: Preview; /** Said above the message when it is not the item's own (the sample issue). */ note?: string }
  | { problems: string[] };

export interface DraftInput {
  kind: EditorKind;
  /** The form's values as typed (the draft). */
  values: Record<string, string>;
}

/** Compose the draft's message, or say why publish would refuse it as typed (nothing composed). */
export async function previewDraft(deps: PreviewDeps, draft: DraftInput): Promise<DraftPreview> {
  const now = deps.clock.now();
  const id = draft.values.id?.trim();
  const before = draft.kind === 'issue' && id ? await deps.content.getIssue(id) : undefined;
  const file = formToFile(draft.kind, (n) => draft.values[n], before);
  let item: Article | Issue;
  try {
    item = parseContent(file.name, file.text, now, { pastSendAt: 'later' });
  } catch (e) {
    if (!(e instanceof ContentError)) throw e;
    return { problems: e.problems.map((p) => `${p.path}: ${p.message}`) };
  }
  if (item.kind === 'issue') {
    const found = new Set((await deps.content.getArticles(item.articleIds)).map((a) => a.id));
    const missing = item.articleIds.filter((a) => !found.has(a));
    if (missing.length) return { problems: missing.map((a) => `articles: no such article: ${a} (publish it first)`) };
    return { preview: await previewMessage({ ...deps, content: overlay(deps.content, item) }, { issueId: item.id }) };
  }
  if (item.priority === 'breaking')
    return { preview: await previewMessage({ ...deps, content: overlay(deps.content, item) }, { articleId: item.id }) };
  const latest = await deps.content.latestIssue();
  if (latest?.articleIds.includes(item.id))
    return { preview: await previewMessage({ ...deps, content: overlay(deps.content, item) }, { issueId: latest.id }) };
  const sample: Issue = {
    kind: 'issue',
    id: SAMPLE_ISSUE,
    newsletter: latest?.newsletter ?? deps.settings.senderName ?? 'Newsletter',
    number: latest?.number ?? 1,
    title: item.title,
    summary: item.summary,
    preheader: item.summary,
    date: item.date,
    articleIds: [item.id],
    publishedAt: now.toISOString(),
  };
  const what: TestSubject = { issueId: SAMPLE_ISSUE };
  return {
    preview: await previewMessage({ ...deps, content: overlay(overlay(deps.content, item), sample) }, what),
    note: latest
      ? `The latest issue (${latest.id}) does not name this article: it is shown alone in a sample issue, as a digest would show it.`
      : 'No issue is published yet: the article is shown alone in a sample issue, as a digest would show it.',
  };
}

/** The stored content with `item` in place of the stored one of its id (reads only; the rest unchanged). */
function overlay(base: PreviewDeps['content'], item: Article | Issue): PreviewDeps['content'] {
  const over = Object.create(base) as PreviewDeps['content'];
  if (item.kind === 'issue') {
    over.getIssue = (id) => (id === item.id ? Promise.resolve(item) : base.getIssue(id));
    over.latestIssue = async () => {
      const latest = await base.latestIssue();
      return latest?.id === item.id ? item : latest;
    };
  } else {
    over.getArticles = async (ids) => {
      const stored = await base.getArticles(ids.filter((a) => a !== item.id));
      const byId = new Map<string, Article>([...stored.map((a): [string, Article] => [a.id, a]), [item.id, item]]);
      return ids.flatMap((a) => byId.get(a) ?? []);
    };
  }
  return over;
}
