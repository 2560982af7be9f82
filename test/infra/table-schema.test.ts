/**
 * The tables the stack creates on AWS and the ones the local mode and the integration tests
 * create (lib/local/tables.ts) must be the same tables: same keys and attribute types, same
 * indexes with the same projections, same stream, same TTL. Both are built from
 * lambdas/core/table-schema.ts; this test compares what each side actually makes of it, so a
 * hand edit on either side (an index added in the construct only, a projection changed in the
 * local inputs) fails here.
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';
import { tableDefinitions, tableNames, timeToLiveDefinitions } from '../../lib/local/tables';
import { TABLE_KEYS, TABLES } from '../../lambdas/core/table-schema';
import { shape, type TableProperties } from '../support/table-shape';
import { synth } from './synth';

const template = synth();
const resources = template.findResources('AWS::DynamoDB::Table') as Record<string, { Properties: TableProperties }>;
const names = tableNames();
const local: Record<string, CreateTableCommandInput> = tableDefinitions(names);
const ttl: Record<string, UpdateTimeToLiveCommandInput | undefined> = timeToLiveDefinitions(names);

/** The synthesized table of the Storage construct's child `id` (logical id `Storage<id><hash>`). */
function stackTable(id: string) {
  const ids = Object.keys(resources).filter((logicalId) => new RegExp(`^Storage${id}[0-9A-F]{8}$`).test(logicalId));
  expect(ids).toHaveLength(1);
  return resources[ids[0]].Properties;
}

describe('one table schema for AWS and the local mode', () => {
  it('the stack has exactly the tables the local mode creates', () => {
    expect(Object.keys(resources)).toHaveLength(Object.keys(local).length);
    expect(Object.keys(local).sort()).toEqual([...TABLE_KEYS].sort());
  });

  it.each(TABLE_KEYS)('%s: same keys, attribute types, indexes and projections, stream and TTL on AWS as locally', (key) => {
    const aws = shape(stackTable(names[key]));
    const here = shape({ ...local[key], TimeToLiveSpecification: ttl[key]?.TimeToLiveSpecification });
    expect(here).toEqual(aws);
  });

  it('says something: every table has keys and at least one index, Content streams, Subscribers and Deliveries expire', () => {
    for (const key of TABLE_KEYS) {
      const aws = shape(stackTable(names[key]));
      expect(aws.keySchema.length).toBeGreaterThan(0);
      expect(aws.globalIndexes.length).toBeGreaterThan(0);
    }
    expect(shape(stackTable(names.content)).stream).toBe('NEW_AND_OLD_IMAGES');
    expect(shape(stackTable(names.subscribers)).timeToLive).toBe('expiresAt');
    expect(shape(stackTable(names.deliveries)).timeToLive).toBe('expiresAt');
  });

  it('names each table after its schema id on both sides', () => {
    for (const key of TABLE_KEYS) expect(names[key]).toBe(TABLES[key].id);
  });
});
