/**
 * Saving one article, issue or topics file from an editor (the console): the text as a file
 * (parsed by the same parser as `publish`), the version the editor started from, and who. It is
 * `publish` of that one file with that base version, so every rule of publish holds (the size
 * guards, topics, a sent issue's archive page, schedules); what a save adds is its answer: the
 * version stored, or the refusal of a stale base naming who changed the item and when.
 */
import type { Article, Issue } from '../core/model';
import { publish, PublishError, type PublishDeps, type SourceFile } from './publish';
import type { StaleItem } from './publish-versions';

export interface SaveRequest {
  /** The item as a file: `<id>.md` (or `topics.md`) and its text, front matter and body. */
  file: SourceFile;
  /** The stored version the editor started from; 0 for a new item (refused if one was stored meanwhile). */
  baseVersion: number;
  /** Who saves (the editor's address): the item's `updatedBy`. */
  editor: string;
}

export type SaveOutcome =
  | {
      saved: true;
      kind: 'article' | 'issue' | 'settings';
      id: string;
      /** The stored version now: one more than the base, or the base when the text changed nothing. */
      version: number;
      /** False when the text was the stored item's already (nothing written). */
      changed: boolean;
    }
  | {
      saved: false;
      /** The newer stored version: who changed it, when, and the message to show. */
      refusal: StaleItem & { message: string };
    };

/**
 * Save one item. Refuses (as an outcome, nothing written) a base version older than the stored
 * one, including a save that lost a race with another from the same base; any other problem
 * with the text is thrown as publish throws it (PublishError, one line per field).
 */
export async function saveContent(deps: PublishDeps, req: SaveRequest): Promise<SaveOutcome> {
  try {
    const r = await publish(deps, [req.file], { by: req.editor, baseVersion: req.baseVersion });
    if (r.settings) {
      const written = r.versions.find((v) => v.kind === 'settings');
      const version = written?.version ?? (await deps.settings?.settingsStamp?.())?.version ?? 0;
      return { saved: true, kind: 'settings', id: 'topics', version, changed: written !== undefined };
    }
    const kind = r.articles.length ? 'article' : 'issue';
    const id = r.articles[0] ?? r.issues[0];
    const written = r.versions.find((v) => v.kind === kind && v.id === id);
    if (written) return { saved: true, kind, id, version: written.version, changed: true };
    const stored: Article | Issue | undefined =
      kind === 'issue' ? await deps.content.getIssue(id) : (await deps.content.getArticles([id]))[0];
    return { saved: true, kind, id, version: stored?.version ?? 0, changed: false };
  } catch (e) {
    if (e instanceof PublishError && e.stale.length === 1 && e.problems.length === 1)
      return { saved: false, refusal: { ...e.stale[0], message: e.problems[0] } };
    throw e;
  }
}
