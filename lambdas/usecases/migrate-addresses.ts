/**
 * `migrate-addresses`: the upgrade step that makes one person one item in a Subscribers table
 * written before addresses were keyed by their lower-cased form. `Reader@Example.com` and
 * `reader@example.com` were two subscribers then; after this they are one, keyed
 * `reader@example.com` and mailed as the reader typed it.
 *
 * For each address:
 * - if any of its forms was erased (an erasure marker, the older bare-hash ones included), every
 *   item and ledger entry of it goes, and a keyed marker is written: erasure wins over everything.
 *   An older marker is a hash of the address as it was typed then, which may not be a form stored
 *   now (erased as `Eve@…`, signed up again as `eve@…`): the forms checked are the stored ones and
 *   the usual ways of capitalising the part before `@` (core/address.ts `erasureDigests`);
 * - if it has more than one item, or one item under a key that is not its key form:
 * - else the items merge into one, in the most restrictive state (suppressed > unsubscribed >
 *   confirmed > pending), with the oldest consent record, the first creation and confirmation
 *   times, the latest unsubscribe time, and the highest link version; the id of that state's item
 *   is kept, the others are listed in `mergedIds` and each gets a forward item (`merged#<id>`),
 *   so the links in mail they were sent still reach the reader.
 *
 * - an item already alone under its key form but without its inbox (`mailbox`, written by every
 *   version since the byMailbox index; core/keys.ts MAILBOX) gets it, so a "no" it said keeps out
 *   the other forms of its inbox (a merged or moved item is written with it); with it, its
 *   partition of the readers index (`readerShard`, which the console counts and searches by):
 *   the store reads an item without that one as not yet given its inbox.
 *
 * Idempotent: a second run finds every address under its key form, alone, and does nothing; a
 * run cut short is finished by the next. Writes are conditional on what was read, so a change
 * made meanwhile is not overwritten (that address is left for the next run). Run it when no send
 * is under way: a job queued before the move carries the old key, and its recipient would be
 * counted suppressed.
 */
import { addressKey, erasureDigests, mailboxDigest, type AddressDigest } from '../core/address';
import { isAddressKey, mailboxKey } from '../core/keys';
import type { Subscriber } from '../core/model';
import type { DeliveryEvents, SubscriptionStore } from '../core/ports';

/** The Subscribers table as the migration reads and rewrites it (a Scan: an operator's command, never a function's). */
export interface AddressMigrationStore {
  /**
   * Every item keyed by an address, as stored (its `email` is its key) with the inbox it carries
   * (`mailbox`, absent on items written before the byMailbox index, or before the readers index), and every erasure marker's digest.
   */
  items(): AsyncIterable<{ subscriber: Subscriber; mailbox?: string } | { erasedDigest: string }>;
  /** Give the item keyed `key` its inbox, if it still holds `subscriberId`. */
  /** Give the item its inbox (`mailbox`) and its readers-index shard (both follow from the key). */
  setMailbox(key: string, subscriberId: string, mailbox: string): Promise<void>;
  /** Write `s` under its key (`s.email`): only if no item is there, or the one there still is `replacing` as read. */
  putMerged(s: Subscriber, replacing: Subscriber | undefined): Promise<boolean>;
  /** The item that forwards a merged-away id to the subscriber keyed `toKey`. */
  forward(subscriberId: string, toKey: string): Promise<void>;
  /** Delete the item keyed `key` if it still holds `subscriberId`. */
  removeIf(key: string, subscriberId: string): Promise<void>;
  /** Delete the erasure marker of `digest` (an older, bare-hash one, once its keyed marker is written). */
  removeMarker(digest: string): Promise<void>;
}

export interface MigrateDeps {
  store: AddressMigrationStore;
  subscriptions: Pick<SubscriptionStore, 'markErased'>;
  deliveries: Pick<DeliveryEvents, 'deleteForSubscriber'>;
  digest: AddressDigest;
  clock: { now(): Date };
  /** Progress for the operator's terminal (the CLI): lines name the addresses in full, to be reviewed. */
  log?: (line: string) => void;
}

export interface MigrateReport {
  /** Items keyed by an address, read. */
  scanned: number;
  /** Addresses whose items were merged into one. */
  merged: number;
  /** Addresses with one item, moved to their key form. */
  moved: number;
  /** Addresses erased in some form: every item of theirs removed. */
  erased: number;
  /** Items removed (merged away, moved, or erased). */
  removed: number;
  /** Items given their inbox (`mailbox`), which the byMailbox index finds them by. */
  indexed: number;
  /** Addresses left as they were because they changed while being read (run again). */
  skipped: number;
  dryRun: boolean;
}

const RANK = (s: Subscriber) => (s.suppressed ? 4 : s.status === 'unsubscribed' ? 3 : s.status === 'confirmed' ? 2 : 1);
const earliest = (values: (string | undefined)[]) => values.filter((v): v is string => Boolean(v)).sort()[0];
const latest = (values: (string | undefined)[]) =>
  values
    .filter((v): v is string => Boolean(v))
    .sort()
    .at(-1);

/**
 * The one subscriber a group of items of the same address becomes (see the module comment).
 * Pure; exported for its unit test.
 */
export function mergeGroup(key: string, items: Subscriber[]): Subscriber {
  const ordered = [...items].sort((a, b) => RANK(b) - RANK(a) || a.createdAt.localeCompare(b.createdAt));
  const base = ordered[0];
  const typed = base.emailAsTyped ?? base.email;
  const consent = items
    .map((s) => s.consent)
    .filter((c): c is NonNullable<Subscriber['consent']> => Boolean(c))
    .sort((a, b) => a.at.localeCompare(b.at))[0];
  const suppressedBy = ordered.find((s) => s.suppressed);
  const mergedIds = [...new Set(items.flatMap((s) => [s.subscriberId, ...(s.mergedIds ?? [])]))].filter((id) => id !== base.subscriberId);
  const merged: Subscriber = {
    ...base,
    email: key,
    createdAt: earliest(items.map((s) => s.createdAt)) ?? base.createdAt,
    ...(earliest(items.map((s) => s.confirmedAt)) ? { confirmedAt: earliest(items.map((s) => s.confirmedAt)) } : {}),
    ...(consent ? { consent } : {}),
    ...(base.status === 'unsubscribed' ? { unsubscribedAt: latest(items.map((s) => s.unsubscribedAt)) ?? base.unsubscribedAt } : {}),
    ...(suppressedBy
      ? {
          suppressed: true,
          suppressedReason: suppressedBy.suppressedReason,
          suppressedAt: suppressedBy.suppressedAt,
          complainedAt: latest(items.map((s) => s.complainedAt)),
        }
      : {}),
    ...(Math.max(...items.map((s) => s.linkVersion ?? 0)) > 0 ? { linkVersion: Math.max(...items.map((s) => s.linkVersion ?? 0)) } : {}),
    ...(mergedIds.length ? { mergedIds } : {}),
    // The winner's name, else the first other item's: a name an import kept is not lost to a merge.
    ...(!base.name && ordered.find((s) => s.name) ? { name: ordered.find((s) => s.name)!.name } : {}),
  };
  if (typed !== key) merged.emailAsTyped = typed;
  else delete merged.emailAsTyped;
  for (const field of Object.keys(merged) as (keyof Subscriber)[]) if (merged[field] === undefined) delete merged[field];
  return merged;
}

export async function migrateAddresses(deps: MigrateDeps, options: { dryRun?: boolean } = {}): Promise<MigrateReport> {
  const report: MigrateReport = {
    scanned: 0,
    merged: 0,
    moved: 0,
    erased: 0,
    removed: 0,
    indexed: 0,
    skipped: 0,
    dryRun: Boolean(options.dryRun),
  };
  const groups = new Map<string, Subscriber[]>();
  // The inbox each item under its key form carries now.
  const inboxes = new Map<string, string | undefined>();
  const markers = new Set<string>();
  for await (const item of deps.store.items()) {
    if ('erasedDigest' in item) {
      markers.add(item.erasedDigest);
      continue;
    }
    const s = item.subscriber;
    if (!isAddressKey(s.email)) continue;
    report.scanned++;
    const key = addressKey(s.email);
    groups.set(key, [...(groups.get(key) ?? []), s]);
    if (s.email === key) inboxes.set(key, item.mailbox);
  }
  for (const [key, items] of groups) {
    const forms = [...new Set(items.flatMap((s) => [s.email, s.emailAsTyped ?? s.email]))];
    const found = [...new Set(forms.flatMap((f) => erasureDigests(f, deps.digest)).filter((d) => markers.has(d)))];
    if (found.length) {
      deps.log?.(`${key}: erased earlier; removing ${items.length} item(s) and their ledger entries`);
      report.erased++;
      report.removed += items.length;
      if (options.dryRun) continue;
      const keyed = deps.digest(key);
      await deps.subscriptions.markErased(keyed, deps.clock.now());
      // As every erasure now does: its inbox too (core/address.ts mailboxDigest).
      await deps.subscriptions.markErased(mailboxDigest(key, deps.digest), deps.clock.now());
      for (const s of items) {
        for (const id of [s.subscriberId, ...(s.mergedIds ?? [])]) await deps.deliveries.deleteForSubscriber(id);
        await deps.store.removeIf(s.email, s.subscriberId);
      }
      // An older bare-hash marker is reversible by hashing candidate addresses: the keyed one replaces it.
      for (const d of found) if (d !== keyed) await deps.store.removeMarker(d);
      continue;
    }
    if (items.length === 1 && items[0].email === key) {
      if (inboxes.get(key) === mailboxKey(key)) continue;
      deps.log?.(`${key}: giving it its inbox ${mailboxKey(key)} and its readers-index key (the byMailbox and readers indexes)`);
      report.indexed++;
      if (!options.dryRun) await deps.store.setMailbox(key, items[0].subscriberId, mailboxKey(key));
      continue;
    }
    const merged = mergeGroup(key, items);
    const atKey = items.find((s) => s.email === key);
    const away = items.filter((s) => s.email !== key);
    deps.log?.(
      `${key}: ${items.length > 1 ? `merging ${items.length} items (${items.map((i) => i.email).join(', ')})` : `moving ${items[0].email} to its key form`} (${merged.suppressed ? 'suppressed' : merged.status})`,
    );
    if (options.dryRun) {
      if (items.length > 1) report.merged++;
      else report.moved++;
      report.removed += away.length;
      continue;
    }
    if (!(await deps.store.putMerged(merged, atKey))) {
      deps.log?.(`${key}: changed while being merged; left for the next run`);
      report.skipped++;
      continue;
    }
    for (const id of merged.mergedIds ?? []) await deps.store.forward(id, key);
    for (const s of away) await deps.store.removeIf(s.email, s.subscriberId);
    if (items.length > 1) report.merged++;
    else report.moved++;
    report.removed += away.length;
  }
  return report;
}
