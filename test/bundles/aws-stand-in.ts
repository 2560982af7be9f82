/**
 * A local stand-in for the AWS services the bundles call that have no emulator here: SQS (the
 * calls the functions make: SendMessage, SendMessageBatch) and Secrets Manager (GetSecretValue),
 * over their JSON protocols, so the bundled SDK clients talk to it unchanged through
 * AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SECRETS_MANAGER. Queues only keep what they are sent:
 * the test reads a message and hands it to the function that consumes the queue, as Lambda's
 * event source mapping would. Every other call, to any service, is refused and kept in
 * {@link AwsStandIn.refused}, so a bundle that calls AWS where the test does not expect it fails
 * instead of reaching the network.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ACCOUNT = '000000000000';
export const REGION = 'eu-west-1';

/** A message as the stand-in holds it. */
export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  delaySeconds?: number;
  sentTimestamp: number;
}

export interface AwsStandIn {
  endpoint: string;
  /** Make a queue; returns its URL (on this endpoint, as SQS's are on its). */
  createQueue(name: string): { url: string; arn: string };
  /** The ARN of the queue with this URL (what Lambda's event source puts in each record). */
  queueArn(url: string): string;
  /** What was sent to the queue with this URL, oldest first. */
  messages(url: string): StoredMessage[];
  /** Make a secret; returns its ARN. */
  createSecret(name: string, value: string): string;
  /** Calls this stand-in refused: `<x-amz-target or path>`, in arrival order. */
  refused: string[];
  close(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const clientError = (type: string, message: string, queryCode?: string): Answer => ({
  status: 400,
  body: { __type: type, message },
  // SQS's JSON protocol names the classic error code here too; the SDK reads either.
  headers: queryCode ? { 'x-amzn-query-error': `${queryCode};Sender` } : {},
});

export async function startAwsStandIn(): Promise<AwsStandIn> {
  const queues = new Map<string, StoredMessage[]>();
  const secrets = new Map<string, { name: string; value: string; createdAt: number }>();
  const refused: string[] = [];
  let endpoint = '';

  const queue = (url: unknown) => (typeof url === 'string' ? queues.get(url) : undefined);
  const noQueue = (url: unknown) =>
    clientError(
      'com.amazonaws.sqs#QueueDoesNotExist',
      `The specified queue does not exist: ${String(url)}`,
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  const store = (messages: StoredMessage[], body: unknown, delaySeconds: unknown): StoredMessage => {
    const text = String(body);
    const message = {
      messageId: randomUUID(),
      body: text,
      md5OfBody: md5(text),
      delaySeconds: typeof delaySeconds === 'number' ? delaySeconds : undefined,
      sentTimestamp: Date.now(),
    };
    messages.push(message);
    return message;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Answer> = {
    'AmazonSQS.SendMessage': (input) => {
      const messages = queue(input.QueueUrl);
      if (!messages) return noQueue(input.QueueUrl);
      const m = store(messages, input.MessageBody, input.DelaySeconds);
      return { status: 200, body: { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody } };
    },
    'AmazonSQS.SendMessageBatch': (input) => {
      const messages = queue(input.QueueUrl);
      if (!messages) return noQueue(input.QueueUrl);
      const entries = (input.Entries ?? []) as { Id: string; MessageBody: string; DelaySeconds?: number }[];
      const Successful = entries.map((e) => {
        const m = store(messages, e.MessageBody, e.DelaySeconds);
        return { Id: e.Id, MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody };
      });
      return { status: 200, body: { Successful, Failed: [] } };
    },
    'secretsmanager.GetSecretValue': (input) => {
      const id = String(input.SecretId);
      const arn = secrets.has(id) ? id : [...secrets.entries()].find(([, s]) => s.name === id)?.[0];
      const secret = arn ? secrets.get(arn) : undefined;
      if (!arn || !secret) return clientError('ResourceNotFoundException', `Secrets Manager can't find the specified secret: ${id}`);
      const body = {
        ARN: arn,
        Name: secret.name,
        VersionId: 'v1',
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdAt / 1000,
      };
      return { status: 200, body };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? operations[target] : undefined;
    let answer: Answer;
    if (!operation) {
      refused.push(typeof target === 'string' ? target : `${req.method ?? ''} ${req.url ?? ''}`);
      answer = clientError('UnknownOperationException', `The bundle test's AWS stand-in does not answer ${String(target ?? req.url)}`);
    } else {
      answer = operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
    }
    const text = JSON.stringify(answer.body);
    const type = String(target ?? '').startsWith('AmazonSQS.') ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    res.writeHead(answer.status, {
      'content-type': type,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...answer.headers,
    });
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    createQueue(name) {
      const url = `${endpoint}/${ACCOUNT}/${name}`;
      queues.set(url, []);
      return { url, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}` };
    },
    queueArn: (url) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${url.slice(url.lastIndexOf('/') + 1)}`,
    messages: (url) => [...(queues.get(url) ?? [])],
    createSecret(name, value) {
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
      secrets.set(arn, { name, value, createdAt: Date.now() });
      return arn;
    },
    refused,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
