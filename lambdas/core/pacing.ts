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
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`sender concurrency must be a positive integer, got ${concurrency}`);
  return totalRate(quota, s) / concurrency;
}

/** Messages left in the rolling 24-hour quota (Infinity when unlimited). */
export function dailyRemaining(quota: SendQuota): number {
  return quota.max24HourSend < 0 ? Infinity : Math.max(0, Math.floor(quota.max24HourSend - quota.sentLast24Hours));
}

/** How a {@link Pacer} makes up for time its timers lost. */
export interface PacerOptions {
  /**
   * How far behind its timeline the pacer may fall and still make the time up, in ms: a timer
   * that fires later than this loses the rest. @default 1000
   */
  catchUpMs?: number;
  /** How much faster than the rate it makes lost time up. @default 2 */
  catchUpFactor?: number;
  /**
   * The slack of the catch-up pace, in ms: the slots of this much lateness may go together
   * (at least two at once). @default 10
   */
  burstMs?: number;
  /**
   * Added to the 1,000 ms window, in ms: calls reach SES a few milliseconds apart from how they
   * were granted, and a margin this wide keeps that from putting one more call into a second as
   * SES counts it. It costs its share of the rate (10 ms: 1 %). @default 10
   */
  marginMs?: number;
}

/**
 * A pacer that hands out send slots at `ratePerSecond`. Slots are granted one after another
 * (callers queue in order), under three rules:
 *
 * - **Never more than `floor(rate)` (at least 1) within any 1,000 ms plus `marginMs`**, checked
 *   on the grants themselves: SES's maximum send rate, read strictly (a sliding second), with a
 *   margin for the milliseconds between a grant and SES receiving the call (without it, slots
 *   granted at both ends of one window, each reaching SES a little late or early, were one or
 *   two calls over the rate in a second as SES counted it). A rate under 1 a second: never two
 *   within `1 / rate` plus the margin. The timeline below runs at what this allows (5.6 a second
 *   is 5 in every 1,010 ms, a slot every 202 ms).
 * - **On a timeline.** Slot k is due at `start + k x interval`, not an interval after slot k-1
 *   was actually granted: a timer that fires late (a busy machine's timers all fire a
 *   millisecond or two late, and some far more) delays its own slot, not every slot after it,
 *   so the mean rate is the rate. Only time a caller waited for counts (an idle pacer owes
 *   nobody a burst), and no more than `catchUpMs` of it.
 * - **Made up gently.** Slots behind the timeline go at up to `catchUpFactor` times the rate,
 *   with `burstMs` of slack (at 2x and 10 ms: at most two at once at 50 a second, five at 200),
 *   never all at once: the calls of a burst reach SES a few milliseconds apart (far more on a
 *   busy machine), so a burst at the edge of a second puts that second over the rate where SES
 *   counts, even when the grants were within it.
 *
 * The window decides how much can be made up: after a gap of G ms, the seconds that include it
 * have room for G's slots, and the pacer fills that room at the catch-up pace, but a second that
 * starts just after the gap would then hold the catch-up and a full second's rate, so the window
 * holds slots back there, a second later, by about G again (a gap that recurs each second while
 * callers keep waiting). Under a strict per-second count no pacer does better: no second may hold
 * more than the rate, so lost time is carried from second to second, never made up in one.
 * What the timeline buys is that the small lateness of every timer is no longer lost one timer
 * after another, which is what kept the mean rate under the limit (0.75x at 200 a second).
 */
export class Pacer {
  /** When the next slot is due on the rate's timeline. */
  private due = -Infinity;
  /** When the next slot may go on the catch-up timeline (`catchUpFactor` times the rate). */
  private fast = -Infinity;
  /** The last `perWindow` grant times, oldest first. */
  private readonly grants: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly fastMs: number;
  private readonly slackMs: number;
  private readonly windowMs: number;
  private readonly perWindow: number;
  private readonly catchUpMs: number;

  constructor(
    ratePerSecond: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
    options: PacerOptions = {},
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`pacer rate must be positive, got ${ratePerSecond}`);
    const factor = options.catchUpFactor ?? 2;
    if (!(factor >= 1)) throw new Error(`pacer catch-up factor must be at least 1, got ${factor}`);
    // The epsilon: a rate computed as 62.5 x 0.8 may come out a hair under its whole number.
    this.perWindow = Math.max(1, Math.floor(ratePerSecond + 1e-9));
    const marginMs = options.marginMs ?? 10;
    if (!(marginMs >= 0)) throw new Error(`pacer margin must not be negative, got ${marginMs}`);
    this.windowMs = (ratePerSecond < 1 ? 1000 / ratePerSecond : 1000) + marginMs;
    // The timeline runs at what the window allows: a timeline faster than that would always be
    // behind, and make up in bursts.
    this.intervalMs = ratePerSecond === Infinity ? 0 : this.windowMs / this.perWindow;
    this.fastMs = this.intervalMs / factor;
    this.slackMs = Math.max(this.fastMs, options.burstMs ?? 10);
    this.catchUpMs = Math.max(0, options.catchUpMs ?? 1000);
  }

  /** Wait for the next free slot. Slots are taken in call order. */
  take(): Promise<void> {
    if (this.intervalMs === 0) return Promise.resolve();
    const asked = this.now();
    const turn = this.chain.then(() => this.grant(asked));
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async grant(asked: number): Promise<void> {
    // Nobody waited for the slots due before this caller asked: they are not owed.
    if (this.due < asked) this.due = asked;
    for (;;) {
      const now = this.now();
      if (this.due < now - this.catchUpMs) this.due = now - this.catchUpMs;
      if (this.fast < now - this.slackMs) this.fast = now - this.slackMs;
      const windowFull =
        this.grants.length >= this.perWindow ? this.grants[this.grants.length - this.perWindow] + this.windowMs : -Infinity;
      const at = Math.max(this.due, this.fast, windowFull);
      if (at <= now) {
        this.due += this.intervalMs;
        this.fast += this.fastMs;
        this.grants.push(now);
        if (this.grants.length > this.perWindow) this.grants.shift();
        return;
      }
      await this.sleep(at - now);
    }
  }

  /** Milliseconds between slots on the timeline (0 when unpaced). */
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
