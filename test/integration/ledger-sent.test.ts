/**
 * The ledger's `sent` records against DynamoDB Local through the real SDK client: concurrent
 * records share BatchWriteItem calls (group commit), and each call returns only once its own
 * entry is stored.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoLedger } from '../../lambdas/adapters/dynamodb';
import { createTestTables, type TestTables } from '../support/tables';

let tables: TestTables;
let db: DynamoDBDocumentClient;
/** Commands this client sent, by name. */
const commands: string[] = [];

beforeAll(async () => {
  tables = await createTestTables('ledger-sent');
  db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  db.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
});
afterAll(async () => {
  db?.destroy();
  await tables?.drop();
});

const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

it('records 40 concurrent sends in fewer BatchWriteItem calls than entries, each entry complete once its call returns', async () => {
  const ledger = new DynamoLedger(db, tables.names.deliveries);
  const ids = Array.from({ length: 40 }, (_, i) => id(i));
  const claimedAt = new Date('2026-11-28T06:00:00.000Z');
  expect((await ledger.claimNew('c-group', ids, claimedAt)).size).toBe(40);
  commands.length = 0;

  await Promise.all(
    ids.map(async (s, i) => {
      await ledger.markSent('c-group', s, `ses-${i}`, new Date('2026-11-28T06:00:01.000Z'), claimedAt);
      // Stored by the time the call returns: read it straight back.
      const out = await db.send(
        new GetCommand({ TableName: tables.names.deliveries, Key: { campaignId: 'c-group', subscriberId: s }, ConsistentRead: true }),
      );
      expect(out.Item).toEqual({
        campaignId: 'c-group',
        subscriberId: s,
        status: 'sent',
        claimedAt: '2026-11-28T06:00:00.000Z',
        sentAt: '2026-11-28T06:00:01.000Z',
        sesMessageId: `ses-${i}`,
      });
    }),
  );
  const writes = commands.filter((c) => c === 'BatchWriteItemCommand').length;
  expect(writes).toBeGreaterThanOrEqual(2); // 25 at most a call
  expect(writes).toBeLessThan(40);
  expect(commands.filter((c) => c === 'UpdateItemCommand' || c === 'PutItemCommand')).toEqual([]);
});

it('two records of one pair in the same group (a taken-over claim) write the later one instead of failing the call', async () => {
  const ledger = new DynamoLedger(db, tables.names.deliveries);
  await ledger.claimNew('c-twice', [id(1)], new Date());
  await Promise.all([ledger.markSent('c-twice', id(1), 'first', new Date()), ledger.markSent('c-twice', id(1), 'second', new Date())]);
  expect((await ledger.get('c-twice', id(1)))?.sesMessageId).toBe('second');
});
