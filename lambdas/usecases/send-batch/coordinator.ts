/**
 * Send one queued batch: check who may still be mailed while claiming (campaign, subscriber) in
 * the ledger with conditional writes (the whole batch in one transaction where the ledger can,
 * one by one otherwise), then for each recipient compose the message, wait for a send slot,
 * send it, record the SES message id. This file coordinates; the parts are the send pool
 * (pool.ts), the claim (claim.ts) and the delivery of one recipient (delivery.ts).
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
import type { Recipient, SendJob } from '../../core/model';
import type { Admission } from '../../core/sending-brake';
import { maskEmail } from '../../core/address';
import { sendPool } from './pool';
import { claimBatch, claimOne, type ClaimParts } from './claim';
import { deliver, type DeliveryParts, type PreparedBatch } from './delivery';
import { DEFAULT_DEADLINE_RESERVE_MS, DEFAULT_LEASE_MS, type BatchResult, type BatchRun, type SendDeps } from './types';

/** The campaign's reason when the quota stopped a batch and no breaker says more. */
const QUOTA_REASON = 'SES daily sending quota used up; resumes when there is room';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function sendBatch(deps: SendDeps, job: SendJob): Promise<BatchResult> {
  const result: BatchResult = {
    sent: 0,
    skipped: 0,
    failed: 0,
    suppressed: 0,
    throttled: 0,
    reclaimed: 0,
    retry: [],
    paused: false,
    outOfTime: false,
    accountRefused: 0,
  };
  const log = deps.log ?? (() => undefined);
  const sleep = deps.sleep ?? realSleep;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const c = job.campaignId;
  const pool = deps.pool ?? sendPool(deps.concurrency ?? 8);
  const priority = deps.priority ?? 0;
  const reserveMs = deps.deadlineReserveMs ?? DEFAULT_DEADLINE_RESERVE_MS;
  const run: BatchRun = {
    campaignId: c,
    result,
    log,
    outOfTime: () => (deps.remainingMs ? deps.remainingMs() < reserveMs : false),
    staleBefore: () => new Date(deps.clock.now().getTime() - leaseMs),
  };
  if (run.outOfTime()) {
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

  // The readers' extras, the send-time check and the batch claim are independent: all three at
  // once. Whoever the check turns away gives the batch's claim back before being recorded as
  // suppressed, and when the extras or the check fail, the whole claim goes back, so a
  // redelivery need not wait for its lease.
  const batchClaimedAt = deps.clock.now();
  const { allowed, batchClaimed } = await pool.preparing(async () => {
    const claiming = claimBatch(deps.ledger, run, job.recipients, batchClaimedAt);
    try {
      const [, allowed] = await Promise.all([campaign.prepareBatch?.(job.recipients), deps.gate?.allowed(job.recipients, job.kind)]);
      return { allowed, batchClaimed: await claiming };
    } catch (e) {
      for (const id of await claiming) await deps.ledger.release(c, id, batchClaimedAt);
      throw e;
    }
  }, priority);

  // The deps, grouped by the part that uses them.
  const claimParts: ClaimParts = { ledger: deps.ledger, clock: deps.clock, leaseMs, maxLeaseWaitMs: deps.maxLeaseWaitMs ?? 0, sleep };
  const deliveryParts: DeliveryParts = {
    ledger: deps.ledger,
    clock: deps.clock,
    mailer: deps.mailer,
    pool,
    priority,
    pacer: deps.pacer,
    allowance: deps.allowance,
    brake,
    throttleRetries: deps.throttleRetries ?? 5,
    sleep,
    random: deps.random ?? Math.random,
  };
  const batch = { claimed: batchClaimed, at: batchClaimedAt };
  const prepared: PreparedBatch = { campaign, allowed, batch, claim: (r) => claimOne(claimParts, run, batch, r) };

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
      await deliver(deliveryParts, run, prepared, r, answered, probeSend);
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
async function recordPause(deps: SendDeps, campaignId: string, result: BatchResult, log: BatchRun['log']): Promise<void> {
  if (!deps.counters) return;
  const reason =
    result.pause?.reason ?? (result.accountRefused > 0 ? 'SES refused sending for the account; waiting to try again' : QUOTA_REASON);
  try {
    await deps.counters.setState(campaignId, 'paused', deps.clock.now(), reason);
  } catch (e) {
    log('counters-error', { campaignId, error: (e as Error).message });
  }
}
