import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { EXPIRES_AT } from '../../lambdas/core/lifecycle';
import { type KeyAttribute, type Projection, TABLES, type TableSchema } from '../../lambdas/core/table-schema';

export { INDEXES } from '../../lambdas/core/indexes';

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
 * The tables that have it are named in lambdas/core/table-schema.ts.
 */
export const TTL_ATTRIBUTE = EXPIRES_AT;

/**
 * The three DynamoDB tables, built from their one description (lambdas/core/table-schema.ts:
 * keys, indexes, stream, TTL), which the local mode builds its tables from too. Here only what
 * AWS alone has: on-demand capacity (mail is bursty: idle all week, then one digest),
 * point-in-time recovery and deletion protection on all of them, and kept when the stack is
 * deleted.
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
    // Losing the list (and its consent records) is not recoverable by redeploying.
    this.subscribers = this.table(TABLES.subscribers, RemovalPolicy.RETAIN);
    this.content = this.table(TABLES.content, props.contentRemovalPolicy ?? RemovalPolicy.RETAIN);
    // The ledger is what stops a retry from mailing someone twice; keep it.
    this.deliveries = this.table(TABLES.deliveries, RemovalPolicy.RETAIN);
  }

  private table(schema: TableSchema, removalPolicy: RemovalPolicy): dynamodb.Table {
    const table = new dynamodb.Table(this, schema.id, {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // A delete of the table itself (console, CLI, a mistaken replacement) is refused until
      // this is turned off on purpose; RETAIN alone covers only the stack's deletion.
      deletionProtection: true,
      partitionKey: attribute(schema.partitionKey),
      sortKey: schema.sortKey && attribute(schema.sortKey),
      stream: schema.stream && STREAM_VIEW[schema.stream],
      timeToLiveAttribute: schema.timeToLiveAttribute,
      removalPolicy,
    });
    // One at a time, in the schema's order: CloudFormation adds at most one index per table
    // per update, so a new index goes at the end and ships in its own deploy.
    for (const index of schema.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey && attribute(index.sortKey),
        ...projection(index.projection),
      });
    }
    return table;
  }
}

const ATTRIBUTE_TYPE: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const STREAM_VIEW: Record<NonNullable<TableSchema['stream']>, dynamodb.StreamViewType> = {
  KEYS_ONLY: dynamodb.StreamViewType.KEYS_ONLY,
  NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
  OLD_IMAGE: dynamodb.StreamViewType.OLD_IMAGE,
  NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
};

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPE[key.type] };
}

function projection(p: Projection): Pick<dynamodb.GlobalSecondaryIndexProps, 'projectionType' | 'nonKeyAttributes'> {
  switch (p.type) {
    case 'ALL':
      return { projectionType: dynamodb.ProjectionType.ALL };
    case 'KEYS_ONLY':
      return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
    case 'INCLUDE':
      return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...p.nonKeyAttributes] };
  }
}
