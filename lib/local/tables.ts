/**
 * The DynamoDB table definitions, in one place for the local mode and the integration tests.
 * They match the tables the CDK storage construct creates on AWS: same keys, same indexes,
 * same stream.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { EXPIRES_AT } from '../../lambdas/core/lifecycle';

export interface TableNames {
  subscribers: string;
  content: string;
  deliveries: string;
}

/** Index names the adapters query (one list for AWS and here). */
export { INDEXES as INDEX } from '../../lambdas/core/indexes';
import { INDEXES as INDEX } from '../../lambdas/core/indexes';

/** Table names from a prefix: `<prefix>Subscribers`, `<prefix>Content`, `<prefix>Deliveries`. */
export function tableNames(prefix = ''): TableNames {
  return { subscribers: `${prefix}Subscribers`, content: `${prefix}Content`, deliveries: `${prefix}Deliveries` };
}

/**
 * Tables whose items may carry the TTL attribute `expiresAt` (lambdas/core/lifecycle.ts), as
 * the storage construct sets them on AWS. Content has none: articles and issues do not expire.
 */
export const TTL_TABLES: readonly (keyof TableNames)[] = ['subscribers', 'deliveries'];

/** CreateTable inputs for the three tables, all on-demand. */
export function tableDefinitions(names: TableNames): Record<keyof TableNames, CreateTableCommandInput> {
  return {
    subscribers: {
      TableName: names.subscribers,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'email', AttributeType: 'S' },
        { AttributeName: 'subscriberId', AttributeType: 'S' },
        { AttributeName: 'digestShard', AttributeType: 'N' },
        { AttributeName: 'alertShard', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: INDEX.bySubscriberId,
          KeySchema: [{ AttributeName: 'subscriberId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // Sparse: only subscribers who should get the digest carry `digestShard`.
          IndexName: INDEX.digestAudience,
          KeySchema: [
            { AttributeName: 'digestShard', KeyType: 'HASH' },
            { AttributeName: 'subscriberId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email'] },
        },
        {
          // Sparse: only subscribers who should get alerts carry `alertShard`; topics are
          // projected so the planner can match them without reading the table.
          IndexName: INDEX.alertAudience,
          KeySchema: [
            { AttributeName: 'alertShard', KeyType: 'HASH' },
            { AttributeName: 'subscriberId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'topics', 'timezone'] },
        },
      ],
    },
    content: {
      TableName: names.content,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'kind', AttributeType: 'S' },
        { AttributeName: 'date', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: INDEX.byKind,
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'date', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      // The alert planner reads breaking articles from this stream.
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    deliveries: {
      TableName: names.deliveries,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'campaignId', AttributeType: 'S' },
        { AttributeName: 'subscriberId', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'campaignId', KeyType: 'HASH' },
        { AttributeName: 'subscriberId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          // SES events and erasure find a subscriber's entries here.
          IndexName: INDEX.deliveriesBySubscriber,
          KeySchema: [
            { AttributeName: 'subscriberId', KeyType: 'HASH' },
            { AttributeName: 'campaignId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sesMessageId', 'status'] },
        },
      ],
    },
  };
}

/**
 * Create whichever of the three tables do not exist yet, add any index a newer version of
 * the product defines to an existing table, wait until all are ACTIVE, and turn TTL on where
 * AWS has it (an existing table included). Existing data is kept (a restarted local mode keeps
 * its data).
 *
 * @returns the names of the tables it created.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames, timeoutMs = 30_000): Promise<string[]> {
  const created: string[] = [];
  for (const input of Object.values(tableDefinitions(names))) {
    const name = input.TableName!;
    if ((await tableStatus(client, name)) === undefined) {
      try {
        await client.send(new CreateTableCommand(input));
        created.push(name);
      } catch (error) {
        // Another process created it between our check and our call: fine.
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    } else {
      await addMissingIndexes(client, input, timeoutMs);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of Object.values(names)) {
    for (;;) {
      const status = await tableStatus(client, name);
      if (status === 'ACTIVE') break;
      if (Date.now() > deadline) throw new Error(`Table ${name} is not ACTIVE after ${timeoutMs} ms (status ${status})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  for (const table of TTL_TABLES) await enableTimeToLive(client, names[table]);
  return created;
}

/**
 * TTL on `expiresAt`, unless it is on already: DynamoDB refuses to enable it twice. Whether
 * DynamoDB Local then deletes expired items does not matter here; what the tests check is that
 * the items carry the right `expiresAt`, and that the table is set up as on AWS.
 */
async function enableTimeToLive(client: DynamoDBClient, name: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if ((ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') && ttl.AttributeName === EXPIRES_AT) return;
  await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: EXPIRES_AT, Enabled: true } }));
}

/**
 * A table kept from an earlier version (the local data folder survives upgrades) gets the
 * indexes added since, one at a time as DynamoDB requires.
 */
async function addMissingIndexes(client: DynamoDBClient, input: CreateTableCommandInput, timeoutMs: number): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const gsi of input.GlobalSecondaryIndexes ?? []) {
    if (have.has(gsi.IndexName)) continue;
    const used = new Set(gsi.KeySchema?.map((k) => k.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        AttributeDefinitions: input.AttributeDefinitions?.filter((a) => used.has(a.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: gsi.IndexName, KeySchema: gsi.KeySchema, Projection: gsi.Projection } }],
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Table: t } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
      const status = t?.GlobalSecondaryIndexes?.find((g) => g.IndexName === gsi.IndexName)?.IndexStatus;
      if (status === 'ACTIVE' && t?.TableStatus === 'ACTIVE') break;
      if (Date.now() > deadline) throw new Error(`Index ${gsi.IndexName} of ${input.TableName} is not ACTIVE after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function tableStatus(client: DynamoDBClient, name: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    return Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
