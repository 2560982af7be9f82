/**
 * The reputation brake (SES events): the bounce and complaint rates over the last N sends (and
 * per campaign) above thresholds set below SES's review levels pause every send until an
 * operator resumes with an override (`resumeSending`). There is no probe: sending more is what
 * hurts. The pause it opens is the one the circuit breaker (sending-brake.ts) keeps.
 *
 * Pure: the store and the clock are ports passed in.
 */
import { TRANSACTIONAL_TAG } from './model';
import { isSimulatorAddress } from './simulator';
import {
  BRAKE_DEFAULTS,
  bucketStartOf,
  type BrakeSettings,
  type Bucket,
  type BucketCounts,
  type ReputationOverride,
  type SendingPause,
  type SendingStateStore,
} from './sending-state';

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
export function reputationVerdict(
  c: BucketCounts,
  s: Pick<BrakeSettings, 'minSample' | 'minEvents' | 'bounceRate' | 'complaintRate'>,
  scope: string,
): string | undefined {
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
  mail: { messageId: string; timestamp?: string; tags?: Record<string, string[] | undefined> };
  bounce?: { bounceType: string; bouncedRecipients: { emailAddress?: string }[] };
  complaint?: { complainedRecipients: { emailAddress?: string }[]; complaintFeedbackType?: string };
}

/**
 * SES leaves its mailbox simulator out of the account's rates; so does the brake (a smoke run's
 * bounce and complaint are meant to happen).
 */
const counted = (r: { emailAddress?: string }) => !(r.emailAddress && isSimulatorAddress(r.emailAddress));

/**
 * A confirmation's or a welcome's event (tagged `kind=transactional`, core/mime): left out of the
 * brake, as its sends are left out of the send counts. Anyone can sign up an address and mark its
 * confirmation as spam: counted, two strangers could pause every send. SES's own rates (and the
 * BounceRate and ComplaintRate alarms on them) still include them.
 */
const transactional = (e: EventLike) => e.mail.tags?.[TRANSACTIONAL_TAG.name]?.includes(TRANSACTIONAL_TAG.value) === true;

/** The signals in SES events: one per hard-bounced or complaining recipient of a campaign (digest, alert). */
export function reputationSignals(events: EventLike[], campaignOf: (messageId: string) => string | undefined): ReputationSignal[] {
  const out: ReputationSignal[] = [];
  for (const e of events) {
    if (transactional(e)) continue;
    const type = e.eventType ?? e.notificationType;
    const base = { sentAt: e.mail.timestamp, campaignId: campaignOf(e.mail.messageId) };
    if (type === 'Bounce' && e.bounce?.bounceType === 'Permanent')
      for (const _ of e.bounce.bouncedRecipients.filter(counted)) out.push({ kind: 'bounce', ...base });
    if (type === 'Complaint' && e.complaint && e.complaint.complaintFeedbackType !== 'not-spam')
      for (const _ of e.complaint.complainedRecipients.filter(counted)) out.push({ kind: 'complaint', ...base });
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
  store: Pick<SendingStateStore, 'get' | 'buckets' | 'resume'>,
  now: Date,
  options: { overrideReputation?: boolean; bucketMs?: number } = {},
): Promise<{ before?: SendingPause; refused?: string; overridden: boolean }> {
  const { pause } = await store.get();
  if (pause?.kind === 'reputation' && !options.overrideReputation) {
    return {
      before: pause,
      refused: 'the reputation brake is on: look at the bounces and complaints first, then resume with --override-reputation',
      overridden: false,
    };
  }
  let override: ReputationOverride | undefined;
  if (options.overrideReputation) {
    const start = bucketStartOf(now.getTime(), options.bucketMs ?? BRAKE_DEFAULTS.bucketMs);
    const current = (await store.buckets(start, now.getTime())).find((b) => b.start === start);
    override = {
      at: now.toISOString(),
      bucketStart: start,
      snapshot: { sends: current?.sends ?? 0, bounces: current?.bounces ?? 0, complaints: current?.complaints ?? 0 },
    };
  }
  if (pause || override) await store.resume(now, override);
  return { before: pause, overridden: !!override };
}
