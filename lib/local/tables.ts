/**
 * The DynamoDB tables of the local mode and the integration tests, built from the one table
 * description (lambdas/core/table-schema.ts) the CDK storage construct builds the AWS tables
 * from: same keys, same indexes and projections, same stream, same TTL.
 * test/infra/table-schema.test.ts compares the inputs made here with the synthesized stack.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection as DynamoDbProjection,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  type IndexSchema,
  keyAttributes,
  type Projection,
  TABLE_KEYS,
  TABLES,
  type TableKey,
  type TableSchema,
} from '../../lambdas/core/table-schema';

export type TableNames = Record<TableKey, string>;

/** Index names the adapters query (one list for AWS and here). */
export { INDEXES as INDEX } from '../../lambdas/core/indexes';

/** Table names from a prefix: `<prefix>Subscribers`, `<prefix>Content`, `<prefix>Deliveries`. */
export function tableNames(prefix = ''): TableNames {
  return {
    subscribers: `${prefix}${TABLES.subscribers.id}`,
    content: `${prefix}${TABLES.content.id}`,
    deliveries: `${prefix}${TABLES.deliveries.id}`,
  };
}

/**
 * Tables whose items may carry a TTL attribute (`expiresAt`, lambdas/core/lifecycle.ts), as on
 * AWS. Content has none: articles and issues do not expire.
 */
export const TTL_TABLES: readonly TableKey[] = TABLE_KEYS.filter((key) => TABLES[key].timeToLiveAttribute !== undefined);

/** CreateTable inputs for the three tables, all on-demand. */
export function tableDefinitions(names: TableNames): Record<TableKey, CreateTableCommandInput> {
  return {
    subscribers: createTableInput(TABLES.subscribers, names.subscribers),
    content: createTableInput(TABLES.content, names.content),
    deliveries: createTableInput(TABLES.deliveries, names.deliveries),
  };
}

/** UpdateTimeToLive inputs for the tables that have TTL (the others are absent). */
export function timeToLiveDefinitions(names: TableNames): Partial<Record<TableKey, UpdateTimeToLiveCommandInput>> {
  const out: Partial<Record<TableKey, UpdateTimeToLiveCommandInput>> = {};
  for (const key of TTL_TABLES) {
    out[key] = { TableName: names[key], TimeToLiveSpecification: { AttributeName: TABLES[key].timeToLiveAttribute, Enabled: true } };
  }
  return out;
}

function createTableInput(schema: TableSchema, name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes(schema).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(schema),
    ...(schema.indexes.length > 0 && { GlobalSecondaryIndexes: schema.indexes.map(globalSecondaryIndex) }),
    ...(schema.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: schema.stream } }),
  };
}

function keySchema(k: Pick<TableSchema, 'partitionKey' | 'sortKey'>): CreateTableCommandInput['KeySchema'] {
  return [
    { AttributeName: k.partitionKey.name, KeyType: 'HASH' },
    ...(k.sortKey ? [{ AttributeName: k.sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function globalSecondaryIndex(index: IndexSchema): GlobalSecondaryIndex {
  return { IndexName: index.name, KeySchema: keySchema(index), Projection: projection(index.projection) };
}

function projection(p: Projection): DynamoDbProjection {
  return p.type === 'INCLUDE' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...p.nonKeyAttributes] } : { ProjectionType: p.type };
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
  for (const input of Object.values(timeToLiveDefinitions(names))) await enableTimeToLive(client, input);
  return created;
}

/**
 * TTL on the table's attribute, unless it is on already: DynamoDB refuses to enable it twice.
 * Whether DynamoDB Local then deletes expired items does not matter here; what the tests check
 * is that the items carry the right `expiresAt`, and that the table is set up as on AWS.
 */
async function enableTimeToLive(client: DynamoDBClient, input: UpdateTimeToLiveCommandInput): Promise<void> {
  const want = input.TimeToLiveSpecification!.AttributeName;
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: input.TableName }));
  if ((ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') && ttl.AttributeName === want) return;
  await client.send(new UpdateTimeToLiveCommand(input));
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
