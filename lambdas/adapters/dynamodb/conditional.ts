/** The conditional write: a write whose condition may fail, as an answer rather than an error. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * A failed ConditionExpression. By name as well: a client from another copy of the SDK (or a
 * test's fake) throws an error of the same name that is not an instance of this copy's class.
 */
export const isConditionFailure = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException || (e as Error | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Send a Put, Update or Delete that carries a ConditionExpression: true when it was written,
 * false when its condition failed; any other error is thrown.
 */
export async function writeIf(
  db: Pick<DynamoDBDocumentClient, 'send'>,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  try {
    // `send` is overloaded per command type; the union fits none of the overloads as written.
    await db.send(command as PutCommand);
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}
