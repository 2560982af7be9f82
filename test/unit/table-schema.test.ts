import { INDEXES } from '../../lambdas/core/indexes';
import { keyAttributes, TABLE_KEYS, TABLES, type TableSchema } from '../../lambdas/core/table-schema';

describe('table schema', () => {
  it('lists each key attribute once, table keys first, then index keys in index order', () => {
    expect(keyAttributes(TABLES.subscribers)).toEqual([
      { name: 'email', type: 'S' },
      { name: 'subscriberId', type: 'S' },
      { name: 'digestShard', type: 'N' },
      { name: 'alertShard', type: 'N' },
      { name: 'digestZone', type: 'S' },
      { name: 'digestZoneSince', type: 'S' },
      { name: 'mailbox', type: 'S' },
      // The readers index: its partition key; its sort key `email` is the table's key, listed once.
      { name: 'readerShard', type: 'N' },
    ]);
    expect(keyAttributes(TABLES.deliveries)).toEqual([
      { name: 'campaignId', type: 'S' },
      { name: 'subscriberId', type: 'S' },
    ]);
  });

  it('refuses one attribute with two types (bad input: DynamoDB would refuse the table)', () => {
    const bad: TableSchema = {
      id: 'Bad',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [{ name: 'byId', partitionKey: { name: 'id', type: 'N' }, projection: { type: 'ALL' } }],
    };
    expect(() => keyAttributes(bad)).toThrow('Table Bad: attribute id is both S and N');
  });

  it('uses every index name the adapters query, each on exactly one table', () => {
    const names = TABLE_KEYS.flatMap((key) => TABLES[key].indexes.map((i) => i.name));
    expect([...names].sort()).toEqual(Object.values(INDEXES).sort());
  });
});
