/**
 * Plan a digest: find the issue, check it is sendable, page the audience and queue it in
 * batches. Never sends; the sender and the ledger decide delivery.
 *
 * Memory stays flat in the audience size: recipients are read a page at a time from the sparse
 * audience index (a paged Query, never a Scan) and flushed to the queue as soon as a few
 * batches are full.
 */
import { AUDIENCE_SHARDS, SEND_BATCH_SIZE, type Recipient, type SendJob } from '../core/model';
import type { Clock, ContentStore, SendQueue, SubscriberStore } from '../core/ports';

export interface PlanDeps {
  content: ContentStore;
  subscribers: SubscriberStore;
  queue: SendQueue;
  clock: Clock;
}

export type PlanResult =
  | { status: 'queued'; issueId: string; recipients: number; batches: number }
  | { status: 'skipped'; issueId?: string; reason: 'no-issue' | 'already-sent' | 'no-articles' };

/** Audience rows read per Query page. */
const PAGE_SIZE = 500;
/** Jobs held before a queue write: one SQS SendMessageBatch call takes ten. */
const FLUSH_JOBS = 10;

export async function planDigest(deps: PlanDeps, input: { issueId?: string } = {}): Promise<PlanResult> {
  const issue = input.issueId ? await deps.content.getIssue(input.issueId) : await deps.content.latestIssue();
  if (!issue) return { status: 'skipped', issueId: input.issueId, reason: 'no-issue' };
  if (issue.plannedAt) return { status: 'skipped', issueId: issue.id, reason: 'already-sent' };
  const articles = await deps.content.getArticles(issue.articleIds);
  if (articles.length === 0) return { status: 'skipped', issueId: issue.id, reason: 'no-articles' };

  let recipients = 0;
  let batches = 0;
  let pending: SendJob[] = [];
  let current: Recipient[] = [];

  const flush = async (force: boolean) => {
    if (current.length >= SEND_BATCH_SIZE || (force && current.length > 0)) {
      pending.push({ campaignId: issue.id, kind: 'digest', recipients: current });
      current = [];
    }
    if (pending.length >= FLUSH_JOBS || (force && pending.length > 0)) {
      await deps.queue.enqueue(pending);
      batches += pending.length;
      pending = [];
    }
  };

  for (let shard = 0; shard < AUDIENCE_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await deps.subscribers.digestAudiencePage(shard, cursor, PAGE_SIZE);
      for (const r of page.recipients) {
        current.push(r);
        recipients++;
        await flush(false);
      }
      cursor = page.next;
    } while (cursor);
  }
  await flush(true);

  // Marked after queueing: a crash before this line lets a rerun queue again, and the ledger
  // turns the second copy of every job into a no-op. Marking first could lose the send.
  await deps.content.markIssuePlanned(issue.id, deps.clock.now());
  return { status: 'queued', issueId: issue.id, recipients, batches };
}
