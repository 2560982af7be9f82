/**
 * What DynamoDB Local actually holds after ensureTables is what the table schema says: the
 * CreateTable and UpdateTimeToLive inputs (which test/infra/table-schema.test.ts compares with
 * the synthesized stack) are applied in full, TTL included.
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { tableDefinitions, timeToLiveDefinitions } from '../../lib/local/tables';
import { TABLE_KEYS } from '../../lambdas/core/table-schema';
import { createTestTables, type TestTables } from '../support/tables';
import { shape } from '../support/table-shape';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables('schema');
});
afterAll(() => tables.drop());

describe('local tables as created', () => {
  it.each(TABLE_KEYS)('%s in DynamoDB Local has the keys, indexes, projections, stream and TTL of its definition', async (key) => {
    const name = tables.names[key];
    const { Table } = await tables.client.send(new DescribeTableCommand({ TableName: name }));
    const { TimeToLiveDescription: ttl } = await tables.client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const held = shape({
      ...Table,
      BillingMode: Table?.BillingModeSummary?.BillingMode,
      TimeToLiveSpecification: { AttributeName: ttl?.AttributeName, Enabled: ttl?.TimeToLiveStatus === 'ENABLED' },
    });
    const wanted = shape({
      ...tableDefinitions(tables.names)[key],
      TimeToLiveSpecification: timeToLiveDefinitions(tables.names)[key]?.TimeToLiveSpecification,
    });
    expect(held).toEqual(wanted);
  });
});
