/**
 * Every SDK call has a deadline: an endpoint that takes the connection and never answers (a
 * stalled SES, DynamoDB, SQS or Secrets Manager) fails the call, after the SDK's attempts,
 * instead of holding the invocation until Lambda's timeout. The stand-in is a real TCP server on
 * loopback that reads requests and answers nothing; the clients are the ones every function
 * uses (lambdas/adapters/clients.ts), made as on Lambda (AWS_LAMBDA_FUNCTION_NAME set) with the
 * request deadline lowered (SDK_REQUEST_TIMEOUT_MS) so the test does not wait seconds per attempt.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { documentClient, sdkDeadlines, secretsProvider, sesClient, sqsClient } from '../../lambdas/adapters/clients';
import { readSendQuota, SesMailer } from '../../lambdas/adapters/ses-mailer';
import { LAMBDA_SDK_CALL_MAX_MS, LAMBDA_SDK_DEADLINES, LAMBDA_SES_CALL_MAX_MS, SDK_ATTEMPTS } from '../../lambdas/core/deadlines';
import { classifySendError } from '../../lambdas/core/send-errors';
import { DEFAULT_DEADLINE_RESERVE_MS } from '../../lambdas/usecases/send-batch';

let server: Server;
const sockets = new Set<Socket>();
let requests = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      if (/^(POST|GET) /.test(chunk.toString('latin1'))) requests++;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: 'sender',
    SDK_REQUEST_TIMEOUT_MS: '400',
    AWS_ENDPOINT_URL_SES: url,
    AWS_ENDPOINT_URL_DYNAMODB: url,
    AWS_ENDPOINT_URL_SQS: url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
  });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('a stalled endpoint fails the call instead of using the invocation', () => {
  beforeEach(() => {
    requests = 0;
  });

  it('SES: GetSendQuota and SendRawEmail get one attempt each (a send with no answer may have been taken: never sent again at once), and the send counts as outcome unknown', async () => {
    await expect(readSendQuota(sesClient())).rejects.toThrow(/timeout|timed out/i);
    expect(requests).toBe(1);
    requests = 0;
    const raw = Buffer.from('From: news@example.com\r\nTo: reader@example.com\r\nSubject: x\r\n\r\nhi');
    const error = await new SesMailer(sesClient())
      .sendRaw({ raw, from: 'news@example.com', to: 'reader@example.com' })
      .catch((e: unknown) => e);
    expect(requests).toBe(1);
    expect(classifySendError(error)).toBe('unknown');
  });

  it.each([
    ['DynamoDB GetItem', () => documentClient().send(new GetCommand({ TableName: 'Subscribers', Key: { email: 'a@example.com' } }))],
    [
      'SQS SendMessage (a requeue)',
      () =>
        sqsClient().send(new SendMessageCommand({ QueueUrl: `${process.env.AWS_ENDPOINT_URL_SQS}/123456789012/send`, MessageBody: '{}' })),
    ],
    [
      'Secrets Manager GetSecretValue (the signing keys)',
      () => secretsProvider().get('arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys', { maxAge: 1 }),
    ],
  ])('%s: rejects with a timeout after its three attempts', async (_name, call) => {
    await expect(call()).rejects.toThrow(/timeout|timed out/i);
    expect(requests).toBe(SDK_ATTEMPTS);
  });
});

describe('the deadlines on Lambda', () => {
  it('are the Lambda ones in a function, the local ones elsewhere, and the variable lowers them', () => {
    expect(sdkDeadlines({ AWS_LAMBDA_FUNCTION_NAME: 'sender' })).toEqual(LAMBDA_SDK_DEADLINES);
    expect(sdkDeadlines({}).requestTimeout).toBeGreaterThan(LAMBDA_SDK_DEADLINES.requestTimeout);
    expect(sdkDeadlines({ AWS_LAMBDA_FUNCTION_NAME: 'sender', SDK_REQUEST_TIMEOUT_MS: '400' })).toEqual({
      connectionTimeout: 400,
      requestTimeout: 400,
    });
  });

  it('let a call, with all its attempts and throttling waits, end inside the shortest function timeout (30 s)', () => {
    expect(LAMBDA_SDK_CALL_MAX_MS).toBeLessThan(30_000);
  });

  it("keep in the sender's hand, before its 60 s timeout, an SES call and the ledger write after it, each to its deadline", () => {
    expect(DEFAULT_DEADLINE_RESERVE_MS).toBeGreaterThanOrEqual(LAMBDA_SES_CALL_MAX_MS + LAMBDA_SDK_CALL_MAX_MS);
    expect(DEFAULT_DEADLINE_RESERVE_MS).toBeLessThan(60_000);
  });
});
