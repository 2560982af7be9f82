/**
 * Drafts: what an editor typed in the console's editor and has not published, kept as they type
 * (autosave) so that nothing typed is lost — not a refused save, not a closed tab. A draft is
 * the form's values, not a content item: the planners, the archive and the listings never see
 * it. Publishing the item (a save that succeeds) removes its draft.
 */
import type { EditorKind } from './content/form';

export interface Draft {
  kind: EditorKind;
  /** The item's id, or `new-<editor>` for an item not yet published. */
  key: string;
  /** The form's values as typed. */
  values: Record<string, string>;
  /** The stored version the editor started from (0: new). */
  baseVersion: number;
  by: string;
  savedAt: string;
}

export interface DraftStore {
  getDraft(kind: EditorKind, key: string): Promise<Draft | undefined>;
  putDraft(draft: Draft): Promise<void>;
  deleteDraft(kind: EditorKind, key: string): Promise<void>;
}

/** A draft's item in the Content table: no `kind` attribute, so the byKind index (the listings) never holds it. */
export const draftKey = (kind: EditorKind, key: string) => `draft#${kind}#${key}`;

/** Draft keys: an item's id, or `new-<n>` for a new one (the editor's subject, made safe). */
export const DRAFT_KEY = /^[a-z0-9][a-z0-9-]{0,99}$/;
export const newDraftKey = (sub: string) =>
  `new-${
    sub
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 90) || 'editor'
  }`;

/** Most characters a draft keeps in all (the body's own limit and the fields, with room). */
export const MAX_DRAFT_CHARS = 80_000;
