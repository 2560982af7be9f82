/**
 * The ports of local-time delivery (see ports.ts for the rest): the digest audience by time zone,
 * and how far each issue's local-time plan has got.
 */
/** One reader in the digest-by-zone index (local-time delivery). */
export interface ZoneAudienceRow {
  subscriberId: string;
  email: string;
  /** When the reader moved into this zone (ISO), if they ever changed zone. */
  zoneChangedAt?: string;
}

/** The digest audience by time zone: what a local-time planner run reads. */
export interface ZoneAudience {
  /**
   * One page of the digest audience whose zone key (core/local-time.ts `zoneKey`) is `zone`: a
   * paged Query of that zone only. With `movedAfter` (ISO), only the readers who moved into the
   * zone after that instant (a range on the sort key, not a filter).
   */
  zonePage(
    zone: string,
    cursor: string | undefined,
    limit: number,
    movedAfter?: string,
  ): Promise<{ rows: ZoneAudienceRow[]; next?: string }>;
}

/** How far the local-time plan of one issue has got (kept beside its counters). */
export interface LocalTimeProgress {
  /** The date and the local time it goes out at, as planned (so `status` needs no setting). */
  date: string;
  localTime: string;
  /** The end of the range of instants the runs have covered (ISO); every zone due by then is queued. */
  coveredTo: string;
  /** Readers queued per zone key, by the run that covered the zone's hour. */
  zones: Record<string, number>;
  /** Readers queued in all, each once (what planning finishes with). */
  queued: number;
  /** When the closing sweep ran (readers who moved into a zone after its hour): the plan is complete. */
  sweptAt?: string;
  /** Readers the sweep queued. */
  swept?: number;
}

/** The local-time plans' progress, written once a run has queued its part. */
export interface LocalTimePlans {
  get(campaignId: string): Promise<LocalTimeProgress | undefined>;
  /**
   * Store `next` only while the stored plan still covers up to `previousCoveredTo` (undefined:
   * no plan stored yet). False when another run got there first: its readers are queued, and
   * the ledger makes this run's second copies no-ops.
   */
  advance(campaignId: string, previousCoveredTo: string | undefined, next: LocalTimeProgress, at: Date): Promise<boolean>;
}
