/**
 * The DynamoDB table definitions, in one place for the local mode and the integration tests.
 * They match the tables the CDK storage construct creates on AWS: same keys, same indexes,
 * same stream.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';

export interface TableNames {
  subscribers: string;
  content: string;
  deliveries: string;
}

/** Index names the adapters query. */
export const INDEX = {
  bySubscriberId: 'bySubscriberId',
  digestAudience: 'digestAudience',
  alertAudience: 'alertAudience',
  deferredBySubscriber: 'deferredBySubscriber',
  byKind: 'byKind',
} as const;

/** Table names from a prefix: `<prefix>Subscribers`, `<prefix>Content`, `<prefix>Deliveries`. */
export function tableNames(prefix = ''): TableNames {
  return { subscribers: `${prefix}Subscribers`, content: `${prefix}Content`, deliveries: `${prefix}Deliveries` };
}

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
        { AttributeName: 'deferredFor', AttributeType: 'S' },
        { AttributeName: 'deferredAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'campaignId', KeyType: 'HASH' },
        { AttributeName: 'subscriberId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          // Sparse: only alerts held back by the daily cap carry `deferredFor`, until a digest shows them.
          IndexName: INDEX.deferredBySubscriber,
          KeySchema: [
            { AttributeName: 'deferredFor', KeyType: 'HASH' },
            { AttributeName: 'deferredAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
  };
}

/**
 * Create whichever of the three tables do not exist yet, add any index a newer version of
 * the product defines to an existing table, and wait until all are ACTIVE. Existing data is
 * kept (a restarted local mode keeps its data).
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
    }
  }
  // Tables made by an older version: add the indexes they lack (one per call, as DynamoDB asks).
  for (const input of Object.values(tableDefinitions(names))) {
    const name = input.TableName!;
    if (created.includes(name)) continue;
    for (const index of input.GlobalSecondaryIndexes ?? []) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if ((Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName)) continue;
      const keyNames = new Set(index.KeySchema!.map((k) => k.AttributeName));
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: input.AttributeDefinitions!.filter((a) => keyNames.has(a.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
        }),
      );
      await waitForIndexes(client, name, timeoutMs);
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
  return created;
}

async function waitForIndexes(client: DynamoDBClient, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if ((Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) throw new Error(`Indexes of ${name} are not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
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
