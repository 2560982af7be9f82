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
import type {
  AlertAudienceRow,
  AlertCaps,
  CampaignCounters,
  Clock,
  ContentStore,
  ReaderAlertHistory,
  SendQueue,
  SubscriberStore,
} from '../core/ports';

export interface AlertPlanDeps {
  content: ContentStore;
  subscribers: SubscriberStore;
  queue: SendQueue;
  clock: Clock;
  caps: AlertCaps;
  history: ReaderAlertHistory;
  /**
   * The campaign's progress, read by `status <article id>`: planning while readers are queued,
   * then the audience size. Absent: not recorded (the senders' counts alone stay "planning").
   */
  counters?: CampaignCounters;
  /** Alerts per reader per day (their time zone); the rest wait for the digest. @default 3 */
  dailyCap?: number;
}

export type AlertPlanResult =
  | { status: 'queued'; articleId: string; recipients: number; batches: number; deferred: number }
  | { status: 'skipped'; articleId: string; reason: 'no-article' | 'not-breaking' | 'already-alerted' };

const PAGE_SIZE = 500;

export async function planAlert(deps: AlertPlanDeps, articleId: string): Promise<AlertPlanResult> {
  const [article] = await deps.content.getArticles([articleId]);
  if (!article) return { status: 'skipped', articleId, reason: 'no-article' };
  if (article.priority !== 'breaking') return { status: 'skipped', articleId, reason: 'not-breaking' };
  if (article.alertedAt) return { status: 'skipped', articleId, reason: 'already-alerted' };

  const cap = deps.dailyCap ?? DEFAULT_ALERT_DAILY_CAP;
  const now = deps.clock.now();
  await deps.counters?.startPlanning(article.id, now);
  let recipients = 0;
  let deferred = 0;
  let batches = 0;
  let pending: SendJob[] = [];
  let current: Recipient[] = [];
  // Shards are read side by side, so each step takes what it writes before it awaits.
  const enqueue = async () => {
    if (pending.length === 0) return;
    const jobs = pending;
    pending = [];
    await deps.queue.enqueue(jobs);
    batches += jobs.length;
    await deps.counters?.add(article.id, { queued: jobs.reduce((n, j) => n + j.recipients.length, 0) }, deps.clock.now());
  };
  const cut = (force: boolean) => {
    if (current.length >= SEND_BATCH_SIZE || (force && current.length > 0)) {
      pending.push({ campaignId: article.id, kind: 'alert', recipients: current });
      current = [];
    }
  };

  const readShard = async (shard: number) => {
    let cursor: string | undefined;
    do {
      const page = await deps.subscribers.alertAudiencePage(shard, article.topics, cursor, PAGE_SIZE);
      // The query already filtered on topics; matching again here is what names them in the mail.
      const matching = page.rows.flatMap((row) => {
        const matched = matchedTopics(row.topics, article.topics);
        return matched.length ? [{ row, matched }] : [];
      });
      // The daily cap, a job's worth of readers at a time: over it, the alert waits for the
      // reader's next digest instead. An alert is about time, so each job goes on the queue as
      // soon as it is full (not when the page is checked, nor when ten fill a queue write): the
      // first readers' alerts are on their way while the rest of the page is still counted.
      for (let from = 0; from < matching.length; from += SEND_BATCH_SIZE) {
        const chunk = matching.slice(from, from + SEND_BATCH_SIZE);
        const admitted = await admitReaders(
          deps,
          chunk.map(({ row }) => row),
          article.id,
          cap,
          now,
        );
        for (let i = 0; i < chunk.length; i++) {
          if (!admitted[i]) {
            deferred++;
            continue;
          }
          const { row, matched } = chunk[i];
          current.push({ subscriberId: row.subscriberId, email: row.email, matchedTopics: matched });
          recipients++;
          cut(false);
        }
        await enqueue();
      }
      cursor = page.next;
    } while (cursor);
  };
  await mapLimited(
    Array.from({ length: AUDIENCE_SHARDS }, (_, shard) => shard),
    SHARD_CONCURRENCY,
    readShard,
  );
  cut(true);
  await enqueue();
  // Every reader is queued: the campaign is "queued" with its audience size, and "done" once the
  // senders have a final state for each (a reader held back by the cap is not in it).
  await deps.counters?.finishPlanning(article.id, recipients, deps.clock.now());
  await deps.content.markArticleAlerted(article.id, deps.clock.now());
  return { status: 'queued', articleId: article.id, recipients, batches, deferred };
}

/**
 * Count the alert against each reader's day; returns, per row, whether it was admitted. Where
 * the store counts many readers in one write, it does; whoever it could not tell about, and
 * every reader with a store that cannot, takes one conditional write each.
 */
async function admitReaders(deps: AlertPlanDeps, rows: AlertAudienceRow[], articleId: string, cap: number, now: Date): Promise<boolean[]> {
  const day = (row: AlertAudienceRow) => readerDay(now, row.timezone);
  const many = deps.caps.admitMany
    ? await deps.caps.admitMany(
        rows.map((row) => ({ subscriberId: row.subscriberId, day: day(row) })),
        articleId,
        cap,
      )
    : undefined;
  return mapLimited(rows, CAP_CONCURRENCY, async (row) => {
    const ok = many?.admitted.has(row.subscriberId)
      ? true
      : many?.refused.has(row.subscriberId)
        ? false
        : await deps.caps.admit(row.subscriberId, day(row), articleId, cap);
    if (!ok) await deps.history.defer(articleId, row.subscriberId, now);
    return ok;
  });
}

/** Audience shards read at once: the first jobs reach the senders sooner. */
const SHARD_CONCURRENCY = 4;

/** One-by-one cap checks in flight at once while planning. */
const CAP_CONCURRENCY = 64;
