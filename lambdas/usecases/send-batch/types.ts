/**
 * The public shape of a batch send (`SendDeps` in, `BatchResult` out) and what the parts of one
 * batch share while it runs (`BatchRun`, `BatchClaim`).
 */
import type { Recipient, SendJob } from '../../core/model';
import type { CampaignCounters, Clock, Ledger, Mailer, RecipientGate, SuppressionLedger } from '../../core/ports';
import type { Admission, Refusal } from '../../core/sending-brake';
import type { SendingPause } from '../../core/sending-state';
import type { SendPool } from './pool';
import { LAMBDA_SDK_CALL_MAX_MS, LAMBDA_SES_CALL_MAX_MS } from '../../core/deadlines';

/** A campaign ready to send: everything per issue is done; compose() does the per-recipient part. */
export interface PreparedCampaign {
  campaignId: string;
  /** Envelope sender (bare address). */
  from: string;
  compose(recipient: Recipient, now: Date): Buffer;
  /** Optional: load what compose() needs per reader for this batch (e.g. their alert history). */
  prepareBatch?(recipients: Recipient[]): Promise<void>;
  /** Optional: after a reader's message was accepted (e.g. mark their held-back alerts as delivered). */
  afterSent?(recipient: Recipient, now: Date): Promise<void>;
}

/**
 * Default time kept in hand when a deadline is set: no send starts with less left. Enough for the
 * SES call (one attempt) and the ledger write after it, each to its deadline, so a send SES took
 * is always recorded before the function's timeout.
 */
export const DEFAULT_DEADLINE_RESERVE_MS = LAMBDA_SES_CALL_MAX_MS + LAMBDA_SDK_CALL_MAX_MS;

/** Default claim lease: twice the sender's default timeout (60 s), so a live sender's claim is never taken. */
export const DEFAULT_LEASE_MS = 120_000;

/** The account-wide pause as a batch uses it (core/sending-brake.ts `SendingBrake`). */
export interface BatchBrake {
  admit(): Promise<Admission>;
  current(): Promise<SendingPause | undefined>;
  readonly isProbing: boolean;
  accepted(): Promise<void>;
  inconclusive(): Promise<void>;
  refused(r: Refusal): Promise<SendingPause | undefined>;
}

export type SendLog = (event: string, fields: Record<string, unknown>) => void;

export type SendLedger = Ledger & Partial<SuppressionLedger>;

export interface SendDeps {
  ledger: SendLedger;
  mailer: Mailer;
  clock: Clock;
  /** Loads and prepares the campaign a job belongs to (cached by the caller's adapter). */
  campaign(job: SendJob): Promise<PreparedCampaign>;
  /** SES calls in flight at once (the send slots). @default 8 */
  concurrency?: number;
  /** Slots and admissions shared with other batches of the same invocation. @default a pool of `concurrency` for this batch */
  pool?: SendPool;
  /** This batch's place in the pool's queue: lower is served first. @default 0 */
  priority?: number;
  /** Milliseconds left before the invocation is stopped (Lambda's `getRemainingTimeInMillis`). @default no deadline */
  remainingMs?: () => number;
  /** No send starts with less than this left. @default DEFAULT_DEADLINE_RESERVE_MS */
  deadlineReserveMs?: number;
  log?: SendLog;
  /** Send-time check: recipients who left or were suppressed since planning are not mailed. */
  gate?: RecipientGate;
  /** Per-campaign counters, added to once per batch (the sender handler sums an invocation's batches: {@link invocationCounters}). */
  counters?: CampaignCounters;
  /** Waits for this sender's next send slot (the rate limit). */
  pacer?: { take(): Promise<void> };
  /** The SES daily quota: false when it is used up. */
  allowance?: { take(): Promise<boolean>; settle?(): void };
  /**
   * The account-wide pause (circuit breaker, quota pause, reputation brake). @default none:
   * account-level refusals only hand the job back
   */
  brake?: BatchBrake;
  /** A claim older than this belongs to a dead sender and may be taken over. @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** Longest wait for another sender's claim to go stale before handing the recipient back. @default 0 */
  maxLeaseWaitMs?: number;
  /** Throttled sends retried inside this batch (with backoff and jitter) before the job is handed back. @default 5 */
  throttleRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BatchResult {
  sent: number;
  /** Already served by an earlier delivery of the same work. */
  skipped: number;
  /** Permanently failed; recorded in the ledger, never retried. */
  failed: number;
  /** Unsubscribed, no longer wanting the digest, or suppressed since planning; recorded, not mailed. */
  suppressed: number;
  /** Throttling answers seen (each retried; none counted as sent or failed). */
  throttled: number;
  /** Stale claims of dead senders taken over. */
  reclaimed: number;
  /** To be retried by redelivering the batch. */
  retry: Recipient[];
  /** True when the account-wide pause (or the SES daily quota) stopped this batch: `retry` holds who was not sent. */
  paused: boolean;
  /** The pause that stopped it, when the brake knows it. */
  pause?: SendingPause;
  /** Account-level refusals SES answered (nobody marked failed for them). */
  accountRefused: number;
  /** True when the deadline stopped this batch: `retry` holds who was not sent, to queue again now. */
  outOfTime: boolean;
}

/** One batch under way: what the claim, the delivery and the coordinator all use. */
export interface BatchRun {
  campaignId: string;
  /** Filled in as the batch goes; returned by `sendBatch`. */
  result: BatchResult;
  log: SendLog;
  /** True when the deadline's reserve is reached: no send starts any more. */
  outOfTime(): boolean;
  /** Claims older than this belong to dead senders. */
  staleBefore(): Date;
}

/** The claims this batch wrote in one go, all at one time (released with that time). */
export interface BatchClaim {
  claimed: Set<string>;
  at: Date;
}
