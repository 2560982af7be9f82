/**
 * Versions at publish (core/content/versions.ts). An item whose content a run does not change is
 * not written (its version stays); a changed one is written as the next version, conditional on
 * the version read, so two writers racing from one version cannot both win. A file that says
 * `version: N` when the stored item is newer is refused unless `force`: the refusal names the
 * file, the item, who changed it and when, and the way on. A lost race gives the same refusal.
 */
import type { Article, Issue } from '../core/model';
import type { ContentStore, SettingsStore } from '../core/ports';
import type { NewsletterSettings } from '../core/topics';
import {
  canonicalJson,
  contentChanged,
  expectedVersion,
  nextStamp,
  staleMessage,
  staleVersion,
  VersionConflictError,
  type ItemStamp,
  type StaleVersion,
} from '../core/content/versions';

/** One refused change: which item, and the newer stored version (who, when). */
export interface StaleItem extends StaleVersion {
  file: string;
  kind: 'article' | 'issue' | 'settings';
  id: string;
}

/** Publishing refused: every problem found, one per line, each naming its file and field. */
export class PublishError extends Error {
  constructor(
    readonly problems: string[],
    /** The problems that are stale versions, as facts (the console shows who changed what, when). */
    readonly stale: StaleItem[] = [],
  ) {
    super(problems.join('\n'));
    this.name = 'PublishError';
  }
}

/** How publish names an item in its messages. */
const named = (s: Pick<StaleItem, 'kind' | 'id'>) => (s.kind === 'settings' ? 'the topics and page text' : `${s.kind} ${s.id}`);

/** The refusal's line for one stale item. */
export const staleLine = (s: StaleItem) => staleMessage(s.file, named(s), s);

/** One item of the run: its file, the parsed item, the version the file was taken from, and what is stored. */
export interface RunItem {
  file: string;
  item: Article | Issue;
  base?: number;
  stored?: Article | Issue;
}

/** The run's changed items whose stored version is newer than their file's (none with `force`). */
export function staleItems(run: readonly RunItem[], force: boolean): StaleItem[] {
  if (force) return [];
  return run.flatMap((r) => {
    const stale = contentChanged(r.stored, r.item) ? staleVersion(r.base, r.stored) : undefined;
    return stale ? [{ file: r.file, kind: r.item.kind, id: r.item.id, ...stale }] : [];
  });
}

/**
 * Write one changed item as its next version, if the stored one is still the version read; a lost
 * race is refused as a stale file would be, naming who won. Returns the version written.
 */
export async function writeVersion(content: ContentStore, r: RunItem, now: Date, by: string): Promise<number> {
  const stamp = nextStamp(r.stored, now, by);
  try {
    await content.put({ ...r.item, ...stamp }, expectedVersion(r.stored));
  } catch (e) {
    if (!(e instanceof VersionConflictError)) throw e;
    const fresh = r.item.kind === 'issue' ? await content.getIssue(r.item.id) : (await content.getArticles([r.item.id]))[0];
    throw refusedRace(r.file, r.item.kind, r.item.id, r.stored?.version ?? 0, fresh);
  }
  return stamp.version;
}

function refusedRace(file: string, kind: StaleItem['kind'], id: string, base: number, fresh: Partial<ItemStamp> | undefined): PublishError {
  const stale: StaleItem = {
    file,
    kind,
    id,
    base,
    stored: {
      version: fresh?.version ?? base + 1,
      updatedAt: fresh?.updatedAt ?? 'an unknown time',
      updatedBy: fresh?.updatedBy ?? 'someone',
    },
  };
  return new PublishError([staleLine(stale)], [stale]);
}

/** The settings file of a run: the settings it gives and the version it was taken from. */
export interface SettingsRun {
  file: string;
  settings: NewsletterSettings;
  base?: number;
}

/**
 * The settings' part: undefined when they are unchanged (nothing to write), else the stale
 * refusal (without force) or the write to make.
 */
export async function settingsChange(
  store: SettingsStore,
  run: SettingsRun,
  stored: NewsletterSettings | undefined,
  force: boolean,
): Promise<{ stale?: StaleItem; write?: (now: Date, by: string) => Promise<number> } | undefined> {
  if (stored && canonicalJson(stored) === canonicalJson(run.settings)) return undefined;
  const stamp = await store.settingsStamp?.();
  const stale = force ? undefined : staleVersion(run.base, stamp);
  if (stale) return { stale: { file: run.file, kind: 'settings', id: 'topics', ...stale } };
  return {
    write: async (now, by) => {
      const next = nextStamp(stamp, now, by);
      try {
        await store.putSettings(run.settings, store.settingsStamp ? { stamp: next, expected: expectedVersion(stamp) } : undefined);
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
        throw refusedRace(run.file, 'settings', 'topics', stamp?.version ?? 0, await store.settingsStamp?.());
      }
      return next.version;
    },
  };
}
