/**
 * Every storage key format, in one place. Pure: the DynamoDB adapters, the use-cases and the
 * operations tools build and read keys only through these functions.
 *
 * Subscribers  pk `email`: an address's key form ({@link addressFields}: normalised, lower-cased);
 *              or, none of them with an `@`, so never colliding with an address:
 *                {@link erasedKey} `erased#<digest>`   an erased address (in no index: no id, no shard)
 *                {@link mergedKey} `merged#<id>`       the id of an item merged into another
 *                                                     (`mergedInto`: that item's key); in
 *                                                     bySubscriberId only, so old links still resolve
 *                {@link limitKey}  `limit#<scope>#<digest>`  a sign-up limit's recent times (TTL)
 *                {@link ADDRESS_KEY_CHECK} `#address-key`  a digest that tells whether the address key in use is the table's
 *   GSI digestAudience  pk {@link DIGEST_SHARD} (N), sk `subscriberId`; sparse: see {@link audienceKeys}
 *   GSI alertAudience   pk {@link ALERT_SHARD} (N), sk `subscriberId`; sparse likewise for alerts
 *   GSI digestByZone    pk {@link DIGEST_ZONE} (S) the reader's zone key, sk {@link DIGEST_ZONE_SINCE}
 *                       `<zoneChangedAt or 0>#<subscriberId>`; sparse like digestAudience (local-time delivery)
 *   GSI byMailbox       pk {@link MAILBOX} (S) the inbox of the address ({@link mailboxKey}); on every
 *                       address item, so every stored form of one inbox is found (core/inbox.ts)
 *   GSI readers         pk {@link READER_SHARD} (N) a shard of the address key ({@link readerShard}),
 *                       sk `email`; on every address item: the console counts and searches readers
 *                       with a Query per shard, never a Scan
 * Content      pk `pk` = {@link contentKey} `article#<id>` | `issue#<id>` | {@link SETTINGS_KEY}
 *              | {@link archiveKey} `archive#<issue>`: a sent issue's articles as sent (no `kind`: in no index)
 * Deliveries   pk `campaignId`, sk `subscriberId`: the ledger, one entry per (campaign, reader),
 *              plus bookkeeping items whose key starts with `#` ({@link isBookkeepingKey}):
 *   <campaign>               `#summary`              the campaign's counters ({@link summaryKey})
 *   <campaign>               `#clicks`               clicks per article (and variant) through the
 *                                                    redirect, one attribute each ({@link clicksKey},
 *                                                    {@link clickAttribute}); nobody's clicks, only counts
 *   `#pending-alerts`        <reader>                alerts waiting for the reader's next digest
 *   `alertcap#<YYYY-MM-DD>`  <reader>                the reader's alerts counted that day
 *   `#sending`               `#state`                the account-wide pause and override
 *   `#sending`               `bucket#<ISO hour>`     sends, bounces, complaints of that hour
 *   `#audit#<YYYY-MM>`       `<ISO time>#<random>`   the console's audit log (core/audit.ts; TTL);
 *                            `<ISO minute>#refused#<who>`  a minute's role refusals of one editor
 *   `#console-session`       <session id>            a console session, its tokens sealed (TTL)
 *   `#test-sends#<ISO hour>` `editor#<sub>`          an editor's test messages that hour (TTL)
 *   `#confirmation`          <id>                    a send confirmation used (TTL)
 *   `#doctor`                `latest`                the doctor's last verdict (core/doctor-verdict.ts)
 * Campaign ids: an issue id (digest), an article id (alert), `smoke#<issue>#<ISO time>` (smoke).
 */
import { addressKey, mailboxOf, type AddressDigest } from './address';
import { audienceShard, inAlertAudience, inDigestAudience } from './audience';
import { zoneKey } from './local-time';
import type { Subscriber } from './model';

// ---- Subscribers ---------------------------------------------------------------------------

/**
 * A subscriber's key and sending address, from a normalised address: keyed by its
 * {@link addressKey} (lower-cased), mailed as typed when that differs only by case.
 */
export function addressFields(normalisedEmail: string): { email: string; emailAsTyped?: string } {
  const email = addressKey(normalisedEmail);
  return email === normalisedEmail ? { email } : { email, emailAsTyped: normalisedEmail };
}

/** Whether a Subscribers key is an address (every other kind of item there has no `@`). */
export const isAddressKey = (key: string) => key.includes('@');

/** Key of the item that remembers an erased address, by a digest of the address (core/address.ts `erasureDigests`). */
export const erasedKey = (digest: string) => `erased#${digest}`;

/** The {@link erasedKey} written when an address is erased: its keyed digest (enough to refuse it again, not to mail it). */
export const erasedMarkerKey = (normalisedEmail: string, digest: AddressDigest) => erasedKey(digest(addressKey(normalisedEmail)));

/** Key of the item that holds a keyed digest of a fixed text: the address key the table's markers were made with. */
export const ADDRESS_KEY_CHECK = '#address-key';

/** Key of the item that forwards an id merged into another subscriber (`migrate-addresses`) to that subscriber. */
export const mergedKey = (subscriberId: string) => `merged#${subscriberId}`;

/** Key of a sign-up limit's item: `client` (a network) or `address` (a target mailbox), by digest. */
export const limitKey = (scope: 'client' | 'address', digest: string) => `limit#${scope}#${digest}`;

/**
 * Partition key of the `byMailbox` index (a String): the inbox an address item reaches. In clear,
 * as the item's own key is: it follows from that key and is removed with the item, so an erased
 * reader leaves none (their inbox is remembered by a keyed marker instead, `mailboxDigest`).
 */
export const MAILBOX = 'mailbox';

/** The {@link MAILBOX} of an address item: the inbox of its key (`mailboxOf`). */
export const mailboxKey = (email: string): string => mailboxOf(addressKey(email));

/**
 * Partition key of the `readers` index (a Number): every address item carries it, so the index
 * holds every reader (whatever their state) in {@link READER_SHARDS} partitions, each sorted by
 * address. It follows from the key, as {@link MAILBOX} does: written with the item once, never
 * changed, removed with it.
 */
export const READER_SHARD = 'readerShard';
/** Partitions of the `readers` index: a count or a prefix search is one Query (paged) on each. */
export const READER_SHARDS = 4;

/** The {@link READER_SHARD} of an address item: FNV-1a of its key, modulo {@link READER_SHARDS}. */
export function readerShard(email: string): number {
  const key = addressKey(email);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % READER_SHARDS;
}

/** Partition key of the digest audience index (a Number). */
export const DIGEST_SHARD = 'digestShard';
/** Partition key of the alert audience index (a Number). */
export const ALERT_SHARD = 'alertShard';

/** Partition key of the digest-by-zone index (a String): the reader's {@link zoneKey}. */
export const DIGEST_ZONE = 'digestZone';
/** Sort key of the digest-by-zone index (a String): {@link zoneSince}. */
export const DIGEST_ZONE_SINCE = 'digestZoneSince';

/**
 * Sort key of a reader in the digest-by-zone index: when they moved into the zone (their
 * `zoneChangedAt`; `0` if they never moved), then their id. A reader who moves into a zone
 * whose hour has passed is found by a range on it (`> dueAt`), without reading the partition.
 */
export const zoneSince = (subscriberId: string, zoneChangedAt?: string) => `${zoneChangedAt ?? '0'}#${subscriberId}`;

/** Every audience-index key an item may carry: an adapter removes the ones {@link audienceKeys} leaves out. */
export const AUDIENCE_KEY_NAMES = [DIGEST_SHARD, ALERT_SHARD, DIGEST_ZONE, DIGEST_ZONE_SINCE] as const;

/**
 * The audience-index keys a subscriber's state calls for: the index *is* the audience, so an
 * item carries `digestShard` (and `digestZone`, `digestZoneSince`) exactly when it is in the
 * digest audience, `alertShard` likewise for alerts. A key left out must be removed from a
 * stored item.
 */
export function audienceKeys(
  s: Pick<Subscriber, 'subscriberId' | 'status' | 'digest' | 'alerts' | 'suppressed'> &
    Partial<Pick<Subscriber, 'timezone' | 'zoneChangedAt'>>,
): {
  digestShard?: number;
  alertShard?: number;
  digestZone?: string;
  digestZoneSince?: string;
} {
  const shard = audienceShard(s.subscriberId);
  return {
    ...(inDigestAudience(s)
      ? { [DIGEST_SHARD]: shard, [DIGEST_ZONE]: zoneKey(s.timezone), [DIGEST_ZONE_SINCE]: zoneSince(s.subscriberId, s.zoneChangedAt) }
      : {}),
    ...(inAlertAudience(s) ? { [ALERT_SHARD]: shard } : {}),
  };
}

// ---- Content -------------------------------------------------------------------------------

export const contentKey = (kind: 'article' | 'issue', id: string) => `${kind}#${id}`;
/** The newsletter's settings (topics, page text): one item, no `kind`, so no index or stream filter sees it. */
export const SETTINGS_KEY = 'settings#newsletter';
/**
 * A sent issue's archive snapshot (core/archive-snapshot.ts): an item of its own, with no
 * `kind`, so no index, no stream filter and no read of the issue item carries its size.
 */
export const archiveKey = (issueId: string) => `archive#${issueId}`;

// ---- Deliveries: bookkeeping beside the ledger ----------------------------------------------

/** A key starting with `#` is bookkeeping, never a campaign or subscriber id. */
export const isBookkeepingKey = (key: string) => key.startsWith('#');

/**
 * Sort key of a campaign's summary item: its counters live next to its deliveries (same
 * partition), and `#` never starts a subscriber id.
 */
export const SUMMARY_KEY = '#summary';
export const summaryKey = (campaignId: string) => ({ campaignId, subscriberId: SUMMARY_KEY });

/** Sort key of a campaign's click counts: beside its summary, never a subscriber id. */
export const CLICKS_KEY = '#clicks';
export const clicksKey = (campaignId: string) => ({ campaignId, subscriberId: CLICKS_KEY });

const CLICK_PREFIX = 'click#';
/** The `#clicks` item's attribute counting one article's clicks (per subject variant, when it has one). */
export const clickAttribute = (articleId: string, variant?: string) => `${CLICK_PREFIX}${articleId}${variant ? `#${variant}` : ''}`;
/** The article and variant a {@link clickAttribute} names, or undefined for any other attribute. */
export function parseClickAttribute(name: string): { articleId: string; variant?: string } | undefined {
  if (!name.startsWith(CLICK_PREFIX)) return undefined;
  const [articleId, variant] = name.slice(CLICK_PREFIX.length).split('#');
  return articleId ? { articleId, ...(variant ? { variant } : {}) } : undefined;
}

/** The attribute of a reader's ledger entry listing the articles they clicked (per-reader clicks only). */
export const CLICKED_ARTICLES = 'clickedArticles';

/** Partition of the readers with alerts waiting for their next digest, one item each. */
export const PENDING_ALERTS_KEY = '#pending-alerts';
export const pendingAlertsKey = (subscriberId: string) => ({ campaignId: PENDING_ALERTS_KEY, subscriberId });

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Start (epoch ms, UTC) of an alert-cap day, `YYYY-MM-DD`; throws on anything else. */
export function alertCapDayStart(day: string): number {
  const start = Date.parse(`${day}T00:00:00Z`);
  if (!DAY.test(day) || !Number.isFinite(start)) throw new Error(`alert cap: not a YYYY-MM-DD day: ${JSON.stringify(day)}`);
  return start;
}

/** A reader's alert-cap item for `day` (the reader's own day, `YYYY-MM-DD`). */
export function alertCapKey(day: string, subscriberId: string) {
  alertCapDayStart(day);
  return { campaignId: `alertcap#${day}`, subscriberId };
}

/** The account-wide sending state's partition (core/sending-brake.ts). */
export const SENDING_PARTITION = '#sending';
/** The pause and the reputation override: one item. */
export const sendingStateKey = () => ({ campaignId: SENDING_PARTITION, subscriberId: '#state' });

const BUCKET_PREFIX = 'bucket#';
/** Sort key of the hourly counts bucket that starts at `start` (epoch ms); sorts in time order. */
export const bucketKey = (start: number) => `${BUCKET_PREFIX}${new Date(start).toISOString()}`;
/** The start (epoch ms) a {@link bucketKey} names. */
export const bucketStart = (key: string) => Date.parse(key.slice(BUCKET_PREFIX.length));

// ---- Campaign ids --------------------------------------------------------------------------

/** A smoke run's own campaign: the issue's ledger entries and counters are never touched. */
export const smokeCampaignId = (issueId: string, at: Date) => `smoke#${issueId}#${at.toISOString()}`;
