/**
 * The domain model. Pure types and constants: no AWS SDK, no I/O.
 * Every other layer (adapters, use-cases, handlers, templates) speaks in these terms.
 */
import type { SubjectTest, Variant } from './subject-test';

/**
 * The version of a stored item (core/content/versions.ts), set by each write that changes it;
 * absent on items stored before versions. On an item parsed from a file, `version` is the stored
 * version the file was taken from (its front matter's `version:`), and the other two are absent.
 */
export interface Versioned {
  version?: number;
  /** When the version was written (ISO timestamp). */
  updatedAt?: string;
  /** Who wrote it: `cli:<user name>`, or the editor's address from the console. */
  updatedBy?: string;
}

/** An article as editors write it (Markdown with front matter) and as the Content table stores it. */
export interface Article extends Versioned {
  kind: 'article';
  /** Stable id, from the front matter; re-publishing the same id updates the article. */
  id: string;
  title: string;
  summary: string;
  /**
   * One sentence on what the story means for the reader (shown under the summary as "Why it
   * matters"). Optional so older articles and alerts still parse; every digest story should have one.
   */
  whyItMatters?: string;
  /** Facts the summary does not already give; may be empty (a story needs no bullets). */
  keyPoints: string[];
  topics: string[];
  /** Who reported it: the credit line, linked. */
  source: { name: string; url: string };
  /** The actual source articles or documents (https), listed under the story; omitted when there are none. */
  sources?: SourceLink[];
  /** Publication date, ISO 8601 calendar date (YYYY-MM-DD). */
  date: string;
  priority: 'normal' | 'breaking';
  /** Optional longer text in Markdown (the file's body). */
  body: string;
  /** When this version was published (ISO timestamp). */
  publishedAt: string;
  /** Set once the alert planner has queued this breaking article's audience; it never alerts twice. */
  alertedAt?: string;
}

/** A link to a source article or document, as the front matter's `sources` list gives it. */
export interface SourceLink {
  title: string;
  /** Always https (checked when the file is parsed). */
  url: string;
}

/** An issue of the newsletter: an intro and an ordered list of article ids. */
export interface Issue extends Versioned {
  kind: 'issue';
  id: string;
  /** Name of the newsletter, shown in the masthead and used as the From display name's default. */
  newsletter: string;
  /** Issue number within the newsletter (1, 2, ...). */
  number: number;
  title: string;
  /** The issue in a sentence or two, shown under its title (the archive and feed can use it too). */
  summary: string;
  /** Shown by mail clients next to the subject (preheader). */
  preheader: string;
  date: string;
  articleIds: string[];
  /**
   * The lead story's article id: shown first, with more weight. Omitted: the first of
   * `articleIds` leads. Always one of `articleIds` (checked when the file is parsed).
   */
  lead?: string;
  /** The editor's note in their own voice, shown near the top of the digest under "From the editor". */
  editorsNote?: string;
  /** The closing line at the bottom of the digest, before the footer (e.g. "Until next Monday, the editors"). */
  signOff?: string;
  /** Two subjects to test on a share of the audience before the rest gets the better one (core/subject-test.ts). */
  subjectTest?: SubjectTest;
  publishedAt: string;
  /**
   * When to send this issue instead of on the weekly schedule: an instant in UTC, ISO 8601
   * (`2026-12-03T06:00:00.000Z`), from the front matter's `sendAt` (written with its offset).
   */
  sendAt?: string;
  /** Set once the planner has queued the whole audience; a second run skips the issue. */
  plannedAt?: string;
}

export type Content = Article | Issue;

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed';
/** `smoke`: a mailbox-simulator address `npm run cli -- smoke` keeps so SES's events find it; never in an audience. */
export type SubscriberSource = 'import' | 'cli' | 'web' | 'smoke';

export interface Subscriber {
  /** Random id; carried in signed tokens instead of the address. */
  subscriberId: string;
  /**
   * The address's key form (core/address.ts `addressKey`: normalised, then lower-cased): the
   * table's key, and what every lookup, suppression and erasure check compares. One person, one item.
   */
  email: string;
  /**
   * The address as the reader typed it (normalised: trimmed, domain in ASCII), when it differs
   * from {@link email} only by case: what mail is sent to. Absent: send to `email`.
   */
  emailAsTyped?: string;
  /**
   * The reader's name, when an import brought one (core/subscriber-name.ts): kept, exported and
   * erased with the rest; shown in no mail yet.
   */
  name?: string;
  status: SubscriberStatus;
  /** Wants the weekly digest. */
  digest: boolean;
  /** Wants breaking alerts. */
  alerts: boolean;
  topics: string[];
  timezone: string;
  source: SubscriberSource;
  createdAt: string;
  confirmedAt?: string;
  unsubscribedAt?: string;
  /** When a reader who had left last declined a sign-up made for them since (the cooling period runs again from it). */
  declinedAt?: string;
  /** Consent records this one replaced (a reader who left and confirmed a new sign-up), oldest first: kept, as consent records are. */
  previousConsents?: ConsentRecord[];
  /** Set by bounces and complaints: never mail this address again. */
  suppressed?: boolean;
  /** Why and when the address was suppressed. */
  suppressedReason?: SuppressionReason;
  suppressedAt?: string;
  /**
   * The other form of the same inbox (core/inbox.ts) whose permanent bounce or complaint suppressed
   * this address too, masked (`k***@gmail.com`: that form may be erased later); absent when the
   * event was for this address.
   */
  suppressedVia?: string;
  /** Transient (soft) bounces in a row; a delivery resets it, the third suppresses. */
  softBounces?: number;
  lastBounceAt?: string;
  /**
   * SES's id of the last bounce counted (its `feedbackId`): the same notification delivered again
   * (SNS, Lambda's retries) is not counted twice.
   */
  lastBounceFeedbackId?: string;
  complainedAt?: string;
  /** What the reader agreed to, when, where and from which client (web sign-ups). */
  consent?: ConsentRecord;
  /** SHA-256 of the nonce in the pending confirmation link; removed once used. Never the token itself. */
  confirmTokenHash?: string;
  confirmExpiresAt?: string;
  /** When the last confirmation message was claimed to go out (re-sent at most once an hour). */
  confirmationSentAt?: string;
  /** SES's id of that confirmation, once SES took it: without it, a claim older than a lease was abandoned. */
  confirmationMessageId?: string;
  /** When the welcome was claimed to go out for the current confirmation (sent once; removed on re-confirming). */
  welcomedAt?: string;
  /** SES's id of that welcome, once SES took it. */
  welcomeMessageId?: string;
  /**
   * A web sign-up of an address that had said no (unsubscribed, or declined), waiting for its
   * confirmation: what it asked for. Nothing of the stored reader changes until the link is
   * used: the "no" stands, and so do the reader's choices, consent record and address as typed.
   */
  resubscription?: { choices: SubscriptionChoices; consent: ConsentRecord; emailAsTyped?: string };
  /**
   * When and how an operator confirmed this address on the reader's behalf: a pending sign-up
   * they vouched for, or a reader brought back with `--resubscribe` (whose consent they hold).
   */
  reconfirmedAt?: string;
  reconfirmedBy?: SubscriberSource;
  /** Last change of preferences by the reader. */
  preferencesUpdatedAt?: string;
  /**
   * When the reader last changed time zone: local-time delivery finds readers who moved into
   * a zone whose hour had passed (see core/local-time.ts).
   */
  zoneChangedAt?: string;
  /**
   * The generation of the reader's links: every token signed for them carries it, and a token of
   * an older generation is refused ("this link no longer works"). `subscribers revoke-links`
   * raises it. Absent: 0.
   */
  linkVersion?: number;
  /**
   * Ids of items that held the same address in other capitals and were merged into this one
   * (`migrate-addresses`): their links still reach this reader, and export and erasure cover
   * their ledger entries.
   */
  mergedIds?: string[];
}

/**
 * The SES message tag of a confirmation or a welcome (sent as `X-SES-MESSAGE-TAGS`, core/mime):
 * their events carry it in `mail.tags`, so they can be told from a campaign's (core/reputation.ts).
 */
export const TRANSACTIONAL_TAG = { name: 'kind', value: 'transactional' } as const;

/** Where mail to a subscriber goes: the address as they typed it. */
export const mailAddress = (s: Pick<Subscriber, 'email' | 'emailAsTyped'>): string => s.emailAsTyped ?? s.email;

export type SuppressionReason = 'bounce' | 'complaint' | 'soft-bounces';

/** Proof of consent kept with each web subscriber (GDPR art. 7(1): the controller must be able to show it). */
export interface ConsentRecord {
  /** When the reader asked to subscribe (ISO). */
  at: string;
  /** The page or origin the request came from. */
  page: string;
  ip: string;
  userAgent: string;
  /** The exact wording shown next to the button. */
  wording: string;
  /** When the address was proven (the confirmation POST), ISO. */
  confirmedAt?: string;
  confirmedIp?: string;
  confirmedUserAgent?: string;
  /** When a reader who had left came back with "Subscribe again" on the preferences page (a link from their own mail), ISO. */
  renewedAt?: string;
  renewedIp?: string;
  renewedUserAgent?: string;
}

/** Choices a reader makes on the subscribe and preferences pages. */
export interface SubscriptionChoices {
  digest: boolean;
  alerts: boolean;
  topics: string[];
  timezone: string;
}

/** One recipient as the planner queues it: enough to send without reading the Subscribers table again. */
export interface Recipient {
  subscriberId: string;
  email: string;
  /**
   * Alerts only: the reader's topics that the article matched (shown in the alert), or
   * `['*']` (ALL_TOPICS in audience.ts) for a reader who follows every topic.
   */
  matchedTopics?: string[];
  /**
   * When the reader subscribed (ISO; confirmed, else created), for "you subscribed on <date>".
   * Not queued: the sender's send-time check reads it with the rest of the subscriber.
   */
  subscribedAt?: string;
  /**
   * The reader's link version, signed into their unsubscribe and preference links. Not queued:
   * the send-time check reads it (a `revoke-links` between planning and sending counts).
   */
  linkVersion?: number;
}

/** A unit of work on the send queue: one campaign, up to {@link SEND_BATCH_SIZE} recipients. */
export interface SendJob {
  /** The issue id for a digest, the article id for an alert. */
  campaignId: string;
  kind: 'digest' | 'alert';
  recipients: Recipient[];
  /** A digest under a subject test: which of the issue's two subjects these recipients get. */
  variant?: Variant;
}

/** Recipients per queue message. Small enough that one Lambda invocation finishes a batch quickly. */
export const SEND_BATCH_SIZE = 50;

/**
 * Queue messages (send jobs) one sender invocation takes (the event source's batch size). The
 * sender works on two at a time, so the next batch is checked and claimed while the one
 * before it finishes; a deadline check queues whatever the invocation has no time for again.
 */
export const SEND_JOBS_PER_INVOCATION = 4;

/**
 * The digest audience index is sharded so a large audience can be planned in parallel pieces
 * and no single index partition gets hot. A subscriber's shard is fixed by its id.
 */
export const AUDIENCE_SHARDS = 16;

/**
 * Ledger states of one (campaign, subscriber) delivery. `suppressed`: left or suppressed
 * between planning and sending. `deferred`: an alert held back by the reader's daily cap,
 * waiting for the next digest ("Alerts you may have missed").
 */
export type DeliveryStatus = 'claimed' | 'sent' | 'failed' | 'suppressed' | 'deferred';

/** Breaking alerts one reader gets per day, by default; past it, alerts wait for the digest. */
export const DEFAULT_ALERT_DAILY_CAP = 3;

export interface Delivery {
  campaignId: string;
  subscriberId: string;
  status: DeliveryStatus;
  claimedAt: string;
  sentAt?: string;
  sesMessageId?: string;
  error?: string;
  /** Written from SES events (lambdas/usecases/ses-events.ts). */
  deliveredAt?: string;
  bouncedAt?: string;
  /** `Permanent` or `Transient`, with SES's sub-type: `Permanent/General`. */
  bounceType?: string;
  complainedAt?: string;
}
