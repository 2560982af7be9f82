/**
 * The shape of the three DynamoDB tables, written once: keys, indexes (with what each one
 * projects), stream and TTL. The CDK storage construct (lib/constructs/storage.ts) builds the
 * AWS tables from it and the local mode (lib/local/tables.ts) builds its CreateTable and
 * UpdateTimeToLive inputs from it, so the two cannot say different things; the infra test
 * test/infra/table-schema.test.ts compares what each side makes of it.
 *
 * Pure data, no SDK and no CDK: the local runtime imports it without loading aws-cdk-lib.
 * What only AWS has (billing, point-in-time recovery, deletion protection, removal policy)
 * stays in the construct.
 */
import { INDEXES } from './indexes';
import { EXPIRES_AT } from './lifecycle';
import { INBOX_MEMBER_FIELDS } from './inbox';
import { MAILBOX, READER_SHARD } from './keys';

/** DynamoDB's scalar key types: string, number, binary. */
export type KeyType = 'S' | 'N' | 'B';

/** A key attribute: its name and type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

/** What an index copies from the table: keys only, everything, or the keys and a few attributes. */
export type Projection =
  { readonly type: 'KEYS_ONLY' } | { readonly type: 'ALL' } | { readonly type: 'INCLUDE'; readonly nonKeyAttributes: readonly string[] };

/** A global secondary index. */
export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: Projection;
}

/** One table. */
export interface TableSchema {
  /**
   * The table's construct id on AWS (so its CloudFormation logical id) and the suffix of its
   * name locally (`<prefix><id>`). Changing it replaces the table on AWS.
   */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Global secondary indexes, in the order they are created. */
  readonly indexes: readonly IndexSchema[];
  /** The stream's view type; no stream when absent. */
  readonly stream?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** The attribute (epoch seconds) DynamoDB's TTL deletes items by; no TTL when absent. */
  readonly timeToLiveAttribute?: string;
}

/** The tables, by the name the code uses for each. */
export type TableKey = 'subscribers' | 'content' | 'deliveries';

const S = (name: string): KeyAttribute => ({ name, type: 'S' });
const N = (name: string): KeyAttribute => ({ name, type: 'N' });

/** The three tables. */
export const TABLES: Readonly<Record<TableKey, TableSchema>> = {
  /** Subscribers, keyed by normalised email address. */
  subscribers: {
    id: 'Subscribers',
    partitionKey: S('email'),
    indexes: [
      // Tokens carry the subscriber's random id, not the address.
      { name: INDEXES.bySubscriberId, partitionKey: S('subscriberId'), projection: { type: 'ALL' } },
      // Sparse: only subscribers who should get the digest carry `digestShard`, so the
      // planner pages exactly the audience and nothing else.
      {
        name: INDEXES.digestAudience,
        partitionKey: N('digestShard'),
        sortKey: S('subscriberId'),
        projection: { type: 'INCLUDE', nonKeyAttributes: ['email'] },
      },
      // Sparse likewise for breaking alerts; topics (and the time zone, for the daily cap)
      // are projected so the planner matches them without reading the table.
      {
        name: INDEXES.alertAudience,
        partitionKey: N('alertShard'),
        sortKey: S('subscriberId'),
        projection: { type: 'INCLUDE', nonKeyAttributes: ['email', 'topics', 'timezone'] },
      },
      // Sparse like digestAudience, by the reader's zone: a local-time planner run reads only
      // the zones now due. The sort key starts with when the reader moved into the zone, so
      // the readers who moved in after its hour are a range, not a scan.
      {
        name: INDEXES.digestByZone,
        partitionKey: S('digestZone'),
        sortKey: S('digestZoneSince'),
        projection: { type: 'INCLUDE', nonKeyAttributes: ['email', 'subscriberId'] },
      },
      // Every stored form of one inbox (`mailbox`, core/keys.ts MAILBOX): a "no" said under one
      // form keeps out the others. Every address item carries it (it follows from the key, so no
      // change of state can leave it wrong); what tells a "no" is projected, nothing more.
      {
        name: INDEXES.byMailbox,
        partitionKey: S(MAILBOX),
        projection: { type: 'INCLUDE', nonKeyAttributes: [...INBOX_MEMBER_FIELDS] },
      },
      // Every reader in a few partitions (`readerShard`, core/keys.ts READER_SHARD), by address:
      // the console's counts and prefix search Query it instead of scanning the table. On every
      // address item, as `mailbox` is (it follows from the key); what a count and a search row
      // show is projected. Added alone, last: CloudFormation creates one GSI per table per update.
      {
        name: INDEXES.readers,
        partitionKey: N(READER_SHARD),
        sortKey: S('email'),
        projection: {
          type: 'INCLUDE',
          nonKeyAttributes: ['status', 'suppressed', 'source', 'topics', 'subscriberId', 'createdAt', 'emailAsTyped'],
        },
      },
    ],
    // Sign-ups never confirmed expire instead of piling up (items without it never expire).
    timeToLiveAttribute: EXPIRES_AT,
  },
  /** Articles and issues (`pk` = `article#<id>` / `issue#<id>`). */
  content: {
    id: 'Content',
    partitionKey: S('pk'),
    indexes: [{ name: INDEXES.byKind, partitionKey: S('kind'), sortKey: S('date'), projection: { type: 'ALL' } }],
    // Breaking articles are picked up from the stream by the alert planner. No TTL: articles
    // and issues do not expire.
    stream: 'NEW_AND_OLD_IMAGES',
  },
  /** The delivery ledger: one item per (campaign, subscriber), claimed before sending. */
  deliveries: {
    id: 'Deliveries',
    partitionKey: S('campaignId'),
    sortKey: S('subscriberId'),
    indexes: [
      // SES events name the recipient, not the campaign; erasure must find every entry of one
      // subscriber. Keys plus the SES message id and status: enough to pick the entry.
      {
        name: INDEXES.deliveriesBySubscriber,
        partitionKey: S('subscriberId'),
        sortKey: S('campaignId'),
        projection: { type: 'INCLUDE', nonKeyAttributes: ['sesMessageId', 'status'] },
      },
    ],
    // Ledger entries are needed while a campaign can still be retried and its events arrive;
    // after that they expire, so the ledger does not hold addresses forever.
    timeToLiveAttribute: EXPIRES_AT,
  },
};

/** The table keys in a fixed order (the order the tables are created in). */
export const TABLE_KEYS: readonly TableKey[] = ['subscribers', 'content', 'deliveries'];

/**
 * Every key attribute of a table and its indexes, once each, in the order DynamoDB (and CDK)
 * list them: the table's keys, then each index's keys.
 *
 * @throws if one attribute is given two types (DynamoDB would refuse the table).
 */
export function keyAttributes(table: TableSchema): KeyAttribute[] {
  const seen = new Map<string, KeyType>();
  const out: KeyAttribute[] = [];
  const keys = [table.partitionKey, table.sortKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const key of keys) {
    if (!key) continue;
    const type = seen.get(key.name);
    if (type === undefined) {
      seen.set(key.name, key.type);
      out.push(key);
    } else if (type !== key.type) {
      throw new Error(`Table ${table.id}: attribute ${key.name} is both ${type} and ${key.type}`);
    }
  }
  return out;
}
