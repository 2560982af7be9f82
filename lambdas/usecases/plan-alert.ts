/**
 * Plan a breaking alert: the article, then the readers who asked for alerts on one of its
 * topics, queued in batches through the same queue, sender and ledger as digests (the
 * campaign id is the article's). Never sends.
 *
 * An article alerts once: `alertedAt` is set after queueing (conditionally), editing or
 * re-publishing keeps it, and a second run — a redelivered stream record — skips; were two
 * runs to race, the ledger turns the second copy of every job into a no-op.
 */
import { readerDay } from '../core/alert-cap';
import { mapLimited } from '../core/concurrency';
import { matchedTopics } from '../core/audience';
import { AUDIENCE_SHARDS, DEFAULT_ALERT_DAILY_CAP, SEND_BATCH_SIZE, type Recipient, type SendJob } from '../core/model';
import type { AlertAudienceRow, AlertCaps, Clock, ContentStore, ReaderAlertHistory, SendQueue, SubscriberStore } from '../core/ports';

export interface AlertPlanDeps {
  content: ContentStore;
  subscribers: SubscriberStore;
  queue: SendQueue;
  clock: Clock;
  caps: AlertCaps;
  history: ReaderAlertHistory;
  /** Alerts per reader per day (their time zone); the rest wait for the digest. @default 3 */
  dailyCap?: number;
}

export type AlertPlanResult =
  | { status: 'queued'; articleId: string; recipients: number; batches: number; deferred: number }
  | { status: 'skipped'; articleId: string; reason: 'no-article' | 'not-breaking' | 'already-alerted' };

const PAGE_SIZE = 500;
const FLUSH_JOBS = 10;

export async function planAlert(deps: AlertPlanDeps, articleId: string): Promise<AlertPlanResult> {
  const [article] = await deps.content.getArticles([articleId]);
  if (!article) return { status: 'skipped', articleId, reason: 'no-article' };
  if (article.priority !== 'breaking') return { status: 'skipped', articleId, reason: 'not-breaking' };
  if (article.alertedAt) return { status: 'skipped', articleId, reason: 'already-alerted' };

  const cap = deps.dailyCap ?? DEFAULT_ALERT_DAILY_CAP;
  const now = deps.clock.now();
  let recipients = 0;
  let deferred = 0;
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
      // The query already filtered on topics; matching again here is what names them in the mail.
      const matching = page.rows.flatMap((row) => {
        const matched = matchedTopics(row.topics, article.topics);
        return matched.length ? [{ row, matched }] : [];
      });
      // The daily cap: over it, the alert waits for the reader's next digest instead.
      const admitted = await mapLimited(matching, CAP_CONCURRENCY, async ({ row }: { row: AlertAudienceRow }) => {
        if (await deps.caps.admit(row.subscriberId, readerDay(now, row.timezone), article.id, cap)) return true;
        await deps.history.defer(article.id, row.subscriberId, now);
        return false;
      });
      for (let i = 0; i < matching.length; i++) {
        if (!admitted[i]) {
          deferred++;
          continue;
        }
        const { row, matched } = matching[i];
        current.push({ subscriberId: row.subscriberId, email: row.email, matchedTopics: matched });
        recipients++;
        await flush(false);
      }
      cursor = page.next;
    } while (cursor);
  }
  await flush(true);
  await deps.content.markArticleAlerted(article.id, deps.clock.now());
  return { status: 'queued', articleId: article.id, recipients, batches, deferred };
}

/** Cap checks in flight at once while planning: one conditional write per reader, so this sets how fast a large alert is planned. */
const CAP_CONCURRENCY = 64;
