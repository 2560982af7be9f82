/**
 * The delivery of one recipient: the send-time check, the claim, compose, the daily allowance,
 * a send slot, the SES call with the pacer taken inside it as the request goes out (throttling
 * answers retried inside the slot), then the answer classified and recorded: `sent`, `failed`,
 * or the claim given back for a retry.
 *
 * The account-wide pause comes in at three places: before the claim and before each SES try
 * (a pause another send met stops this one), and after an account-level refusal or a used-up
 * quota (nobody marked `failed`: the claim goes back and the breaker is told). A probe send
 * (the batch holds the half-open breaker's probe) skips the pause checks; its answer settles
 * the probe: accepted closes the pause, a reader's own refusal or no answer is inconclusive.
 */
import { classifySendError, type SendErrorKind } from '../../core/send-errors';
import { backoffMs } from '../../core/pacing';
import type { Recipient } from '../../core/model';
import type { AllowedReader, Clock, GateAnswer, Mailer } from '../../core/ports';
import { maskAddresses, maskEmail } from '../../core/address';
import type { Refusal } from '../../core/sending-brake';
import type { SendPool } from './pool';
import type { BatchBrake, BatchClaim, BatchResult, BatchRun, PreparedCampaign, SendDeps, SendLedger } from './types';

/** What delivering needs from `SendDeps`, with its defaults applied. */
export interface DeliveryParts {
  ledger: SendLedger;
  clock: Clock;
  mailer: Mailer;
  pool: SendPool;
  /** This batch's place in the pool's queue. */
  priority: number;
  pacer: SendDeps['pacer'];
  allowance: SendDeps['allowance'];
  brake: BatchBrake | undefined;
  throttleRetries: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** What the coordinator prepared for this batch's deliveries. */
export interface PreparedBatch {
  campaign: PreparedCampaign;
  /** Who the send-time check let through; undefined when there is no check. */
  allowed: GateAnswer | undefined;
  /** The claims written in one go for the batch. */
  batch: BatchClaim;
  /** The one-by-one claim (claim.ts `claimOne`). */
  claim(r: Recipient): Promise<Date | undefined>;
}

/** Thrown by `beforeSend` to stop a send the wait made too late (the reason is kept aside). */
const NOT_SENT = Object.assign(new Error('send stopped before it went out'), { name: 'SendStopped' });

type SesOutcome = { messageId: string } | { error: Error; kind: SendErrorKind } | 'out-of-time' | 'paused';

/** True when this batch must stop: it met the pause, or (outside a probe send) the brake says paused. */
async function pausedNow(brake: BatchBrake | undefined, result: BatchResult, probeSend: boolean): Promise<boolean> {
  if (result.paused) return true;
  if (!brake || probeSend) return false;
  const pause = await brake.current();
  if (pause) {
    result.paused = true;
    result.pause = pause;
  }
  return !!pause;
}

/** An account-level refusal or the quota: this batch stops, and the breaker counts it. */
async function refused(brake: BatchBrake | undefined, result: BatchResult, refusal: Refusal): Promise<void> {
  result.paused = true;
  const pause = await brake?.refused(refusal);
  // Below the breaker's threshold the pause is not open yet, but this batch stops anyway:
  // the next answers would be the same.
  if (pause) result.pause = pause;
}

/**
 * The SES call with its throttling retries, inside one send slot: the ledger write after it
 * does not hold the slot, so the slots stay busy with SES while `sent` is stored.
 */
function callSes(parts: DeliveryParts, run: BatchRun, from: string, r: Recipient, raw: Buffer, probeSend: boolean): Promise<SesOutcome> {
  const { result } = run;
  return parts.pool.slots(async (): Promise<SesOutcome> => {
    for (let attempt = 0; ; attempt++) {
      // The rate is taken inside the mailer, once the request is built: SES counts a call when
      // it arrives, so the slot is taken as near to that as the mailer allows. The wait for it
      // may use up the time left, or another send may meet the pause meanwhile: then this one
      // does not go either, and `stopped` says why (an error of the pacer or the brake is
      // thrown on, as it was when the pacer was called here).
      let stopped: 'out-of-time' | 'paused' | { error: unknown } | undefined;
      const beforeSend = async () => {
        try {
          await parts.pacer?.take();
          if (run.outOfTime()) stopped = 'out-of-time';
          else if (!probeSend && (await pausedNow(parts.brake, result, false))) stopped = 'paused';
        } catch (error) {
          stopped = { error };
        }
        if (stopped) throw NOT_SENT;
      };
      try {
        return { messageId: (await parts.mailer.sendRaw({ raw, from, to: r.email, beforeSend })).messageId };
      } catch (e) {
        if (stopped) {
          if (typeof stopped === 'object') throw stopped.error;
          return stopped;
        }
        const kind = classifySendError(e);
        if (kind === 'throttled' && attempt < parts.throttleRetries) {
          // SES did not take it. Wait (exponential, full jitter) and try again while holding
          // the claim, unless the time left is too short for another try.
          result.throttled++;
          if (run.outOfTime()) return 'out-of-time';
          await parts.sleep(backoffMs(attempt + 1, parts.random));
          continue;
        }
        // Stop this batch's next send at once, before the claim is even given back.
        if (kind === 'account' || kind === 'daily-quota') result.paused = true;
        run.log('send-error', { campaignId: run.campaignId, to: maskEmail(r.email), kind, error: (e as Error).name, attempt });
        return { error: e as Error, kind };
      }
    }
  }, parts.priority);
}

/**
 * Deliver to one recipient. `answered` is called as soon as SES has answered and the `sent`
 * write is on its way (the coordinator's count of unanswered sends).
 */
export async function deliver(
  parts: DeliveryParts,
  run: BatchRun,
  prepared: PreparedBatch,
  r: Recipient,
  answered: () => void,
  probeSend: boolean,
): Promise<void> {
  const { ledger, clock, brake } = parts;
  const { result, campaignId: c } = run;
  const { campaign, allowed, batch } = prepared;
  if (allowed && !allowed.has(r.subscriberId)) {
    if (batch.claimed.has(r.subscriberId)) await ledger.release(c, r.subscriberId, batch.at);
    const recorded = ledger.markSuppressed ? await ledger.markSuppressed(c, r.subscriberId, clock.now(), run.staleBefore()) : true;
    if (recorded) result.suppressed++;
    else result.skipped++;
    return;
  }
  if ((await pausedNow(brake, result, probeSend)) || run.outOfTime()) {
    // Stopped by the pause or the deadline: hand back this batch's claim, if it holds one,
    // untouched.
    if (!result.paused) result.outOfTime = true;
    if (batch.claimed.has(r.subscriberId)) await ledger.release(c, r.subscriberId, batch.at);
    result.retry.push(r);
    return;
  }
  const claimedAt = await prepared.claim(r);
  if (!claimedAt) return;
  const reader = withReader(r, allowed);
  let raw: Buffer;
  try {
    raw = campaign.compose(reader, clock.now());
  } catch (e) {
    // A message that cannot be built (for example an address that fails validation) will
    // not build on a retry either.
    await ledger.markFailed(c, r.subscriberId, `compose: ${(e as Error).message}`, clock.now());
    result.failed++;
    run.log('compose-failed', { campaignId: c, to: maskEmail(r.email), error: (e as Error).message });
    return;
  }
  if (parts.allowance && !(await parts.allowance.take())) {
    // The daily quota is used up: stop before SES refuses, and come back when there is room.
    await ledger.release(c, r.subscriberId, claimedAt);
    result.retry.push(r);
    await refused(brake, result, { kind: 'quota', code: 'DailyQuotaUsedUp', message: 'GetSendQuota: no room left in the 24-hour quota' });
    return;
  }
  const sent = await callSes(parts, run, campaign.from, reader, raw, probeSend);
  // Taken from the daily allowance above: SES has answered now (or it never went).
  parts.allowance?.settle?.();
  if (sent === 'paused') {
    await ledger.release(c, r.subscriberId, claimedAt);
    result.retry.push(r);
    return;
  }
  if (sent === 'out-of-time') {
    if (probeSend) await brake?.inconclusive();
    result.outOfTime = true;
    await ledger.release(c, r.subscriberId, claimedAt);
    result.retry.push(r);
    return;
  }
  if (!('messageId' in sent)) {
    const { error, kind } = sent;
    if (kind === 'permanent') {
      await ledger.markFailed(c, r.subscriberId, `${error.name}: ${error.message}`, clock.now());
      result.failed++;
      // A reader's own refusal says nothing of the account: the probe was inconclusive.
      if (probeSend) await brake?.inconclusive();
    } else if (kind === 'unknown') {
      // No answer in time: SES may have taken it. The claim stays, so no pass sends it again
      // until the claim's lease has run out (then a second copy is possible, never at once).
      result.retry.push(r);
      if (probeSend) await brake?.inconclusive();
    } else {
      if (kind === 'throttled') result.throttled++;
      // SES did not take it (throttled too long, 5xx, quota, the account refused):
      // give the claim back and let a redelivery retry. Never counted as sent or failed.
      await ledger.release(c, r.subscriberId, claimedAt);
      result.retry.push(r);
      if (kind === 'account') {
        result.accountRefused++;
        // SES's message may name a reader it refused (in the sandbox, an unverified recipient):
        // the pause is stored and shown, so every address but the sender's own is masked.
        await refused(brake, result, { kind: 'account', code: error.name, message: maskAddresses(error.message, [campaign.from]) });
      } else if (kind === 'daily-quota')
        await refused(brake, result, { kind: 'quota', code: error.name, message: maskAddresses(error.message, [campaign.from]) });
      else if (probeSend) await brake?.inconclusive();
    }
    return;
  }
  if (brake?.isProbing) await brake.accepted();
  const { messageId } = sent;
  // The one window left: SES has the message but the ledger does not know yet. A crash here
  // leaves the claim, which is taken over once its lease runs out: a second copy.
  const recorded = ledger.markSent(c, r.subscriberId, messageId, clock.now(), claimedAt);
  answered();
  await recorded;
  result.sent++;
  await campaign.afterSent?.(r, clock.now());
}

/** The gate's answer as what it read of each reader, when it answered with a map. */
function readersOf(allowed: GateAnswer | undefined): ReadonlyMap<string, AllowedReader> | undefined {
  return allowed instanceof Map ? (allowed as ReadonlyMap<string, AllowedReader>) : undefined;
}

/**
 * The recipient as the mail needs it, from what the send-time check read: when they subscribed
 * (the reason line names the day), the address as they typed it (the queue carries the key
 * form) and the version of their links. Without the check (no Subscribers table), as queued.
 */
function withReader(r: Recipient, allowed: PreparedBatch['allowed']): Recipient {
  const read = readersOf(allowed)?.get(r.subscriberId);
  if (!read) return r;
  return {
    ...r,
    ...(read.subscribedAt ? { subscribedAt: read.subscribedAt } : {}),
    ...(read.address ? { email: read.address } : {}),
    ...(read.linkVersion ? { linkVersion: read.linkVersion } : {}),
  };
}
