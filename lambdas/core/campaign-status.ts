/**
 * Progress of one campaign (an issue's send), kept as counters that planners and senders add
 * to atomically, and the rules that read them. Pure: no I/O.
 *
 * Every recipient ends in exactly one final ledger state (sent, failed or suppressed), and a
 * counter is added to only on the transition into that state, so
 * `sent + failed + suppressed` reaches `planned` exactly when the campaign is done.
 * `skipped` counts work that found the recipient already served (redeliveries, duplicated
 * batches, a re-plan after a crash): it shows retries, not progress.
 */

export type CampaignState =
  /** The planner is paging the audience onto the queue. */
  | 'planning'
  /** The whole audience is queued; senders are working. */
  | 'queued'
  /**
   * Senders stopped: sending is paused account-wide (SES refused for the account, the daily
   * quota is used up, or the reputation brake; core/sending-brake.ts). `reason` says which and
   * how it ends. Nobody is marked failed for it.
   */
  | 'paused'
  /** Every planned recipient has a final ledger state. */
  | 'done';

export const COUNTER_NAMES = ['queued', 'sent', 'failed', 'suppressed', 'skipped', 'throttled', 'reclaimed'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export interface CampaignProgress extends Counters {
  campaignId: string;
  state: CampaignState;
  /** The audience size, set when planning finished (queued may be higher after a re-plan). */
  planned?: number;
  startedAt?: string;
  updatedAt?: string;
  /** Why the campaign is paused, for `status`. */
  reason?: string;
}

export const zeroCounters = (): Counters => ({ queued: 0, sent: 0, failed: 0, suppressed: 0, skipped: 0, throttled: 0, reclaimed: 0 });

/** Recipients with a final state. */
export const resolved = (p: Pick<Counters, 'sent' | 'failed' | 'suppressed'>): number => p.sent + p.failed + p.suppressed;

/** Whether planning finished and every planned recipient has a final state. */
export function isComplete(p: CampaignProgress): boolean {
  return p.planned !== undefined && resolved(p) >= p.planned;
}

/**
 * Whether a campaign started and was not finished, so a process that held its queue in memory
 * (the local mode) must plan it again after a restart.
 */
export function needsResume(p: CampaignProgress | undefined): boolean {
  return p !== undefined && p.state !== 'done' && !isComplete(p);
}

/** One line for `status` and the progress bar. */
export function describeProgress(p: CampaignProgress): string {
  const total = p.planned !== undefined ? String(p.planned) : `${p.queued}+ (planning)`;
  const state = isComplete(p) ? 'done' : p.state;
  return (
    `${p.campaignId}: ${state}${p.reason && state === 'paused' ? ` (${p.reason})` : ''} — ` +
    `${resolved(p)}/${total} done: ${p.sent} sent, ${p.failed} failed, ${p.suppressed} suppressed; ` +
    `${p.skipped} skipped as already served, ${p.throttled} throttled and retried, ${p.reclaimed} stale claims taken over`
  );
}
