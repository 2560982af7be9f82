/** In-memory local-time ports (the digest-by-zone index, plan progress), for unit tests of the local-time planner. */
import { audienceKeys } from '../../lambdas/core/keys';
import type { LocalTimePlans, LocalTimeProgress, ZoneAudience, ZoneAudienceRow } from '../../lambdas/core/local-time-ports';
import type { MemorySubscribers } from './fakes';

/**
 * The digest-by-zone index over a MemorySubscribers, read as DynamoDB's Query reads it: one
 * partition (the zone key), rows in sort-key order (`<moved at or 0>#<id>`), `movedAfter` a key
 * range. Counts Query calls and rows read, so a test can assert what a run cost.
 */
export class MemoryZoneAudience implements ZoneAudience {
  queries = 0;
  rowsRead = 0;
  /** Zones queried, in order. */
  zonesQueried: string[] = [];
  constructor(readonly subscribers: MemorySubscribers) {}
  /** Forget the counts (call before each run to count that run alone). */
  reset() {
    this.queries = 0;
    this.rowsRead = 0;
    this.zonesQueried = [];
  }
  zonePage(
    zone: string,
    cursor: string | undefined,
    limit: number,
    movedAfter?: string,
  ): Promise<{ rows: ZoneAudienceRow[]; next?: string }> {
    this.queries++;
    this.zonesQueried.push(zone);
    const all = [...this.subscribers.byEmail.values()]
      .map((s) => ({ s, keys: audienceKeys(s) }))
      .filter(({ keys }) => keys.digestZone === zone && (movedAfter === undefined || keys.digestZoneSince! > movedAfter))
      .sort((a, b) => a.keys.digestZoneSince!.localeCompare(b.keys.digestZoneSince!));
    const start = cursor ? Number(cursor) : 0;
    const page = all.slice(start, start + limit);
    this.rowsRead += page.length;
    return Promise.resolve({
      rows: page.map(({ s }) => ({
        subscriberId: s.subscriberId,
        email: s.email,
        ...(s.zoneChangedAt ? { zoneChangedAt: s.zoneChangedAt } : {}),
      })),
      next: start + limit < all.length ? String(start + limit) : undefined,
    });
  }
}

/** Local-time plan progress with the conditional advance of the DynamoDB adapter. */
export class MemoryLocalTimePlans implements LocalTimePlans {
  plans = new Map<string, LocalTimeProgress>();
  get(campaignId: string) {
    const p = this.plans.get(campaignId);
    return Promise.resolve(p ? structuredClone(p) : undefined);
  }
  advance(campaignId: string, previous: string | undefined, next: LocalTimeProgress) {
    if (this.plans.get(campaignId)?.coveredTo !== previous) return Promise.resolve(false);
    this.plans.set(campaignId, structuredClone(next));
    return Promise.resolve(true);
  }
}
