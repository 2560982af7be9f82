/**
 * Ports: what use-cases need from the outside world. Adapters (DynamoDB, SES, SQS, the local
 * in-process queue) implement them; unit tests pass plain objects.
 */
import type { Article, Delivery, Issue, Recipient, SendJob, Subscriber } from './model';

export interface Clock {
  now(): Date;
}

export interface ContentStore {
  /** Insert or replace (same id = same item). */
  put(item: Article | Issue): Promise<void>;
  getIssue(id: string): Promise<Issue | undefined>;
  /** Articles in the order of `ids`; missing ids are left out. */
  getArticles(ids: string[]): Promise<Article[]>;
  /** The newest issue by date, or undefined when there is none. */
  latestIssue(): Promise<Issue | undefined>;
  /** Record that the issue's audience has been queued. Returns false if it already was. */
  markIssuePlanned(id: string, at: Date): Promise<boolean>;
  /** Record that a breaking article's alert audience has been queued. Returns false if it already was. */
  markArticleAlerted(id: string, at: Date): Promise<boolean>;
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
}

/** Alerts held back by the cap, and alerts already sent, as the digest needs them per reader. */
export interface ReaderAlertHistory {
  /** Record an alert held back for this reader (the ledger entry, status `deferred`). */
  defer(articleId: string, subscriberId: string, at: Date): Promise<void>;
  /** Deferred alert ids per reader, oldest first. */
  deferred(subscriberIds: string[]): Promise<Map<string, string[]>>;
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
  /** Create or update by normalised address; returns the stored subscriber. */
  upsert(s: Subscriber): Promise<Subscriber>;
  getByEmail(email: string): Promise<Subscriber | undefined>;
  getById(subscriberId: string): Promise<Subscriber | undefined>;
  /** Mark unsubscribed; returns false if no such subscriber. */
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

export type ClaimResult = 'claimed' | 'already-sent' | 'in-flight';

export interface Ledger {
  /** Conditional write: only one caller ever gets 'claimed' for a (campaign, subscriber). */
  claim(campaignId: string, subscriberId: string, at: Date): Promise<ClaimResult>;
  markSent(campaignId: string, subscriberId: string, sesMessageId: string, at: Date): Promise<void>;
  markFailed(campaignId: string, subscriberId: string, error: string, at: Date): Promise<void>;
  /** Give a claim back after a send that certainly did not happen, so a redelivery can retry. */
  release(campaignId: string, subscriberId: string): Promise<void>;
  get(campaignId: string, subscriberId: string): Promise<Delivery | undefined>;
  list(campaignId: string): Promise<Delivery[]>;
}

export interface Mailer {
  /** Send one raw MIME message to one recipient. Returns the provider's message id. */
  sendRaw(input: { raw: Buffer; from: string; to: string }): Promise<{ messageId: string }>;
}

export interface SendQueue {
  enqueue(jobs: SendJob[]): Promise<void>;
}
