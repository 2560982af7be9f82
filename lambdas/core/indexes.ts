/**
 * Index names of the three tables, in one place for the table schema (table-schema.ts, which
 * says what each index keys and projects, for the CDK storage construct and the local tables)
 * and the adapters that query them.
 */
export const INDEXES = {
  /** Subscribers by their random id (tokens carry the id, not the address). */
  bySubscriberId: 'bySubscriberId',
  /** The digest audience: sparse, sharded by `digestShard`, ordered by `subscriberId`. */
  digestAudience: 'digestAudience',
  /** The alert audience: sparse, sharded by `alertShard`; topics projected for matching. */
  alertAudience: 'alertAudience',
  /**
   * The digest audience by the reader's time zone (local-time delivery): sparse like
   * digestAudience, partitioned by zone key, so a planner run reads only the zones now due.
   */
  digestByZone: 'digestByZone',
  /**
   * Every form of one inbox (`mailbox`: core/sign-up-limits.ts `mailboxOf` of the address key),
   * so that a "no" said by `john.doe@gmail.com` keeps out `johndoe+z@gmail.com`. The states that
   * say no are projected.
   */
  byMailbox: 'byMailbox',
  /**
   * Every reader, whatever their state (`readerShard`: core/keys.ts READER_SHARD), sorted by
   * address: the console's counts by status, source and topic, and its address-prefix search,
   * as Queries (its role may not Scan Subscribers). What the counts need is projected.
   */
  readers: 'readers',
  /** Content by kind (`article` / `issue`) and date. */
  byKind: 'byKind',
  /** Ledger entries of one subscriber (SES events find their entry here; erasure deletes them all). */
  deliveriesBySubscriber: 'bySubscriber',
} as const;
