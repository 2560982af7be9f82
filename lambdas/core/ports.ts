/**
 * Ports: what use-cases need from the outside world. Adapters (DynamoDB, SES, SQS, the local
 * in-process queue) implement them; unit tests pass plain objects. The local-time planner's own
 * ports are in local-time-ports.ts.
 */
import type { CampaignProgress, CampaignState, Counters } from './campaign-status';
import type { Article, Delivery, Issue, Recipient, SendJob, Subscriber } from './model';
import type { InboxMember } from './inbox';
import type { SignupJob } from './signup-job';
import type { ArchiveSnapshot } from './archive-snapshot';
import type { NewsletterSettings } from './topics';
import type { ExpectedVersion, ItemStamp } from './content/versions';

export interface Clock {
  now(): Date;
}

export interface ContentStore {
  /**
   * Insert or replace (same id = same item). With `expected` (core/content/versions.ts), only if
   * the stored item is still that version: otherwise nothing is written and it throws
   * VersionConflictError (two writers racing from one version cannot both win).
   */
  put(item: Article | Issue, expected?: ExpectedVersion): Promise<void>;
  getIssue(id: string): Promise<Issue | undefined>;
  /** Articles in the order of `ids`; missing ids are left out. */
  getArticles(ids: string[]): Promise<Article[]>;
  /** The newest issue by date, or undefined when there is none. */
  latestIssue(): Promise<Issue | undefined>;
  /** Record that the issue's audience has been queued. Returns false if it already was. */
  markIssuePlanned(id: string, at: Date): Promise<boolean>;
  /** Record that a breaking article's alert audience has been queued. Returns false if it already was. */
  markArticleAlerted(id: string, at: Date): Promise<boolean>;
  /** A sent issue's articles as sent (core/archive-snapshot.ts); undefined for an issue sent before snapshots. */
  getArchiveSnapshot(issueId: string): Promise<ArchiveSnapshot | undefined>;
  /**
   * Store a snapshot. `replace: false` writes only when the issue has none (a retried planner
   * keeps the first); `true` replaces it (publish --force). False when nothing was written.
   */
  putArchiveSnapshot(snapshot: ArchiveSnapshot, options: { replace: boolean }): Promise<boolean>;
}

/** Every stored id of one kind: what an unknown id is compared with for "did you mean". */
export interface ContentIds {
  contentIds(kind: 'article' | 'issue'): Promise<string[]>;
}

/** The newsletter's settings item in the Content table (core/topics.ts). */
export interface SettingsStore {
  /** Undefined when none was ever published. */
  getSettings(): Promise<NewsletterSettings | undefined>;
  /** With `versioned`: stamped, and only if the stored settings are still the version expected (else VersionConflictError). */
  putSettings(settings: NewsletterSettings, versioned?: { stamp: ItemStamp; expected: ExpectedVersion }): Promise<void>;
  /** The stored settings' version: undefined when none were published, `{}` for settings stored before versions. Absent: not versioned. */
  settingsStamp?(): Promise<Partial<ItemStamp> | undefined>;
}

/** Where topics are used, for refusing to drop one that is (publish of a topics file). */
export interface TopicUsage {
  /** Per topic, the ids of the published articles about it. */
  articlesByTopic(topics: readonly string[]): Promise<Map<string, string[]>>;
  /** Per topic, how many readers (not unsubscribed) chose it. */
  readersByTopic(topics: readonly string[]): Promise<Map<string, number>>;
}

/**
 * One-time schedules of issues with a `sendAt` (EventBridge Scheduler on AWS). Both calls are
 * idempotent: scheduling again moves the schedule, cancelling one that is gone does nothing.
 */
export interface IssueScheduler {
  /**
   * Make (or move) the issue's schedule so the planner is invoked for it at `at`. `purpose`:
   * `send` (its `sendAt`, made by publish) or `rest` (the rest of its subject test, made by the
   * planner); each purpose is a schedule of its own. @default 'send'
   */
  schedule(issueId: string, at: Date, purpose?: SchedulePurpose): Promise<void>;
  /** Remove the issue's schedule of that purpose, if there is one. @default 'send' */
  cancel(issueId: string, purpose?: SchedulePurpose): Promise<void>;
}

/** Why an issue has a one-time schedule: its `sendAt`, or the rest of its subject test. */
export type SchedulePurpose = 'send' | 'rest';

/** Issues a planner has not finished, by date: the local-time planner finds an issue still going out with it. */
export interface UnsentIssues {
  /** Issues dated `date` (`YYYY-MM-DD`) or later with no `plannedAt`, oldest first. */
  unsentIssuesFrom(date: string): Promise<Issue[]>;
}

/** Issues waiting for their `sendAt`: the local mode's minute check reads them (on AWS the scheduler holds them). */
export interface ScheduledIssues {
  /** Issues with a `sendAt` that no planner has queued yet (`plannedAt` unset), any date. */
  unsentScheduledIssues(): Promise<Issue[]>;
}

/** What the public archive reads: sent issues only (see core/archive.ts for what "sent" means). */
export interface IssueArchive extends Pick<ContentStore, 'getIssue' | 'getArticles' | 'getArchiveSnapshot'> {
  /** Up to `limit` issues the planner has queued (`plannedAt` set), newest first by date. */
  sentIssues(limit: number): Promise<Issue[]>;
}

/** One alert-audience row: the reader and the topics they chose (empty: every topic). */
export interface AlertAudienceRow {
  subscriberId: string;
  email: string;
  topics: string[];
  /** IANA zone: the daily alert cap counts the reader's own day. */
  timezone?: string;
}

/** The daily alert cap's counters. */
export interface AlertCaps {
  /**
   * Count `articleId` against the reader's `day`, unless `cap` alerts are counted already.
   * Idempotent: the same article on the same day is admitted again (a retried planner run).
   */
  admit(subscriberId: string, day: string, articleId: string, cap: number): Promise<boolean>;
  /**
   * Optional: {@link admit} for many readers in as few conditional writes as the store allows.
   * Returns the readers admitted and the readers the cap refused; anyone in neither (the store
   * could not tell) is left to {@link admit}.
   */
  admitMany?(
    readers: { subscriberId: string; day: string }[],
    articleId: string,
    cap: number,
  ): Promise<{ admitted: Set<string>; refused: Set<string> }>;
}

/** Alerts held back by the cap, and alerts already sent, as the digest needs them per reader. */
export interface ReaderAlertHistory {
  /** Record an alert held back for this reader (the ledger entry, status `deferred`). */
  defer(articleId: string, subscriberId: string, at: Date): Promise<void>;
  /** Deferred alert ids per reader, oldest first. */
  deferred(subscriberIds: string[]): Promise<Map<string, string[]>>;
  /**
   * Whether any reader at all has alerts waiting (may say true when unsure, never false when
   * one has): most of the time none has, and a digest then skips {@link deferred} for every batch.
   */
  anyDeferred(): Promise<boolean>;
  /** Which of `articleIds` each reader already got as an alert. */
  alerted(articleIds: string[], subscriberIds: string[]): Promise<Map<string, Set<string>>>;
  /** After a digest listed them: the deferred alerts are delivered through the digest. */
  resolveDeferred(subscriberId: string, articleIds: string[], digestId: string, at: Date): Promise<void>;
}

export interface AudiencePage {
  recipients: Recipient[];
  /** Opaque cursor for the next page; undefined on the last page. */
  next?: string;
}

export interface SubscriberStore {
  /** Create or replace by address (keeping the stored id and creation time); returns the stored subscriber. */
  upsert(s: Subscriber): Promise<Subscriber>;
  /** By a normalised address, in any capitals (the key is its lower-cased form). */
  getByEmail(email: string): Promise<Subscriber | undefined>;
  /** By id, also the id of an item merged into another (`migrate-addresses`): that other. */
  getById(subscriberId: string): Promise<Subscriber | undefined>;
  /**
   * Mark unsubscribed for good: out of every audience, no TTL, the pending confirmation link (a
   * declined sign-up) no longer works. Returns false if no such subscriber.
   */
  unsubscribe(subscriberId: string, at: Date): Promise<boolean>;
  /** One page of the confirmed, digest-wanting, unsuppressed audience in one shard (a paged Query). */
  digestAudiencePage(shard: number, cursor: string | undefined, limit: number): Promise<AudiencePage>;
  /**
   * One page of the confirmed, alert-wanting, unsuppressed audience in one shard whose topics
   * include one of `topics` or who chose no topics (a paged Query with a filter, never a Scan).
   */
  alertAudiencePage(
    shard: number,
    topics: string[],
    cursor: string | undefined,
    limit: number,
  ): Promise<{ rows: AlertAudienceRow[]; next?: string }>;
}

/**
 * 'claimed': this caller holds the delivery now. 'reclaimed': it took over a claim older than
 * the lease (its holder died between claiming and recording). 'already-sent': a final state
 * (sent, failed, suppressed). 'in-flight': someone else holds a claim younger than the lease.
 */
export type ClaimResult = 'claimed' | 'reclaimed' | 'already-sent' | 'in-flight';

export interface Ledger {
  /** Conditional write: only one caller ever gets 'claimed' for a (campaign, subscriber). */
  claim(campaignId: string, subscriberId: string, at: Date, staleBefore?: Date): Promise<ClaimResult>;
  /**
   * Optional: claim many (campaign, subscriber) pairs that have no entry yet, in as few
   * conditional writes as the store allows. Returns the ids this call claimed; any other id
   * (an entry exists, or the store could not tell) is left to {@link claim}, which tells
   * taken-over, in-flight and already-served apart.
   */
  claimNew?(campaignId: string, subscriberIds: string[], at: Date): Promise<Set<string>>;
  /** Record SES's message id for a claimed pair; `claimedAt` is kept on the entry when given. */
  markSent(campaignId: string, subscriberId: string, sesMessageId: string, at: Date, claimedAt?: Date): Promise<void>;
  /**
   * Optional, for a ledger that holds `sent` records back to write them together: write what it
   * holds now. The sender calls it when no send is under way whose record could join them.
   */
  flush?(): void;
  markFailed(campaignId: string, subscriberId: string, error: string, at: Date): Promise<void>;
  /**
   * Give a claim back after a send that certainly did not happen, so a redelivery can retry.
   * With `claimedAt`, only that claim (not one taken over since) is given back.
   */
  release(campaignId: string, subscriberId: string, claimedAt?: Date): Promise<void>;
  get(campaignId: string, subscriberId: string): Promise<Delivery | undefined>;
  list(campaignId: string): Promise<Delivery[]>;
}

/** One message for {@link Mailer.sendRaw}. */
export interface RawMail {
  raw: Buffer;
  from: string;
  to: string;
  /**
   * Awaited once the request is built, as close to its going out as the mailer can (for SES,
   * just before it is signed), and again for each attempt the mailer makes itself: where the
   * sender takes its send slot, so the pace it keeps is the pace the provider sees. When it
   * throws, nothing is sent and `sendRaw` rejects with that error.
   */
  beforeSend?: () => Promise<void>;
}

export interface Mailer {
  /** Send one raw MIME message to one recipient. Returns the provider's message id. */
  sendRaw(input: RawMail): Promise<{ messageId: string }>;
}

export interface SendQueue {
  /** `delayMs`: the jobs become visible only after it (SQS DelaySeconds, at most 15 minutes). */
  enqueue(jobs: SendJob[], options?: { delayMs?: number }): Promise<void>;
}

/** What the send-time check knows of a reader it lets through. */
export interface AllowedReader {
  /** When the reader subscribed (ISO; confirmed, else created): "you subscribed on <date>". */
  subscribedAt?: string;
  /** Where the mail goes: the address as the reader typed it, when it differs from the queued key form. */
  address?: string;
  /** The reader's link version, signed into their links (absent: 0). */
  linkVersion?: number;
}

/** The readers who may be mailed: their ids, or (a gate that reads more) each with what it read. */
export type GateAnswer = ReadonlySet<string> | ReadonlyMap<string, AllowedReader>;

/** Send-time check of recipients queued earlier: who may still be mailed. */
export interface RecipientGate {
  /**
   * The subscriber ids among `recipients` that are still confirmed, not suppressed, and still
   * want what is being sent (`digest` for a digest, `alerts` for an alert).
   */
  allowed(recipients: Recipient[], kind: SendJob['kind']): Promise<GateAnswer>;
}

/** Records recipients skipped at send time as a final ledger state (so they are counted once). */
export interface SuppressionLedger {
  /** Conditional write: true if this call recorded it, false if the delivery already had a state. */
  markSuppressed(campaignId: string, subscriberId: string, at: Date, staleBefore?: Date): Promise<boolean>;
}

/** Per-campaign progress counters (atomic adds) and state. */
export interface CampaignCounters {
  add(campaignId: string, delta: Partial<Counters>, at: Date): Promise<void>;
  /** Start or restart planning: state 'planning' (kept 'done' if it is). */
  startPlanning(campaignId: string, at: Date): Promise<void>;
  /** Planning finished: the audience size and state 'queued'. */
  finishPlanning(campaignId: string, planned: number, at: Date): Promise<void>;
  setState(campaignId: string, state: CampaignState, at: Date, reason?: string): Promise<void>;
  get(campaignId: string): Promise<CampaignProgress | undefined>;
  /**
   * Optional: raise `sent`, `failed` and `suppressed` to what the ledger holds. A sender killed
   * between its sends and its once-an-invocation counter write leaves the counters short, and its
   * redelivery sees those recipients as already served. Only when no sender of the campaign is
   * running (a live batch's own add would then count twice): the local mode calls it once its
   * queue is empty. Returns the counters after.
   */
  reconcile?(campaignId: string, at: Date): Promise<CampaignProgress | undefined>;
}

/** Where the planner hands the rest of a large audience when its invocation runs out of time. */
export interface PlanContinuation {
  continueLater(event: { issueId: string; resume: true; from: { shard: number; cursor?: string; queued?: number } }): Promise<void>;
}

/**
 * What subscribing, preferences, privacy and SES events need beyond {@link SubscriberStore}.
 * Every change is a conditional write on the state the use-case read, so two requests racing
 * (a double click, a bounce arriving during a preference change) cannot undo each other.
 */
export interface SubscriptionStore extends SubscriberStore {
  /** Store a new subscriber if the address has no item yet; false when it has one. */
  create(s: Subscriber): Promise<boolean>;
  /**
   * Apply `patch` (and remove `remove`) to the subscriber read as `current`, only while every
   * field in `expect` still has that value (`null`: must be absent). The item's place in the
   * digest audience index follows the result. Returns the new subscriber, or undefined when
   * the condition no longer held (someone else changed it first).
   */
  change(
    current: Subscriber,
    patch: Partial<Subscriber>,
    options?: { remove?: (keyof Subscriber)[]; expect?: Partial<Record<keyof Subscriber, unknown>> },
  ): Promise<Subscriber | undefined>;
  /** Delete an item by its key: a subscriber's `email`, or a `merged#<id>` forward (privacy erasure). */
  remove(key: string): Promise<void>;
  /**
   * Every stored form of the inbox `mailbox` (core/address.ts `mailboxOf`), as the `byMailbox`
   * index holds it (core/inbox.ts). The index is eventually consistent: a change made a moment ago
   * may not show yet.
   */
  inboxMembers(mailbox: string): Promise<InboxMember[]>;
  /** Remember an erased address by its keyed digest only (core/address.ts). */
  markErased(digest: string, at: Date): Promise<void>;
  /**
   * Remember, by its keyed digest only, an address another tool says left (an import's skipped
   * row): `saidNo` says where, e.g. "unsubscribed in Mailchimp". Same item as an erasure marker,
   * with that reason; never replaces a marker already there (an erasure stays an erasure).
   */
  markSaidNo(digest: string, saidNo: string, at: Date): Promise<void>;
  /**
   * Whether any of these digests (core/address.ts `erasureDigests`) marks an erased address, or
   * one another tool said left (`saidNo` set: {@link markSaidNo}).
   */
  isErased(digests: readonly string[]): Promise<{ erasedAt: string; digest: string; saidNo?: string } | undefined>;
  /**
   * Compare the address key in use with the one the table was first used with, by a keyed digest
   * of a fixed text stored once (`#address-key`): `stored` the first time, then `matches` or
   * `differs`. A different key would make every erasure marker miss (core/address.ts).
   */
  checkAddressKey(check: string): Promise<'stored' | 'matches' | 'differs'>;
}

/** The ledger seen from SES events and privacy requests (found by subscriber, not by campaign). */
export interface DeliveryEvents {
  /** The ledger entry of the message SES knows as `sesMessageId`, sent to `subscriberId`. */
  findBySesMessageId(subscriberId: string, sesMessageId: string): Promise<Delivery | undefined>;
  /** Write what SES reported onto an existing entry (never creates one). */
  record(
    campaignId: string,
    subscriberId: string,
    fields: Partial<Pick<Delivery, 'deliveredAt' | 'bouncedAt' | 'bounceType' | 'complainedAt'>>,
  ): Promise<void>;
  listForSubscriber(subscriberId: string): Promise<Delivery[]>;
  /** Delete every entry of the subscriber; returns how many. */
  deleteForSubscriber(subscriberId: string): Promise<number>;
}

/** Limits on requests that cost something (a sign-up, a confirmation mail), per key. */
export interface RateLimiter {
  /** Count one request for `key`; false when the key is over its limit. */
  take(key: string): Promise<boolean>;
  /** Give back the latest request counted for `key`: what it paid for did not happen. */
  giveBack?(key: string): Promise<void>;
}

/** The sign-up queue: the API hands sign-ups and welcomes to the sign-ups function (core/signup-job.ts). */
export interface SignupQueue {
  enqueue(job: SignupJob): Promise<void>;
}
