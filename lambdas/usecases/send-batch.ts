/**
 * Send one queued batch: check who may still be mailed while claiming (campaign, subscriber) in
 * the ledger with conditional writes (the whole batch in one transaction where the ledger can,
 * one by one otherwise), then for each recipient compose the message, wait for a send slot,
 * send it, record the SES message id.
 *
 * Ledger states and what each step does with them (docs/send-engine.md has the full table):
 *
 *   (none) ──claim──► claimed ──SES accepted──► sent
 *                        │ ──SES refused for good──► failed
 *                        │ ──throttled / transient──► (claim given back: none)
 *   (none) ──unsubscribed or suppressed since planning──► suppressed
 *   claimed, older than the lease ──claim──► claimed again (its holder died)
 *
 * A claim younger than the lease belongs to a live sender (or one that just died): this batch
 * waits for the lease to run out when that is soon, else hands the recipient back for a later
 * redelivery. The lease is longer than a sender can live (the function timeout), so only a
 * dead sender's claim is ever taken over. The one duplicate left is a sender that died after
 * SES accepted the message and before `sent` was written: its claim is taken over and sent
 * again. That window is measured by the fault tests, not hidden.
 *
 * Send slots (`concurrency`, 8 by default) bound the SES calls in flight. A slot is freed when
 * SES answers, so the `sent` write (which the ledger may group with others) does not hold it;
 * a recipient is admitted only while fewer than twice the slots are between their claim and
 * their `sent` record, so a crash can leave at most that many accepted messages unrecorded.
 * The batches of one invocation share one pool of slots and admissions (`SendPool`): the next
 * batch checks and claims its recipients while the one before it finishes, and the pool serves
 * the earlier batch first. When no SES call of the pool is left unanswered, the ledger is told
 * to write the `sent` records it holds back at once: none is coming to share their write.
 *
 * Out of time: with a deadline (`remainingMs`), no send starts when less than the reserve is
 * left. The recipients not yet sent are handed back (their claims released) and the result says
 * `outOfTime`, so the caller can queue them again at once instead of letting the invocation be
 * stopped mid-send.
 *
 * Paused (`brake`, core/sending-brake.ts): a batch that finds the account-wide pause claims
 * nobody and hands everyone back (`paused`, with the pause); a pause found mid-batch stops the
 * sends not yet started. An account-level refusal (sandbox, identity not verified, sending
 * paused, …) or a used-up quota marks nobody `failed`: the claim is given back and the breaker
 * told, which opens after a few such answers. When the batch holds the probe, its recipients
 * go one at a time until one SES answer settles it: accepted closes the pause for everyone.
 */
import { limiter, type Limiter } from '../core/concurrency';
import { classifySendError } from '../core/send-errors';
import { backoffMs } from '../core/pacing';
import type { Recipient, SendJob } from '../core/model';
import type { CampaignCounters, Clock, Ledger, Mailer, RecipientGate, SuppressionLedger } from '../core/ports';
import type { Counters } from '../core/campaign-status';
import { maskEmail } from '../core/address';
import type { Admission, Refusal, SendingPause } from '../core/sending-brake';

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
      async add(c, delta, at) {
        const sum = pending.get(c) ?? { delta: {}, at };
        for (const [k, v] of Object.entries(delta) as [keyof Counters, number | undefined][]) {
          if (typeof v === 'number') sum.delta[k] = (sum.delta[k] ?? 0) + v;
        }
        if (at > sum.at) sum.at = at;
        pending.set(c, sum);
      },
    },
    async flush() {
      const all = [...pending];
      pending.clear();
      await Promise.all(all.map(([c, { delta, at }]) => counters.add(c, delta, at)));
    },
  };
}

/** Default time kept in hand when a deadline is set: no send starts with less left. */
export const DEFAULT_DEADLINE_RESERVE_MS = 10_000;

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

/** The campaign's reason when the quota stopped a batch and no breaker says more. */
const QUOTA_REASON = 'SES daily sending quota used up; resumes when there is room';

export interface SendDeps {
  ledger: Ledger & Partial<SuppressionLedger>;
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
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Send-time check: recipients who left or were suppressed since planning are not mailed. */
  gate?: RecipientGate;
  /** Per-campaign counters, added to once per batch (the sender handler sums an invocation's batches: {@link invocationCounters}). */
  counters?: CampaignCounters;
  /** Waits for this sender's next send slot (the rate limit). */
  pacer?: { take(): Promise<void> };
  /** The SES daily quota: false when it is used up. */
  allowance?: { take(): Promise<boolean>; settle?(): void };
  /** The account-wide pause (circuit breaker, quota pause, reputation brake). @default none: account-level refusals only hand the job back */
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

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function sendBatch(deps: SendDeps, job: SendJob): Promise<BatchResult> {
  const result: BatchResult = { sent: 0, skipped: 0, failed: 0, suppressed: 0, throttled: 0, reclaimed: 0, retry: [], paused: false, outOfTime: false, accountRefused: 0 };
  const log = deps.log ?? (() => undefined);
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const throttleRetries = deps.throttleRetries ?? 5;
  const c = job.campaignId;
  const concurrency = deps.concurrency ?? 8;
  const pool = deps.pool ?? sendPool(concurrency);
  const priority = deps.priority ?? 0;
  const reserveMs = deps.deadlineReserveMs ?? DEFAULT_DEADLINE_RESERVE_MS;
  const outOfTime = () => (deps.remainingMs ? deps.remainingMs() < reserveMs : false);
  const staleBefore = () => new Date(deps.clock.now().getTime() - leaseMs);
  if (outOfTime()) {
    // Too late to start: nothing checked, claimed or counted; all of it goes back.
    result.outOfTime = true;
    result.retry.push(...job.recipients);
    return result;
  }
  const brake = deps.brake;
  const admission = brake ? await brake.admit() : ({ state: 'go' } as Admission);
  if (admission.state === 'paused') {
    // Sending is paused account-wide: nothing checked or claimed; the whole job waits.
    result.paused = true;
    result.pause = admission.pause;
    result.retry.push(...job.recipients);
    await recordPause(deps, c, result, log);
    return result;
  }
  const campaign = await deps.campaign(job);

  // The first delivery of a batch finds no entries: claim them all in one go where the ledger
  // can. Whoever that did not claim takes the one-by-one path below, which tells taken-over,
  // in-flight and already-served apart.
  const batchClaimedAt = deps.clock.now();
  const claimBatch = async (): Promise<Set<string>> => {
    const ids = job.recipients.map((r) => r.subscriberId);
    if (!deps.ledger.claimNew || ids.length === 0) return new Set();
    try {
      return await deps.ledger.claimNew(c, ids, batchClaimedAt);
    } catch (e) {
      // Whether or not it was written, the one-by-one claims find out.
      log('batch-claim-error', { campaignId: c, recipients: ids.length, error: (e as Error).message });
      return new Set();
    }
  };
  // The readers' extras, the send-time check and the batch claim are independent: all three at
  // once. Whoever the check turns away gives the batch's claim back before being recorded as
  // suppressed, and when the extras or the check fail, the whole claim goes back, so a
  // redelivery need not wait for its lease.
  const { allowed, batchClaimed } = await pool.preparing(async () => {
    const claiming = claimBatch();
    try {
      const [, allowed] = await Promise.all([campaign.prepareBatch?.(job.recipients), deps.gate?.allowed(job.recipients, job.kind)]);
      return { allowed, batchClaimed: await claiming };
    } catch (e) {
      for (const id of await claiming) await deps.ledger.release(c, id, batchClaimedAt);
      throw e;
    }
  }, priority);

  const claim = async (r: Recipient): Promise<Date | undefined> => {
    if (batchClaimed.has(r.subscriberId)) return batchClaimedAt;
    let at = deps.clock.now();
    let outcome = await deps.ledger.claim(c, r.subscriberId, at, staleBefore());
    if (outcome === 'in-flight' && (deps.maxLeaseWaitMs ?? 0) > 0) {
      // Another sender holds it. Wait for its lease to run out if that is soon; a live sender
      // records the send long before, a dead one never will.
      const held = await deps.ledger.get(c, r.subscriberId);
      const waitMs = held?.status === 'claimed' ? Date.parse(held.claimedAt) + leaseMs - deps.clock.now().getTime() + 1 : 0;
      if (held?.status === 'claimed' && waitMs <= deps.maxLeaseWaitMs!) {
        if (waitMs > 0) await sleep(waitMs);
        at = deps.clock.now();
        outcome = await deps.ledger.claim(c, r.subscriberId, at, staleBefore());
      } else if (held && held.status !== 'claimed') outcome = 'already-sent';
    }
    if (outcome === 'already-sent') result.skipped++;
    else if (outcome === 'in-flight') result.retry.push(r);
    else {
      if (outcome === 'reclaimed') {
        result.reclaimed++;
        log('claim-taken-over', { campaignId: c, to: maskEmail(r.email) });
      }
      return at;
    }
    return undefined;
  };

  const pausedNow = async (probeSend: boolean): Promise<boolean> => {
    if (result.paused) return true;
    if (!brake || probeSend) return false;
    const pause = await brake.current();
    if (pause) {
      result.paused = true;
      result.pause = pause;
    }
    return !!pause;
  };
  const refused = async (refusal: Refusal) => {
    result.paused = true;
    const pause = await brake?.refused(refusal);
    // Below the breaker's threshold the pause is not open yet, but this batch stops anyway:
    // the next answers would be the same.
    if (pause) result.pause = pause;
  };

  const one = async (r: Recipient, answered: () => void, probeSend: boolean) => {
    if (allowed && !allowed.has(r.subscriberId)) {
      if (batchClaimed.has(r.subscriberId)) await deps.ledger.release(c, r.subscriberId, batchClaimedAt);
      const recorded = deps.ledger.markSuppressed ? await deps.ledger.markSuppressed(c, r.subscriberId, deps.clock.now(), staleBefore()) : true;
      if (recorded) result.suppressed++;
      else result.skipped++;
      return;
    }
    if ((await pausedNow(probeSend)) || outOfTime()) {
      // Stopped by the pause or the deadline: hand back this batch's claim, if it holds one,
      // untouched.
      if (!result.paused) result.outOfTime = true;
      if (batchClaimed.has(r.subscriberId)) await deps.ledger.release(c, r.subscriberId, batchClaimedAt);
      result.retry.push(r);
      return;
    }
    const claimedAt = await claim(r);
    if (!claimedAt) return;
    let raw: Buffer;
    try {
      raw = campaign.compose(r, deps.clock.now());
    } catch (e) {
      // A message that cannot be built (for example an address that fails validation) will
      // not build on a retry either.
      await deps.ledger.markFailed(c, r.subscriberId, `compose: ${(e as Error).message}`, deps.clock.now());
      result.failed++;
      log('compose-failed', { campaignId: c, to: maskEmail(r.email), error: (e as Error).message });
      return;
    }
    if (deps.allowance && !(await deps.allowance.take())) {
      // The daily quota is used up: stop before SES refuses, and come back when there is room.
      await deps.ledger.release(c, r.subscriberId, claimedAt);
      result.retry.push(r);
      await refused({ kind: 'quota', code: 'DailyQuotaUsedUp', message: 'GetSendQuota: no room left in the 24-hour quota' });
      return;
    }
    // The SES call (with its throttling retries) holds one of the sender's send slots; the
    // ledger write after it does not, so the slots stay busy with SES while `sent` is stored.
    type Outcome = { messageId: string } | { error: Error; kind: ReturnType<typeof classifySendError> } | 'out-of-time' | 'paused';
    const sent = await pool.slots(async (): Promise<Outcome> => {
      for (let attempt = 0; ; attempt++) {
        await deps.pacer?.take();
        // The wait for a slot (or the rate) may have used up the time left, or another send
        // may have met the pause meanwhile: then this one does not go either.
        if (outOfTime()) return 'out-of-time';
        if (!probeSend && (await pausedNow(false))) return 'paused';
        try {
          return { messageId: (await deps.mailer.sendRaw({ raw, from: campaign.from, to: r.email })).messageId };
        } catch (e) {
          const kind = classifySendError(e);
          if (kind === 'throttled' && attempt < throttleRetries) {
            // SES did not take it. Wait (exponential, full jitter) and try again while holding
            // the claim, unless the time left is too short for another try.
            result.throttled++;
            if (outOfTime()) return 'out-of-time';
            await sleep(backoffMs(attempt + 1, random));
            continue;
          }
          // Stop this batch's next send at once, before the claim is even given back.
          if (kind === 'account' || kind === 'daily-quota') result.paused = true;
          log('send-error', { campaignId: c, to: maskEmail(r.email), kind, error: (e as Error).name, attempt });
          return { error: e as Error, kind };
        }
      }
    }, priority);
    // Taken from the daily allowance above: SES has answered now (or it never went).
    deps.allowance?.settle?.();
    if (sent === 'paused') {
      await deps.ledger.release(c, r.subscriberId, claimedAt);
      result.retry.push(r);
      return;
    }
    if (sent === 'out-of-time') {
      if (probeSend) await brake?.inconclusive();
      result.outOfTime = true;
      await deps.ledger.release(c, r.subscriberId, claimedAt);
      result.retry.push(r);
      return;
    }
    if (!('messageId' in sent)) {
      const { error, kind } = sent;
      if (kind === 'permanent') {
        await deps.ledger.markFailed(c, r.subscriberId, `${error.name}: ${error.message}`, deps.clock.now());
        result.failed++;
        // A reader's own refusal says nothing of the account: the probe was inconclusive.
        if (probeSend) await brake?.inconclusive();
      } else {
        if (kind === 'throttled') result.throttled++;
        // SES did not take it (throttled too long, 5xx, timeout, quota, the account refused):
        // give the claim back and let a redelivery retry. Never counted as sent or failed.
        await deps.ledger.release(c, r.subscriberId, claimedAt);
        result.retry.push(r);
        if (kind === 'account') {
          result.accountRefused++;
          await refused({ kind: 'account', code: error.name, message: error.message });
        } else if (kind === 'daily-quota') await refused({ kind: 'quota', code: error.name, message: error.message });
        else if (probeSend) await brake?.inconclusive();
      }
      return;
    }
    if (brake?.isProbing) await brake.accepted();
    const { messageId } = sent;
    // The one window left: SES has the message but the ledger does not know yet. A crash here
    // leaves the claim, which is taken over once its lease runs out: a second copy.
    const recorded = deps.ledger.markSent(c, r.subscriberId, messageId, deps.clock.now(), claimedAt);
    answered();
    await recorded;
    result.sent++;
    await campaign.afterSent?.(r, deps.clock.now());
  };

  const guarded = async (r: Recipient, probeSend = false) => {
    pool.unanswered++;
    let done = false;
    const answered = () => {
      if (done) return;
      done = true;
      // Nobody of this invocation is before or in an SES call, so no `sent` record will come
      // to share a write with those the ledger holds back: write them now, not after the
      // linger (the end of an invocation, or every admission waiting on `sent` records).
      if (--pool.unanswered === 0) deps.ledger.flush?.();
    };
    try {
      await one(r, answered, probeSend);
    } catch (e) {
      // A store failing mid-way (or a crash injected there): whatever state the ledger holds,
      // a redelivery finds it and carries on from there.
      log('recipient-error', { campaignId: c, to: maskEmail(r.email), error: (e as Error).message });
      result.retry.push(r);
    } finally {
      answered();
    }
  };

  // A recipient holds an admission from its claim to its `sent` record: SES calls in flight
  // plus messages SES accepted that the ledger does not know of yet never exceed twice the
  // send slots, which bounds what a crash can duplicate. All of the batch queue for it at
  // once, so the pool can serve an earlier batch's recipients before a later one's.
  const rest = [...job.recipients];
  if (admission.state === 'probe') {
    // Half-open: one SES answer decides for everyone. Recipients go one at a time until one
    // reaches SES (those already served or turned away do not tell).
    while (rest.length > 0 && brake!.isProbing) {
      const r = rest.shift()!;
      await pool.admission(() => guarded(r, true), priority);
    }
    if (brake!.isProbing) await brake!.inconclusive();
  }
  await Promise.all(rest.map((r) => pool.admission(() => guarded(r), priority)));

  if (deps.counters) {
    const now = deps.clock.now();
    try {
      const { sent, skipped, failed, suppressed, throttled, reclaimed } = result;
      await deps.counters.add(c, { sent, skipped, failed, suppressed, throttled, reclaimed }, now);
    } catch (e) {
      // Counters show progress; the ledger is the truth. A lost add must not resend a batch.
      log('counters-error', { campaignId: c, error: (e as Error).message });
    }
  }
  if (result.paused) await recordPause(deps, c, result, log);
  return result;
}

/** Show the campaign as paused, with the pause's reason (best effort: the ledger is the truth). */
async function recordPause(deps: SendDeps, campaignId: string, result: BatchResult, log: (event: string, fields: Record<string, unknown>) => void): Promise<void> {
  if (!deps.counters) return;
  const reason = result.pause?.reason ?? (result.accountRefused > 0 ? 'SES refused sending for the account; waiting to try again' : QUOTA_REASON);
  try {
    await deps.counters.setState(campaignId, 'paused', deps.clock.now(), reason);
  } catch (e) {
    log('counters-error', { campaignId, error: (e as Error).message });
  }
}
