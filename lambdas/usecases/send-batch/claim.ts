/**
 * The claim: a recipient is sent only by the sender holding its (campaign, subscriber) entry in
 * the ledger. The first delivery of a batch claims everyone in one go where the ledger can
 * (`claimBatch`); whoever that did not claim takes the one-by-one path (`claimOne`), which tells
 * taken-over, in-flight and already-served apart.
 */
import type { Recipient } from '../../core/model';
import type { Clock } from '../../core/ports';
import { maskEmail } from '../../core/address';
import type { BatchClaim, BatchRun, SendLedger } from './types';

/** What claiming needs from `SendDeps`, with its defaults applied. */
export interface ClaimParts {
  ledger: SendLedger;
  clock: Clock;
  leaseMs: number;
  /** Longest wait for another sender's claim to go stale; 0: never wait. */
  maxLeaseWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Claim the whole batch in one conditional write where the ledger can. Returns who it claimed;
 * on an error, nobody: whether or not it was written, the one-by-one claims find out.
 */
export async function claimBatch(ledger: SendLedger, run: BatchRun, recipients: Recipient[], at: Date): Promise<Set<string>> {
  const ids = recipients.map((r) => r.subscriberId);
  if (!ledger.claimNew || ids.length === 0) return new Set();
  try {
    return await ledger.claimNew(run.campaignId, ids, at);
  } catch (e) {
    run.log('batch-claim-error', { campaignId: run.campaignId, recipients: ids.length, error: (e as Error).message });
    return new Set();
  }
}

/**
 * Claim one recipient: returns the claim's time, or undefined when this batch must not send to
 * them (already served: counted as skipped; held by another sender: handed back for a retry).
 */
export async function claimOne(parts: ClaimParts, run: BatchRun, batch: BatchClaim, r: Recipient): Promise<Date | undefined> {
  if (batch.claimed.has(r.subscriberId)) return batch.at;
  const { ledger, clock, leaseMs } = parts;
  const c = run.campaignId;
  let at = clock.now();
  let outcome = await ledger.claim(c, r.subscriberId, at, run.staleBefore());
  if (outcome === 'in-flight' && parts.maxLeaseWaitMs > 0) {
    // Another sender holds it. Wait for its lease to run out if that is soon; a live sender
    // records the send long before, a dead one never will.
    const held = await ledger.get(c, r.subscriberId);
    const waitMs = held?.status === 'claimed' ? Date.parse(held.claimedAt) + leaseMs - clock.now().getTime() + 1 : 0;
    if (held?.status === 'claimed' && waitMs <= parts.maxLeaseWaitMs) {
      if (waitMs > 0) await parts.sleep(waitMs);
      at = clock.now();
      outcome = await ledger.claim(c, r.subscriberId, at, run.staleBefore());
    } else if (held && held.status !== 'claimed') outcome = 'already-sent';
  }
  if (outcome === 'already-sent') run.result.skipped++;
  else if (outcome === 'in-flight') run.result.retry.push(r);
  else {
    if (outcome === 'reclaimed') {
      run.result.reclaimed++;
      run.log('claim-taken-over', { campaignId: c, to: maskEmail(r.email) });
    }
    return at;
  }
  return undefined;
}
