/**
 * What the batches of one invocation share: the send slots and admissions (`SendPool`), and the
 * campaign counters they add to (`invocationCounters`).
 */
import { limiter, type Limiter } from '../../core/concurrency';
import type { CampaignCounters } from '../../core/ports';
import type { Counters } from '../../core/campaign-status';

/** Send slots and admissions, shared by the batches of one invocation. */
export interface SendPool {
  /** SES calls in flight (with their throttling retries). */
  slots: Limiter;
  /** Recipients between their claim and their `sent` record: twice the slots. */
  admission: Limiter;
  /**
   * Batches check and claim their recipients one at a time, in job order: the first batch of
   * an invocation starts sending as soon as it can, and the next one gets ready while it sends.
   */
  preparing: Limiter;
  /** Admitted recipients whose SES call has not answered yet: at 0, no `sent` record is on its way. */
  unanswered: number;
}

export function sendPool(concurrency: number): SendPool {
  return { slots: limiter(concurrency), admission: limiter(2 * concurrency), preparing: limiter(1), unanswered: 0 };
}

/**
 * Counters for the batches of one invocation: their adds are summed per campaign and written
 * in one update by `flush()` when the invocation is done, instead of one update a batch. Other
 * calls go straight through. A crash before the flush leaves the counters short by what the
 * invocation sent, as a crash before a batch's own add did (the ledger stays the truth, and the
 * local mode reconciles with it).
 */
export function invocationCounters(counters: CampaignCounters): { counters: CampaignCounters; flush(): Promise<void> } {
  const pending = new Map<string, { delta: Partial<Counters>; at: Date }>();
  return {
    counters: {
      startPlanning: (c, at) => counters.startPlanning(c, at),
      finishPlanning: (c, planned, at) => counters.finishPlanning(c, planned, at),
      setState: (c, state, at, reason) => counters.setState(c, state, at, reason),
      get: (c) => counters.get(c),
      add(c, delta, at) {
        const sum = pending.get(c) ?? { delta: {}, at };
        for (const [k, v] of Object.entries(delta) as [keyof Counters, number | undefined][]) {
          if (typeof v === 'number') sum.delta[k] = (sum.delta[k] ?? 0) + v;
        }
        if (at > sum.at) sum.at = at;
        pending.set(c, sum);
        return Promise.resolve();
      },
    },
    async flush() {
      const all = [...pending];
      pending.clear();
      await Promise.all(all.map(([c, { delta, at }]) => counters.add(c, delta, at)));
    },
  };
}
