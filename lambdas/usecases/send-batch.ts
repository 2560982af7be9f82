/**
 * Send one queued batch: for each recipient, claim (campaign, subscriber) in the ledger with a
 * conditional write, compose the message, send it, record the SES message id.
 *
 * A redelivered or duplicated batch gives nobody a second copy: the claim of anyone already
 * served fails and that recipient is skipped. Recipients whose send may be retried (throttling,
 * a transient error) have their claim given back and are reported, so the caller can ask for
 * the batch again; the ledger makes that retry a no-op for everyone else.
 */
import { classifySendError } from '../core/send-errors';
import type { Recipient, SendJob } from '../core/model';
import type { Clock, Ledger, Mailer } from '../core/ports';
import { maskEmail } from '../core/address';

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

export interface SendDeps {
  ledger: Ledger;
  mailer: Mailer;
  clock: Clock;
  /** Loads and prepares the campaign a job belongs to (cached by the caller's adapter). */
  campaign(job: SendJob): Promise<PreparedCampaign>;
  /** Sends in flight at once within one batch. */
  concurrency?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface BatchResult {
  sent: number;
  /** Already served (or being served) by an earlier delivery of the same work. */
  skipped: number;
  /** Permanently failed; recorded in the ledger, never retried. */
  failed: number;
  /** To be retried by redelivering the batch. */
  retry: Recipient[];
}

export async function sendBatch(deps: SendDeps, job: SendJob): Promise<BatchResult> {
  const campaign = await deps.campaign(job);
  await campaign.prepareBatch?.(job.recipients);
  const result: BatchResult = { sent: 0, skipped: 0, failed: 0, retry: [] };
  const log = deps.log ?? (() => undefined);

  const one = async (r: Recipient) => {
    const claim = await deps.ledger.claim(job.campaignId, r.subscriberId, deps.clock.now());
    if (claim !== 'claimed') {
      result.skipped++;
      return;
    }
    let raw: Buffer;
    try {
      raw = campaign.compose(r, deps.clock.now());
    } catch (e) {
      // A message that cannot be built (for example an address that fails validation) will
      // not build on a retry either.
      await deps.ledger.markFailed(job.campaignId, r.subscriberId, `compose: ${(e as Error).message}`, deps.clock.now());
      result.failed++;
      log('compose-failed', { campaignId: job.campaignId, to: maskEmail(r.email), error: (e as Error).message });
      return;
    }
    let messageId: string;
    try {
      ({ messageId } = await deps.mailer.sendRaw({ raw, from: campaign.from, to: r.email }));
    } catch (e) {
      const kind = classifySendError(e);
      if (kind === 'permanent') {
        await deps.ledger.markFailed(job.campaignId, r.subscriberId, `${(e as Error).name}: ${(e as Error).message}`, deps.clock.now());
        result.failed++;
      } else {
        // Throttled or transient: SES did not take it. Give the claim back and retry later;
        // never count it as sent or failed.
        await deps.ledger.release(job.campaignId, r.subscriberId);
        result.retry.push(r);
      }
      log('send-error', { campaignId: job.campaignId, to: maskEmail(r.email), kind, error: (e as Error).name });
      return;
    }
    // The one window left: SES has the message but the ledger does not know yet. A crash here
    // leaves the claim as 'claimed', which later deliveries treat as served (no second copy).
    await deps.ledger.markSent(job.campaignId, r.subscriberId, messageId, deps.clock.now());
    result.sent++;
    await campaign.afterSent?.(r, deps.clock.now());
  };

  await forEachLimited(job.recipients, deps.concurrency ?? 8, one);
  return result;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
