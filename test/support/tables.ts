/**
 * Per-test-file DynamoDB tables: uniquely named, created with the production definitions
 * (lib/local/tables.ts) in the emulator that global-setup.ts started, and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTables, tableNames, type TableNames } from '../../lib/local/tables';
import { documentClient } from '../../lambdas/wiring';

export interface TestTables {
  names: TableNames;
  /** The client used to create them (endpoint from AWS_ENDPOINT_URL_DYNAMODB). */
  client: DynamoDBClient;
  /** Delete the three tables and release the client. */
  drop(): Promise<void>;
}

/**
 * Create Subscribers, Content and Deliveries tables named `<prefix>-<random>-<Table>` and
 * wait until they are ACTIVE.
 */
export async function createTestTables(prefix = 'test'): Promise<TestTables> {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) {
    throw new Error('AWS_ENDPOINT_URL_DYNAMODB is not set: run this through the jest integration project');
  }
  const client = new DynamoDBClient({});
  const names = tableNames(`${prefix}-${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, names);
  return {
    names,
    client,
    async drop() {
      for (const name of Object.values(names)) {
        try {
          await client.send(new DeleteTableCommand({ TableName: name }));
        } catch (error) {
          if (!(error instanceof ResourceNotFoundException)) throw error;
        }
      }
      client.destroy();
    },
  };
}

/** Every item of a table, read raw (a paged, consistent Scan): what a test checks the stored state with. */
export async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient().send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
