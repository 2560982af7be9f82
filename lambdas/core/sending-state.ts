/**
 * The account-wide sending state that the circuit breaker (sending-brake.ts) and the reputation
 * brake (reputation.ts) share: the one pause, the reputation override, the hourly send buckets,
 * the store port that keeps them, and the settings of both brakes.
 *
 * Pure: the store is a port passed in.
 */
import { z } from 'zod';
import { BRAKE_ENV } from './function-env';

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

/** @throws Error naming each bad variable. */
export function readBrakeSettings(env: NodeJS.ProcessEnv = process.env): BrakeSettings {
  const out = { ...BRAKE_DEFAULTS };
  const problems: string[] = [];
  for (const [key, name] of Object.entries(BRAKE_ENV) as [keyof BrakeSettings, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const isRate = key === 'bounceRate' || key === 'complaintRate';
    const schema = isRate
      ? z.coerce.number().gt(0).lt(1)
      : key === 'cacheMs'
        ? z.coerce.number().int().min(0)
        : z.coerce.number().int().min(1);
    const parsed = schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${name} must be ${isRate ? 'a fraction between 0 and 1 (0.04 = 4 %)' : 'a whole number'}, got "${raw}"`);
  }
  if (out.backoffMaxMs > 900_000) problems.push(`${BRAKE_ENV.backoffMaxMs} must be at most 900000 (SQS's longest delay)`);
  if (problems.length) throw new Error(`Invalid sending brake settings:\n  ${problems.join('\n  ')}`);
  return out;
}

export const bucketStartOf = (t: number, bucketMs: number) => Math.floor(t / bucketMs) * bucketMs;

/** The per-campaign and account-wide view that `status` prints. */
export function describePause(p: SendingPause | undefined): string {
  if (!p) return 'sending: on';
  const probe = p.retryAt
    ? `; next probe ${p.retryAt}${p.step ? ` (after ${p.step} failed probe${p.step > 1 ? 's' : ''})` : ''}`
    : '; resume with `npm run cli -- resume --override-reputation`';
  return `sending: PAUSED (${p.kind}) since ${p.openedAt}: ${p.reason}${probe}`;
}
