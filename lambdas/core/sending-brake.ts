/**
 * When the whole account must stop sending, and when it may carry on. Two rules share one
 * account-wide pause, kept in the store (DynamoDB) so every batch, every sender invocation and
 * every kind of send (digests and alerts) stops together:
 *
 * - **Circuit breaker** (SES answers): a refusal that is about the account, not the reader
 *   (sandbox, identity or MAIL FROM not verified, configuration set missing, sending paused,
 *   access denied) marks nobody `failed`. After `tripAfter` of them the breaker opens: every
 *   sender stops, hands its jobs back with a delay, and after each backoff step one send (the
 *   probe, half-open) checks whether the cause is fixed. A used-up daily quota opens it at once,
 *   until the estimated time the 24-hour window has room again.
 * - **Reputation brake** (SES events): the bounce and complaint rates over the last N sends
 *   (and per campaign) above thresholds set below SES's review levels pause sending until an
 *   operator resumes with an override. There is no probe: sending more is what hurts.
 *
 * The shared state, its store and the settings are in sending-state.ts; the reputation brake
 * is in reputation.ts. Both are re-exported here, so importers of this module need not change.
 *
 * Pure: the store, the clock and the quota reader are ports passed in.
 */
import {
  BRAKE_DEFAULTS,
  type BrakeSettings,
  type Bucket,
  type SendingPause,
  type SendingState,
  type SendingStateStore,
} from './sending-state';

/** Wait before the probe after `step` failed probes: base × 2^step, at most the maximum. */
export function backoffStepMs(step: number, s: Pick<BrakeSettings, 'backoffBaseMs' | 'backoffMaxMs'>): number {
  return Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** Math.max(0, step));
}

/**
 * How long a job found paused waits before it comes back: until the next probe is due, at
 * least a second's tenth, at most the longest step (SQS caps a delay at 15 minutes). A paused
 * job comes back as a new message, so waiting never brings it nearer the dead-letter queue.
 */
export function pausedJobDelayMs(pause: SendingPause, now: Date, s: Pick<BrakeSettings, 'backoffMaxMs'>): number {
  if (!pause.retryAt) return s.backoffMaxMs;
  return Math.min(s.backoffMaxMs, Math.max(100, Date.parse(pause.retryAt) - now.getTime()));
}

/** What GetSendQuota says, as far as the estimate needs it. */
export interface QuotaReading {
  max24HourSend: number;
  sentLast24Hours: number;
}

/**
 * When the rolling 24-hour quota has room again. SES gives no per-message times, so this uses
 * this pipeline's own send buckets: `sentLast24Hours − max24HourSend + 1` messages must leave
 * the window; walking our buckets from the oldest still in it, the bucket where that many are
 * reached leaves it 24 hours after its end. Sends SES counted that our buckets do not hold
 * (another application, confirmation mail) are not known by time: when our buckets cannot
 * explain enough, check again in an hour. The probe at that time reads GetSendQuota again; if
 * there is still no room it pauses again with a new estimate. So the estimate may be early,
 * never sends past the quota.
 */
export function quotaRoomAt(quota: QuotaReading, buckets: Bucket[], now: Date, bucketMs: number): Date {
  const day = 24 * 3_600_000;
  if (quota.max24HourSend < 0) return now;
  const mustLeave = quota.sentLast24Hours - quota.max24HourSend + 1;
  if (mustLeave <= 0) return now;
  let left = 0;
  for (const b of [...buckets].sort((x, y) => x.start - y.start)) {
    if (b.start + bucketMs + day <= now.getTime()) continue; // already out of the window
    left += b.sends;
    if (left >= mustLeave) return new Date(b.start + bucketMs + day);
  }
  return new Date(now.getTime() + 3_600_000);
}

/** An SES answer that stops the whole account: what the sender tells the breaker. */
export interface Refusal {
  kind: 'account' | 'quota';
  code: string;
  message: string;
}

export type Admission = { state: 'go' } | { state: 'probe' } | { state: 'paused'; pause: SendingPause };

/**
 * The breaker as one sender process sees it: the shared state read through a short cache,
 * the account-level refusals it met itself, and the probe it may hold. One per process (the
 * sender's module scope), shared by all batches and invocations there.
 */
export class SendingBrake {
  private cached?: { at: number; state: Promise<SendingState> };
  private refusals: number[] = [];
  private probing = false;
  private readonly id = `p${Math.random().toString(36).slice(2, 10)}`;
  private probes = 0;

  constructor(
    private readonly store: SendingStateStore,
    private readonly now: () => Date,
    private readonly settings: BrakeSettings = BRAKE_DEFAULTS,
    /** Reads GetSendQuota, for the quota pause's estimate. */
    private readonly readQuota?: () => Promise<QuotaReading>,
  ) {}

  get options(): BrakeSettings {
    return this.settings;
  }

  /** How long a job stopped by `pause` waits before it comes back (below the trip threshold: the first backoff step). */
  delayFor(pause: SendingPause | undefined): number {
    return pause ? pausedJobDelayMs(pause, this.now(), this.settings) : Math.min(this.settings.backoffBaseMs, this.settings.backoffMaxMs);
  }

  private state(fresh = false): Promise<SendingState> {
    const t = this.now().getTime();
    if (fresh || !this.cached || t - this.cached.at >= this.settings.cacheMs) {
      const state = this.store.get();
      this.cached = { at: t, state };
      state.catch(() => (this.cached = undefined));
    }
    return this.cached.state;
  }

  private remember(pause: SendingPause | undefined): void {
    this.cached = { at: this.now().getTime(), state: Promise.resolve({ pause }) };
  }

  /**
   * The pause this process knows of now (cached), or undefined while sending may go on. A probe in
   * progress here does not stop its own send.
   */
  async current(): Promise<SendingPause | undefined> {
    return (await this.state()).pause;
  }

  /**
   * At a batch's start: go on, be the one probe (send one message first and report it), or
   * stay paused. Only one sender anywhere holds the probe (a conditional write).
   */
  async admit(): Promise<Admission> {
    const { pause } = await this.state();
    if (!pause) return { state: 'go' };
    const now = this.now();
    if (pause.kind === 'reputation' || !pause.retryAt || Date.parse(pause.retryAt) > now.getTime() || this.probing)
      return { state: 'paused', pause };
    if (pause.probeUntil && Date.parse(pause.probeUntil) > now.getTime()) return { state: 'paused', pause };
    const by = `${this.id}-${++this.probes}`;
    if (!(await this.store.takeProbe(by, now, new Date(now.getTime() + this.settings.probeLeaseMs)))) {
      return { state: 'paused', pause: (await this.state(true)).pause ?? pause };
    }
    this.probing = true;
    this.probeBy = by;
    return { state: 'probe' };
  }

  private probeBy?: string;

  /** Whether this process holds the probe now. */
  get isProbing(): boolean {
    return this.probing;
  }

  /** SES accepted a message: a probe's success closes the pause for everyone. */
  async accepted(): Promise<void> {
    if (!this.probing) return;
    this.probing = false;
    await this.store.closeByProbe(this.probeBy!);
    this.refusals = [];
    // Read it again rather than assume it closed: a reputation brake may have replaced the
    // pause meanwhile, and only the probe's own pause is closed by it.
    this.cached = undefined;
  }

  /** The probe could not tell (nothing sent, or a transient answer): another sender probes later. */
  async inconclusive(): Promise<void> {
    if (!this.probing) return;
    this.probing = false;
    await this.store.releaseProbe(this.probeBy!);
    this.cached = undefined;
  }

  /**
   * SES refused for an account-level cause. Returns the pause when sending is (now) paused:
   * a probe's failure takes the next backoff step; otherwise the breaker opens at `tripAfter`
   * refusals (at once for the quota, which is not in doubt).
   */
  async refused(r: Refusal): Promise<SendingPause | undefined> {
    const now = this.now();
    const t = now.getTime();
    if (this.probing) {
      this.probing = false;
      const prev = (await this.state(true)).pause;
      const step = (prev?.step ?? 0) + 1;
      const pause = await this.pauseFor(r, now, step);
      await this.store.reopen(this.probeBy!, pause);
      this.remember(pause);
      return pause;
    }
    const known = await this.current();
    if (known) return known;
    this.refusals = this.refusals.filter((at) => t - at < this.settings.tripWindowMs);
    this.refusals.push(t);
    if (r.kind !== 'quota' && this.refusals.length < this.settings.tripAfter) return undefined;
    const pause = await this.pauseFor(r, now, 0);
    if (await this.store.open(pause)) this.remember(pause);
    else this.cached = undefined;
    this.refusals = [];
    return (await this.current()) ?? pause;
  }

  private async pauseFor(r: Refusal, now: Date, step: number): Promise<SendingPause> {
    if (r.kind === 'quota') {
      let retryAt = new Date(now.getTime() + 3_600_000);
      let estimate = 'no quota reading: checking again in an hour';
      try {
        if (this.readQuota) {
          const quota = await this.readQuota();
          const since = now.getTime() - 25 * 3_600_000;
          retryAt = quotaRoomAt(quota, await this.store.buckets(since, now.getTime()), now, this.settings.bucketMs);
          if (retryAt.getTime() <= now.getTime()) retryAt = new Date(now.getTime() + this.settings.backoffBaseMs);
          estimate = `${quota.sentLast24Hours} of ${quota.max24HourSend} sent in 24 h; room estimated from this pipeline's own hourly send counts`;
        }
      } catch {
        // The estimate is a convenience: an hour, then look again.
      }
      return {
        kind: 'quota',
        code: r.code,
        reason: `SES daily sending quota used up (${estimate}); resumes by itself at about ${retryAt.toISOString()}`,
        openedAt: now.toISOString(),
        retryAt: retryAt.toISOString(),
        step,
      };
    }
    const retryAt = new Date(now.getTime() + backoffStepMs(step, this.settings));
    return {
      kind: 'account',
      code: r.code,
      reason: `SES refused sending for the account (${r.code}: ${r.message.slice(0, 160)}); next probe at ${retryAt.toISOString()}, or \`resume\` once fixed`,
      openedAt: now.toISOString(),
      retryAt: retryAt.toISOString(),
      step,
    };
  }
}
