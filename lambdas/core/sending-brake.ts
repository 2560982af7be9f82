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
 * Pure: the store, the clock and the quota reader are ports passed in.
 */
import { z } from 'zod';
import { isSimulatorAddress } from './simulator';

export type PauseKind = 'account' | 'quota' | 'reputation';

/** The account-wide pause, as stored. */
export interface SendingPause {
  kind: PauseKind;
  /** For status and the campaign's reason: what happened and what to do. */
  reason: string;
  /** The SES error code (account, quota) or the rate that braked (reputation). */
  code?: string;
  openedAt: string;
  /** When a probe may check again (account, quota); none for the reputation brake: an operator resumes it. */
  retryAt?: string;
  /** Backoff steps taken (failed probes). */
  step: number;
  /** A probe under way until then (its holder may have died: after that, another may probe). */
  probeUntil?: string;
  probeBy?: string;
}

/** Counts of one time bucket (sends by the time they were sent; bounces and complaints by the time of the send they answer). */
export interface BucketCounts {
  sends: number;
  bounces: number;
  complaints: number;
}

export interface Bucket extends BucketCounts {
  /** Start of the bucket, epoch ms. */
  start: number;
}

/** What `resume --override-reputation` leaves: the brake counts only what came after it. */
export interface ReputationOverride {
  at: string;
  /** Start of the bucket the override fell in, and that bucket's counts then (subtracted from it). */
  bucketStart: number;
  snapshot: BucketCounts;
}

export interface SendingState {
  pause?: SendingPause;
  override?: ReputationOverride;
}

/** The store of the account-wide state (DynamoDB in production, memory in unit tests). */
export interface SendingStateStore {
  get(): Promise<SendingState>;
  /** Open a pause if none is open (false: one was, read it). `kind: reputation` replaces any other pause. */
  open(pause: SendingPause): Promise<boolean>;
  /** Take the probe of an open account or quota pause whose retryAt has passed; false when someone else has it or it is not due. */
  takeProbe(by: string, now: Date, until: Date): Promise<boolean>;
  /** The probe failed for the same cause: the next backoff step (only by the probe's holder). */
  reopen(by: string, pause: SendingPause): Promise<void>;
  /** The probe could not tell (a 5xx, no SES call): let another probe (only by the holder). */
  releaseProbe(by: string): Promise<void>;
  /** The probe was accepted: close (only by the holder). */
  closeByProbe(by: string): Promise<void>;
  /** An operator's resume: close whatever is open; with an override, the reputation brake starts a fresh sample. */
  resume(at: Date, override?: ReputationOverride): Promise<SendingPause | undefined>;
  /** Add to a bucket's counters (ADD: many writers). */
  addCounts(bucketStart: number, delta: Partial<BucketCounts>): Promise<void>;
  /** Buckets from `since` (inclusive) to now. */
  buckets(since: number, until: number): Promise<Bucket[]>;
}

export const BRAKE_DEFAULTS = {
  /** Account-level refusals (within `tripWindowMs`, per sender) that open the breaker. */
  tripAfter: 3,
  tripWindowMs: 10 * 60_000,
  /** First backoff step; doubles after each failed probe. */
  backoffBaseMs: 60_000,
  /** Longest step, and the longest a paused job waits: SQS's maximum message delay (15 minutes). */
  backoffMaxMs: 900_000,
  /** How long a sender trusts the state it read. */
  cacheMs: 5_000,
  /** A probe holder that has not answered within this is taken for dead. */
  probeLeaseMs: 60_000,
  /** The last N sends the rates are measured over. */
  window: 1_000,
  /** Fewer sends than this in the window (or the campaign) never brake. */
  minSample: 200,
  /** And at least this many bounces (complaints) for that rate to brake. */
  minEvents: 2,
  /** SES reviews at 5 % / 0.1 %: brake below. */
  bounceRate: 0.04,
  complaintRate: 0.0008,
  /** Bucket width: an hour (25 buckets cover the 24-hour quota window in one BatchGetItem). */
  bucketMs: 3_600_000,
};

export type BrakeSettings = typeof BRAKE_DEFAULTS;

/** Environment variables of the sender and the ses-events function (all optional). */
export const BRAKE_ENV: Partial<Record<keyof BrakeSettings, string>> = {
  tripAfter: 'SENDING_PAUSE_TRIP_AFTER',
  backoffBaseMs: 'SENDING_PAUSE_BACKOFF_MS',
  backoffMaxMs: 'SENDING_PAUSE_BACKOFF_MAX_MS',
  cacheMs: 'SENDING_STATE_CACHE_MS',
  window: 'REPUTATION_WINDOW',
  minSample: 'REPUTATION_MIN_SAMPLE',
  minEvents: 'REPUTATION_MIN_EVENTS',
  bounceRate: 'REPUTATION_BOUNCE_RATE',
  complaintRate: 'REPUTATION_COMPLAINT_RATE',
};

/** @throws Error naming each bad variable. */
export function readBrakeSettings(env: NodeJS.ProcessEnv = process.env): BrakeSettings {
  const out = { ...BRAKE_DEFAULTS };
  const problems: string[] = [];
  for (const [key, name] of Object.entries(BRAKE_ENV) as [keyof BrakeSettings, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const isRate = key === 'bounceRate' || key === 'complaintRate';
    const schema = isRate ? z.coerce.number().gt(0).lt(1) : key === 'cacheMs' ? z.coerce.number().int().min(0) : z.coerce.number().int().min(1);
    const parsed = schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${name} must be ${isRate ? 'a fraction between 0 and 1 (0.04 = 4 %)' : 'a whole number'}, got "${raw}"`);
  }
  if (out.backoffMaxMs > 900_000) problems.push(`${BRAKE_ENV.backoffMaxMs} must be at most 900000 (SQS's longest delay)`);
  if (problems.length) throw new Error(`Invalid sending brake settings:\n  ${problems.join('\n  ')}`);
  return out;
}

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

export const bucketStartOf = (t: number, bucketMs: number) => Math.floor(t / bucketMs) * bucketMs;

/**
 * The counts over the last `window` sends: buckets newest first until they hold `window`
 * sends (a bucket is taken whole, so the sample may be larger, never smaller). After an
 * override, nothing before it counts (the override's bucket counts what came after its snapshot).
 */
export function windowCounts(buckets: Bucket[], window: number, override?: ReputationOverride): BucketCounts {
  const total: BucketCounts = { sends: 0, bounces: 0, complaints: 0 };
  for (const b of [...buckets].sort((x, y) => y.start - x.start)) {
    if (override && b.start < override.bucketStart) break;
    const base = override && b.start === override.bucketStart ? override.snapshot : { sends: 0, bounces: 0, complaints: 0 };
    total.sends += Math.max(0, b.sends - base.sends);
    total.bounces += Math.max(0, b.bounces - base.bounces);
    total.complaints += Math.max(0, b.complaints - base.complaints);
    if (total.sends >= window) break;
  }
  return total;
}

/**
 * The brake rule: a rate brakes when the sample has at least `minSample` sends, at least
 * `minEvents` bounces (complaints), and their share of the sends reaches the threshold. So one
 * bounce of three sends never brakes; with the defaults, 8 bounces of 200 sends (4 %) do, and
 * 2 complaints of up to 2,500 sends (0.08 %).
 */
export function reputationVerdict(c: BucketCounts, s: Pick<BrakeSettings, 'minSample' | 'minEvents' | 'bounceRate' | 'complaintRate'>, scope: string): string | undefined {
  if (c.sends < s.minSample) return undefined;
  const pct = (x: number) => `${(100 * x).toFixed(2).replace(/\.?0+$/, '')} %`;
  if (c.bounces >= s.minEvents && c.bounces / c.sends >= s.bounceRate) {
    return `bounce rate ${pct(c.bounces / c.sends)} (${c.bounces} of ${c.sends} sends, ${scope}) reached the brake at ${pct(s.bounceRate)}`;
  }
  if (c.complaints >= s.minEvents && c.complaints / c.sends >= s.complaintRate) {
    return `complaint rate ${pct(c.complaints / c.sends)} (${c.complaints} of ${c.sends} sends, ${scope}) reached the brake at ${pct(s.complaintRate)}`;
  }
  return undefined;
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

  /** The pause this process knows of now (cached), or undefined while sending may go on. A probe in progress here does not stop its own send. */
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
    if (pause.kind === 'reputation' || !pause.retryAt || Date.parse(pause.retryAt) > now.getTime() || this.probing) return { state: 'paused', pause };
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

/** The per-campaign and account-wide view that `status` prints. */
export function describePause(p: SendingPause | undefined): string {
  if (!p) return 'sending: on';
  const probe = p.retryAt ? `; next probe ${p.retryAt}${p.step ? ` (after ${p.step} failed probe${p.step > 1 ? 's' : ''})` : ''}` : '; resume with `npm run cli -- resume --override-reputation`';
  return `sending: PAUSED (${p.kind}) since ${p.openedAt}: ${p.reason}${probe}`;
}

/** A bounce or complaint as the brake counts it. */
export interface ReputationSignal {
  kind: 'bounce' | 'complaint';
  /** When the message it answers was sent (SES's `mail.timestamp`): the bucket it counts in. */
  sentAt?: string;
  campaignId?: string;
}

/** Per-campaign counts, kept on the campaign's summary item. */
export interface CampaignReputation {
  addCampaign(campaignId: string, delta: { bounced?: number; complained?: number }): Promise<void>;
  /** The campaign's sends (its `sent` counter) and bounces and complaints so far. */
  campaignCounts(campaignId: string): Promise<BucketCounts | undefined>;
}

export interface ReputationDeps {
  store: SendingStateStore & CampaignReputation;
  now: () => Date;
  settings?: BrakeSettings;
}

/**
 * Count bounces and complaints, then apply the brake rule to the last N sends and to each
 * campaign they belong to. Only hard (permanent) bounces count, as in SES's own bounce rate.
 * Returns the pause when this call braked. An SNS delivery retried after a failure counts its
 * events again (the rate errs towards braking).
 */
export async function recordReputation(deps: ReputationDeps, signals: ReputationSignal[]): Promise<SendingPause | undefined> {
  if (signals.length === 0) return undefined;
  const s = deps.settings ?? BRAKE_DEFAULTS;
  const now = deps.now();
  const perBucket = new Map<number, BucketCounts>();
  const perCampaign = new Map<string, { bounced: number; complained: number }>();
  for (const sig of signals) {
    const at = sig.sentAt && !Number.isNaN(Date.parse(sig.sentAt)) ? Math.min(Date.parse(sig.sentAt), now.getTime()) : now.getTime();
    const b = perBucket.get(bucketStartOf(at, s.bucketMs)) ?? { sends: 0, bounces: 0, complaints: 0 };
    if (sig.kind === 'bounce') b.bounces++;
    else b.complaints++;
    perBucket.set(bucketStartOf(at, s.bucketMs), b);
    if (sig.campaignId) {
      const c = perCampaign.get(sig.campaignId) ?? { bounced: 0, complained: 0 };
      if (sig.kind === 'bounce') c.bounced++;
      else c.complained++;
      perCampaign.set(sig.campaignId, c);
    }
  }
  await Promise.all([...perBucket].map(([start, d]) => deps.store.addCounts(start, { bounces: d.bounces, complaints: d.complaints })));
  await Promise.all([...perCampaign].map(([c, d]) => deps.store.addCampaign(c, d)));

  const state = await deps.store.get();
  if (state.pause?.kind === 'reputation') return undefined;
  const buckets = await deps.store.buckets(now.getTime() - 24 * 3_600_000, now.getTime());
  let reason = reputationVerdict(windowCounts(buckets, s.window, state.override), s, `last ${s.window} sends`);
  for (const c of perCampaign.keys()) {
    if (reason) break;
    const counts = await deps.store.campaignCounts(c);
    // After an override, a campaign's own totals would brake again at once: only the window counts then.
    if (counts && !state.override) reason = reputationVerdict(counts, s, `campaign ${c}`);
  }
  if (!reason) return undefined;
  const pause: SendingPause = {
    kind: 'reputation',
    code: 'reputation',
    reason: `reputation brake: ${reason}; every send is paused until \`resume --override-reputation\``,
    openedAt: now.toISOString(),
    step: 0,
  };
  await deps.store.open(pause);
  return pause;
}

/** The brake's own view of an SES event, as lambdas/usecases/ses-events.ts parses it. */
interface EventLike {
  eventType?: string;
  notificationType?: string;
  mail: { messageId: string; timestamp?: string };
  bounce?: { bounceType: string; bouncedRecipients: { emailAddress?: string }[] };
  complaint?: { complainedRecipients: { emailAddress?: string }[]; complaintFeedbackType?: string };
}

/** SES leaves its mailbox simulator out of the account's rates; so does the brake (a smoke run's bounce and complaint are meant to happen). */
const counted = (r: { emailAddress?: string }) => !(r.emailAddress && isSimulatorAddress(r.emailAddress));

/** The signals in SES events: one per hard-bounced or complaining recipient. */
export function reputationSignals(events: EventLike[], campaignOf: (messageId: string) => string | undefined): ReputationSignal[] {
  const out: ReputationSignal[] = [];
  for (const e of events) {
    const type = e.eventType ?? e.notificationType;
    const base = { sentAt: e.mail.timestamp, campaignId: campaignOf(e.mail.messageId) };
    if (type === 'Bounce' && e.bounce?.bounceType === 'Permanent') for (const _ of e.bounce.bouncedRecipients.filter(counted)) out.push({ kind: 'bounce', ...base });
    if (type === 'Complaint' && e.complaint && e.complaint.complaintFeedbackType !== 'not-spam') for (const _ of e.complaint.complainedRecipients.filter(counted)) out.push({ kind: 'complaint', ...base });
  }
  return out;
}

/**
 * An operator's resume (`npm run cli -- resume`): ends an account or quota pause at once; a
 * reputation brake only with `overrideReputation`, which also makes the brake count afresh
 * from now (the current bucket's counts are the override's snapshot). Returns the pause that
 * was open, or `refused` when a reputation brake needs the override.
 */
export async function resumeSending(
  store: SendingStateStore,
  now: Date,
  options: { overrideReputation?: boolean; bucketMs?: number } = {},
): Promise<{ before?: SendingPause; refused?: string; overridden: boolean }> {
  const { pause } = await store.get();
  if (pause?.kind === 'reputation' && !options.overrideReputation) {
    return { before: pause, refused: 'the reputation brake is on: look at the bounces and complaints first, then resume with --override-reputation', overridden: false };
  }
  let override: ReputationOverride | undefined;
  if (options.overrideReputation) {
    const start = bucketStartOf(now.getTime(), options.bucketMs ?? BRAKE_DEFAULTS.bucketMs);
    const current = (await store.buckets(start, now.getTime())).find((b) => b.start === start);
    override = { at: now.toISOString(), bucketStart: start, snapshot: { sends: current?.sends ?? 0, bounces: current?.bounces ?? 0, complaints: current?.complaints ?? 0 } };
  }
  if (pause || override) await store.resume(now, override);
  return { before: pause, overridden: !!override };
}
