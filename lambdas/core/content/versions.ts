/**
 * Versions of stored content (articles, issues, the newsletter's settings). Every write that
 * changes an item gives it the next version (1 on the first write), when and by whom; a file or
 * a save that says which version it started from is refused when the stored one is newer, so
 * nobody overwrites a change they never saw. Pure: the rule, the stamp and the messages.
 */
import type { Article, Issue } from '../model';

/** The version of a stored item, and who made it when. */
export interface ItemStamp {
  /** 1 on the first write, one more on each change. */
  version: number;
  /** ISO timestamp of the write. */
  updatedAt: string;
  /** Who wrote it: `cli:<user name>` from the command line, the editor's address from the console. */
  updatedBy: string;
}

/**
 * The version a conditional write expects to replace: `none` when no item was stored, `0` for one
 * stored before versions, else its version. A write whose expectation no longer holds is refused.
 */
export type ExpectedVersion = number | 'none';

/** A stored item newer than the version a change started from. */
export interface StaleVersion {
  /** The version the change started from. */
  base: number;
  stored: ItemStamp;
}

/** The version a write replaces, as the store's condition needs it. */
export function expectedVersion(stored: Partial<ItemStamp> | undefined): ExpectedVersion {
  return stored === undefined ? 'none' : (stored.version ?? 0);
}

/**
 * The refusal's facts when the change started from `base` and the stored item is newer; undefined
 * when it may go ahead (no base given, nothing stored, or the stored item is not newer). An item
 * stored before versions counts as version 0, so any base is as new as it.
 */
export function staleVersion(base: number | undefined, stored: Partial<ItemStamp> | undefined): StaleVersion | undefined {
  const version = stored?.version ?? 0;
  if (base === undefined || version <= base) return undefined;
  return { base, stored: { version, updatedAt: stored?.updatedAt ?? 'an unknown time', updatedBy: stored?.updatedBy ?? 'someone' } };
}

/** The next stamp after `stored` (none stored, or stored before versions: 1). */
export function nextStamp(stored: Partial<ItemStamp> | undefined, now: Date, by: string): ItemStamp {
  return { version: (stored?.version ?? 0) + 1, updatedAt: now.toISOString(), updatedBy: by };
}

const when = (iso: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : iso);

/**
 * `<file>: <what> was changed by <who> on <when> (version N; this file is version M): …` with the
 * two ways on: take the newer one with `content pull`, or overwrite it with `--force`.
 */
export function staleMessage(file: string, what: string, stale: StaleVersion): string {
  const s = stale.stored;
  return (
    `${file}: ${what} was changed by ${s.updatedBy} on ${when(s.updatedAt)} (version ${s.version}; this file is version ${stale.base}): ` +
    `get the newer one with npm run cli -- content pull <dir>, or publish with --force to overwrite it`
  );
}

/** What a writer sets itself: the stamp, the publication time and the planners' marks. */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'updatedBy', 'publishedAt', 'plannedAt', 'alertedAt']);

/** JSON with every object's keys sorted and absent fields left out: the store keeps no key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** An item's content as text, bookkeeping left out: what "changed" compares. */
function contentOf(item: Article | Issue): string {
  return canonicalJson(Object.fromEntries(Object.entries(item as unknown as Record<string, unknown>).filter(([k]) => !BOOKKEEPING.has(k))));
}

/** Whether publishing `next` changes anything in the stored item (bookkeeping aside): unchanged items are not written. */
export function contentChanged(stored: Article | Issue | undefined, next: Article | Issue): boolean {
  return stored === undefined || contentOf(stored) !== contentOf(next);
}

/**
 * A conditional write refused because the stored item is no longer the version read (another
 * writer changed it in between): the store throws it, the use-case reads who did and refuses.
 */
export class VersionConflictError extends Error {
  constructor(
    readonly kind: 'article' | 'issue' | 'settings',
    readonly id: string,
  ) {
    super(`${kind} ${id} was changed by another writer while this one was being written`);
    this.name = 'VersionConflictError';
  }
}
