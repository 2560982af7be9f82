/**
 * Pacing: how fast one sender may call SES, and how long it waits after throttling.
 *
 * Pure: time and sleeping are passed in, so the rules are unit-tested without timers.
 *
 * The rate rule: the account's `MaxSendRate` (from SES `GetSendQuota`) times a share (0.8 by
 * default, leaving room for confirmation mail and other senders), or a fixed rate when one is
 * configured, divided by the most sender invocations that can run at once (the queue's event
 * source maximum concurrency). Each sender paces itself to its part, so all of them together
 * never exceed the total.
 */

/** What SES says of the account (GetSendQuota), in its own units. */
export interface SendQuota {
  /** Messages per second the account may send. */
  maxSendRate: number;
  /** Messages per rolling 24 hours; -1 means unlimited. */
  max24HourSend: number;
  sentLast24Hours: number;
}

export interface RateSettings {
  /** Fixed total rate in messages a second; when set, the quota's rate is not used. */
  fixedRate?: number;
  /** Share of MaxSendRate to use. @default 0.8 */
  share?: number;
  /** Most senders running at once. @default 1 */
  concurrency?: number;
}

export const DEFAULT_RATE_SHARE = 0.8;

/** Total messages a second for the whole pipeline (all senders together). */
export function totalRate(quota: SendQuota | undefined, s: RateSettings): number {
  if (s.fixedRate !== undefined) {
    if (!(s.fixedRate > 0)) throw new Error(`fixed send rate must be positive, got ${s.fixedRate}`);
    return s.fixedRate;
  }
  if (!quota) throw new Error('no send rate: configure a fixed rate or let the sender read the SES quota');
  const share = s.share ?? DEFAULT_RATE_SHARE;
  if (!(share > 0 && share <= 1)) throw new Error(`send rate share must be in (0, 1], got ${share}`);
  return quota.maxSendRate * share;
}

/** One sender's part of the total rate. */
export function senderRate(quota: SendQuota | undefined, s: RateSettings): number {
  const concurrency = s.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`sender concurrency must be a positive integer, got ${concurrency}`);
  return totalRate(quota, s) / concurrency;
}

/** Messages left in the rolling 24-hour quota (Infinity when unlimited). */
export function dailyRemaining(quota: SendQuota): number {
  return quota.max24HourSend < 0 ? Infinity : Math.max(0, Math.floor(quota.max24HourSend - quota.sentLast24Hours));
}

/**
 * A pacer that hands out send slots at `ratePerSecond`, with no burst. Slots are granted one
 * after another (callers queue in order), each at least `1 / rate` after the previous one *as
 * actually granted* (a late timer pushes the next slot back instead of letting two go
 * together), and never more than `floor(rate)` (at least 1) grants fall within any 1,000 ms.
 * So what leaves one pacer in any one-second window stays at the rate, with no catch-up burst.
 */
export class Pacer {
  private last = -Infinity;
  private readonly grants: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly perWindow: number;

  constructor(
    ratePerSecond: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`pacer rate must be positive, got ${ratePerSecond}`);
    this.intervalMs = ratePerSecond === Infinity ? 0 : 1000 / ratePerSecond;
    this.perWindow = Math.max(1, Math.floor(ratePerSecond));
  }

  /** Wait for the next free slot. Slots are taken in call order. */
  take(): Promise<void> {
    if (this.intervalMs === 0) return Promise.resolve();
    const turn = this.chain.then(() => this.grant());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async grant(): Promise<void> {
    for (;;) {
      const now = this.now();
      const windowFull = this.grants.length >= this.perWindow ? this.grants[this.grants.length - this.perWindow] + 1000 : -Infinity;
      const at = Math.max(this.last + this.intervalMs, windowFull);
      if (at <= now) break;
      await this.sleep(at - now);
    }
    this.last = this.now();
    this.grants.push(this.last);
    if (this.grants.length > this.perWindow) this.grants.shift();
  }

  /** Milliseconds between slots (0 when unpaced). */
  get interval(): number {
    return this.intervalMs;
  }
}

/**
 * Backoff before the `attempt`-th retry (1-based) after throttling: "full jitter", a random
 * wait in [0, min(cap, base * 2^(attempt-1))], so senders throttled together do not retry
 * together. `random` is Math.random in production.
 */
export function backoffMs(attempt: number, random: () => number, baseMs = 100, capMs = 5_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The daily quota as a sender sees it: refreshed from SES now and then, counted down between
 * refreshes. `take()` answers false once nothing is left, so the sender stops before SES
 * refuses, and the campaign can be shown as paused until there is room again.
 */
export class DailyAllowance {
  private remaining = Infinity;
  private readAt = -Infinity;
  /** The read under way: takes that find the count stale at once share it (each reading alone would reset the count down). */
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<SendQuota>,
    private readonly now: () => number,
    private readonly refreshMs = 60_000,
    private readonly emptyRecheckMs = 10_000,
  ) {}

  /**
   * Taken and not yet answered by SES: a quota read counts none of them, so they come off
   * what it reports (else every refresh during a send would hand them out a second time).
   */
  private pending = 0;

  async take(): Promise<boolean> {
    const age = this.now() - this.readAt;
    // Re-read when stale, and (less often) when empty: room comes back as the 24-hour window rolls on.
    if (age >= this.refreshMs || (this.remaining <= 0 && age >= this.emptyRecheckMs)) {
      this.reading ??= this.read()
        .then((quota) => {
          this.remaining = dailyRemaining(quota) - this.pending;
          this.readAt = this.now();
        })
        .finally(() => (this.reading = undefined));
      await this.reading;
    }
    if (this.remaining <= 0) return false;
    this.remaining -= 1;
    this.pending += 1;
    return true;
  }

  /** A taken send got its answer from SES (accepted or not): the next read counts it if SES took it. */
  settle(): void {
    if (this.pending > 0) this.pending -= 1;
  }
}
