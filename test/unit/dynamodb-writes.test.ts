import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchWriteAll, DEFAULT_RETRY, UnprocessedError, type RetryPolicy } from '../../lambdas/adapters/dynamodb/batch';
import { writeIf } from '../../lambdas/adapters/dynamodb/conditional';

/** A client that answers every call with `answer` and remembers the commands it got. */
function fakeClient(answer: (command: unknown) => unknown) {
  const calls: unknown[] = [];
  const db = {
    send(command: unknown) {
      calls.push(command);
      return Promise.resolve(answer(command));
    },
  };
  return { db, calls };
}

const noWait: RetryPolicy = { retries: 8, delayMs: () => 0 };
const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { id: `k${i}` } } }));
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `k${i}` }));

describe('batchWriteAll', () => {
  it('sends 25 requests a call and resends only what DynamoDB left unprocessed', async () => {
    let first = true;
    const { db, calls } = fakeClient((c) => {
      const left = (c as BatchWriteCommand).input.RequestItems!.T;
      const out = first ? { UnprocessedItems: { T: left.slice(0, 3) } } : {};
      first = false;
      return out;
    });
    await batchWriteAll(db, 'T', puts(30), noWait);
    expect(calls.map((c) => (c as BatchWriteCommand).input.RequestItems!.T.length)).toEqual([25, 3, 5]);
  });

  it('gives up after eight retries when nothing is ever processed, naming the table and what is left', async () => {
    const { db, calls } = fakeClient((c) => ({ UnprocessedItems: (c as BatchWriteCommand).input.RequestItems }));
    const failure = batchWriteAll(db, 'Deliveries', puts(30), noWait);
    await expect(failure).rejects.toThrow(UnprocessedError);
    // The first chunk's 25 and the 5 never sent are left.
    await expect(failure).rejects.toThrow('BatchWriteItem on Deliveries: 30 of 30 items left unprocessed after 8 retries');
    expect(calls).toHaveLength(9);
  });

  it('waits longer before each retry by default, never more than a second', () => {
    const waits = Array.from({ length: DEFAULT_RETRY.retries }, (_, i) => DEFAULT_RETRY.delayMs(i + 1));
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    return Promise.resolve();
  });
});

describe('batchGetAll', () => {
  it('asks 100 keys a call, asks again for unprocessed keys and returns every item found', async () => {
    let first = true;
    const { db, calls } = fakeClient((c) => {
      const asked = (c as BatchGetCommand).input.RequestItems!.T.Keys!;
      const out = first
        ? { Responses: { T: asked.slice(2) }, UnprocessedKeys: { T: { Keys: asked.slice(0, 2) } } }
        : { Responses: { T: asked } };
      first = false;
      return out;
    });
    const items = await batchGetAll(db, 'T', keys(120), { ConsistentRead: true }, noWait);
    expect(items).toHaveLength(120);
    expect(calls.map((c) => (c as BatchGetCommand).input.RequestItems!.T.Keys!.length)).toEqual([100, 2, 20]);
    expect((calls[1] as BatchGetCommand).input.RequestItems!.T.ConsistentRead).toBe(true);
  });

  it('gives up after a bounded number of retries when no key is ever processed', async () => {
    const { db, calls } = fakeClient((c) => ({ UnprocessedKeys: (c as BatchGetCommand).input.RequestItems }));
    await expect(batchGetAll(db, 'Subscribers', keys(40), {}, { retries: 3, delayMs: () => 0 })).rejects.toThrow(
      'BatchGetItem on Subscribers: 40 of 40 items left unprocessed after 3 retries',
    );
    expect(calls).toHaveLength(4);
  });
});

describe('writeIf', () => {
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const put = new PutCommand({ TableName: 'T', Item: { id: 'a' }, ConditionExpression: 'attribute_not_exists(id)' });

  it('answers true when the write is made', async () => {
    const { db, calls } = fakeClient(() => ({}));
    expect(await writeIf(db, put)).toBe(true);
    expect(calls).toEqual([put]);
  });

  it('answers false when the condition fails, for a put, an update and a delete', async () => {
    const { db } = fakeClient(() => {
      throw conditionFailed();
    });
    expect(await writeIf(db, put)).toBe(false);
    expect(
      await writeIf(
        db,
        new UpdateCommand({
          TableName: 'T',
          Key: { id: 'a' },
          UpdateExpression: 'SET n = :n',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':n': 1 },
        }),
      ),
    ).toBe(false);
    expect(await writeIf(db, new DeleteCommand({ TableName: 'T', Key: { id: 'a' }, ConditionExpression: 'attribute_exists(id)' }))).toBe(
      false,
    );
  });

  it('knows a condition failure by its name too (an error from another copy of the SDK)', async () => {
    const { db } = fakeClient(() => {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    });
    expect(await writeIf(db, put)).toBe(false);
  });

  it('throws every other error', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const { db } = fakeClient(() => {
      throw throttled;
    });
    await expect(writeIf(db, put)).rejects.toBe(throttled);
  });
});
