import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export { INDEXES } from '../../lambdas/core/indexes';
import { INDEXES } from '../../lambdas/core/indexes';

/** Props of {@link Storage}. */
export interface StorageProps {
  /**
   * What happens to the Content table when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly contentRemovalPolicy?: RemovalPolicy;
}

/**
 * Attribute (epoch seconds) after which DynamoDB deletes an item by itself: written by the
 * runtime on subscribers that never confirmed and on ledger entries past their keeping time.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The three DynamoDB tables: on-demand capacity (mail is bursty: idle all week, then one
 * digest), point-in-time recovery and deletion protection on all of them, and kept when the
 * stack is deleted.
 */
export class Storage extends Construct {
  /** Subscribers, keyed by normalised email address. */
  readonly subscribers: dynamodb.Table;
  /** Articles and issues (`pk` = `article#<id>` / `issue#<id>`), with a stream for alerts. */
  readonly content: dynamodb.Table;
  /** The delivery ledger: one item per (campaign, subscriber), claimed before sending. */
  readonly deliveries: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);

    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // A delete of the table itself (console, CLI, a mistaken replacement) is refused until
      // this is turned off on purpose; RETAIN alone covers only the stack's deletion.
      deletionProtection: true,
    } as const;

    this.subscribers = new dynamodb.Table(this, 'Subscribers', {
      ...common,
      partitionKey: { name: 'email', type: dynamodb.AttributeType.STRING },
      // Sign-ups never confirmed expire instead of piling up (items without it never expire).
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Losing the list (and its consent records) is not recoverable by redeploying.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.subscribers.addGlobalSecondaryIndex({
      indexName: INDEXES.bySubscriberId,
      partitionKey: { name: 'subscriberId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Sparse: only subscribers who should get the digest carry `digestShard`, so the
    // planner pages exactly the audience and nothing else.
    this.subscribers.addGlobalSecondaryIndex({
      indexName: INDEXES.digestAudience,
      partitionKey: { name: 'digestShard', type: dynamodb.AttributeType.NUMBER },
      sortKey: { name: 'subscriberId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['email'],
    });
    // Sparse likewise for breaking alerts; the planner matches the projected topics.
    this.subscribers.addGlobalSecondaryIndex({
      indexName: INDEXES.alertAudience,
      partitionKey: { name: 'alertShard', type: dynamodb.AttributeType.NUMBER },
      sortKey: { name: 'subscriberId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['email', 'topics', 'timezone'],
    });

    this.content = new dynamodb.Table(this, 'Content', {
      ...common,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      // Breaking articles are picked up from the stream by the alert planner.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: props.contentRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.content.addGlobalSecondaryIndex({
      indexName: INDEXES.byKind,
      partitionKey: { name: 'kind', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'date', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.deliveries = new dynamodb.Table(this, 'Deliveries', {
      ...common,
      partitionKey: { name: 'campaignId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'subscriberId', type: dynamodb.AttributeType.STRING },
      // Ledger entries are needed while a campaign can still be retried and its events
      // arrive; after that they expire, so the ledger does not hold addresses forever.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The ledger is what stops a retry from mailing someone twice; keep it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // SES events name the recipient, not the campaign; erasure must find every entry of one
    // subscriber. Keys plus the SES message id and status: enough to pick the entry.
    this.deliveries.addGlobalSecondaryIndex({
      indexName: INDEXES.deliveriesBySubscriber,
      partitionKey: { name: 'subscriberId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'campaignId', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['sesMessageId', 'status'],
    });
  }
}
