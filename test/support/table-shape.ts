/**
 * What the stack's tables and the local ones must agree on, in one comparable shape: from a
 * CloudFormation AWS::DynamoDB::Table's properties, a CreateTable input, or a DescribeTable
 * answer (with its TTL added). Lists whose order means nothing are sorted.
 */
type Key = { AttributeName?: string; KeyType?: string };
type Index = { IndexName?: string; KeySchema?: Key[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } };

/** Billing, keys and attribute types, indexes and what they project, stream view type, TTL attribute. */
export interface Shape {
  billingMode?: string;
  keySchema: Key[];
  attributes: string[];
  globalIndexes: { name?: string; keySchema: Key[]; projection?: string; nonKeyAttributes: string[] }[];
  localIndexes: string[];
  stream?: string;
  timeToLive?: string;
}

const byName = <T extends { name?: string }>(a: T, b: T) => String(a.name).localeCompare(String(b.name));

/** The properties {@link shape} reads, named as CloudFormation and the DynamoDB API name them. */
export interface TableProperties {
  BillingMode?: string;
  KeySchema?: Key[];
  AttributeDefinitions?: { AttributeName?: string; AttributeType?: string }[];
  GlobalSecondaryIndexes?: Index[];
  LocalSecondaryIndexes?: Index[];
  StreamSpecification?: { StreamEnabled?: boolean; StreamViewType?: string };
  TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
}

/** The {@link Shape} of a table: a stream counts only if enabled, TTL only if enabled. */
export function shape(t: TableProperties): Shape {
  return {
    billingMode: t.BillingMode,
    keySchema: (t.KeySchema ?? []).map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType })),
    attributes: (t.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    globalIndexes: (t.GlobalSecondaryIndexes ?? [])
      .map((g) => ({
        name: g.IndexName,
        keySchema: (g.KeySchema ?? []).map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType })),
        projection: g.Projection?.ProjectionType,
        nonKeyAttributes: [...(g.Projection?.NonKeyAttributes ?? [])].sort(),
      }))
      .sort(byName),
    localIndexes: (t.LocalSecondaryIndexes ?? []).map((l) => String(l.IndexName)).sort(),
    // CloudFormation has no StreamEnabled: a StreamSpecification means a stream.
    stream: t.StreamSpecification && t.StreamSpecification.StreamEnabled !== false ? t.StreamSpecification.StreamViewType : undefined,
    timeToLive: t.TimeToLiveSpecification?.Enabled ? t.TimeToLiveSpecification.AttributeName : undefined,
  };
}
