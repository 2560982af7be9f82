/**
 * Plan a breaking alert: the article, then the readers who asked for alerts on one of its
 * topics, queued in batches through the same queue, sender and ledger as digests (the
 * campaign id is the article's). Never sends.
 *
 * An article alerts once: `alertedAt` is set after queueing (conditionally), editing or
 * re-publishing keeps it, and a second run — a redelivered stream record — skips; were two
 * runs to race, the ledger turns the second copy of every job into a no-op.
 */
import { matchedTopics } from '../core/audience';
import { AUDIENCE_SHARDS, SEND_BATCH_SIZE, type Recipient, type SendJob } from '../core/model';
import type { Clock, ContentStore, SendQueue, SubscriberStore } from '../core/ports';

export interface AlertPlanDeps {
  content: ContentStore;
  subscribers: SubscriberStore;
  queue: SendQueue;
  clock: Clock;
}

export type AlertPlanResult =
  | { status: 'queued'; articleId: string; recipients: number; batches: number }
  | { status: 'skipped'; articleId: string; reason: 'no-article' | 'not-breaking' | 'already-alerted' };

const PAGE_SIZE = 500;
const FLUSH_JOBS = 10;

export async function planAlert(deps: AlertPlanDeps, articleId: string): Promise<AlertPlanResult> {
  const [article] = await deps.content.getArticles([articleId]);
  if (!article) return { status: 'skipped', articleId, reason: 'no-article' };
  if (article.priority !== 'breaking') return { status: 'skipped', articleId, reason: 'not-breaking' };
  if (article.alertedAt) return { status: 'skipped', articleId, reason: 'already-alerted' };

  let recipients = 0;
  let batches = 0;
  let pending: SendJob[] = [];
  let current: Recipient[] = [];
  const flush = async (force: boolean) => {
    if (current.length >= SEND_BATCH_SIZE || (force && current.length > 0)) {
      pending.push({ campaignId: article.id, kind: 'alert', recipients: current });
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
      const page = await deps.subscribers.alertAudiencePage(shard, article.topics, cursor, PAGE_SIZE);
      for (const row of page.rows) {
        // The query already filtered on topics; matching again here is what names them in the mail.
        const matched = matchedTopics(row.topics, article.topics);
        if (matched.length === 0) continue;
        current.push({ subscriberId: row.subscriberId, email: row.email, matchedTopics: matched });
        recipients++;
        await flush(false);
      }
      cursor = page.next;
    } while (cursor);
  }
  await flush(true);
  await deps.content.markArticleAlerted(article.id, deps.clock.now());
  return { status: 'queued', articleId: article.id, recipients, batches };
}
