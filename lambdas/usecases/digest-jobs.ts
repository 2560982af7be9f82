/**
 * The digest planners' way onto the send queue (plan-digest.ts, plan-local-time.ts): readers
 * gathered into jobs of {@link SEND_BATCH_SIZE}, one subject a job (a subject test's variant, or
 * the issue's own), written ten jobs a call (one SQS SendMessageBatch) with the campaign's
 * `queued` counter raised as they go. Memory stays at a few jobs whatever the audience.
 */
import { SEND_BATCH_SIZE, type Recipient, type SendJob } from '../core/model';
import type { CampaignCounters, Clock, SendQueue } from '../core/ports';
import type { Variant } from '../core/subject-test';

/** Jobs held before a queue write: one SQS SendMessageBatch call takes ten. */
const FLUSH_JOBS = 10;

export function digestJobs(deps: { queue: SendQueue; counters?: CampaignCounters; clock: Clock }, issueId: string) {
  let batches = 0;
  let pending: SendJob[] = [];
  // Readers waiting for a full job, by the subject they get ('': the issue's own).
  const current = new Map<Variant | '', Recipient[]>();

  const write = async (force: boolean) => {
    for (const [variant, list] of current) {
      if (list.length >= SEND_BATCH_SIZE || (force && list.length > 0)) {
        pending.push({ campaignId: issueId, kind: 'digest', recipients: list, ...(variant ? { variant } : {}) });
        current.delete(variant);
      }
    }
    if (pending.length >= FLUSH_JOBS || (force && pending.length > 0)) {
      await deps.queue.enqueue(pending);
      batches += pending.length;
      await deps.counters?.add(issueId, { queued: pending.reduce((n, j) => n + j.recipients.length, 0) }, deps.clock.now());
      pending = [];
    }
  };

  return {
    /** Add a reader; full jobs go out once ten are ready. */
    async add(r: Recipient, variant: Variant | '' = ''): Promise<void> {
      const list = current.get(variant) ?? [];
      list.push(r);
      current.set(variant, list);
      await write(false);
    },
    /** Queue everything in hand, part-filled jobs too. */
    flush: () => write(true),
    /** Jobs queued so far. */
    get batches() {
      return batches;
    },
  };
}
