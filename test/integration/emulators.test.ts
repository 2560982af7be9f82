/**
 * The local infrastructure against the real emulators, through the real SDK clients over
 * HTTP: tables, the SES emulator and its store, the recording proxy, and DynamoDB Local
 * keeping data on disk across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { simpleParser } from 'mailparser';
import { LOCAL_AWS, startDynamoDbLocal } from '../../lib/local/dynamodb';
import { freePort, portFromEnv } from '../../lib/local/ports';
import { clearSesStore, sesStore, startSesEmulator } from '../../lib/local/ses';
import { tableDefinitions } from '../../lib/local/tables';
import { startSesRecorder, sesError } from '../../lib/local/ses-recorder';
import { createTestTables, type TestTables } from '../support/tables';
import { dynamoDbLocalPids } from '../support/processes';

const sesEndpoint = () => process.env.AWS_ENDPOINT_URL_SES!;
/** The run's emulator keeps every message of the run: read only this file's (see test/support/inbox.ts). */
const fileLoadedAt = new Date();

function rawMessage(subject: string, to = 'reader@example.com'): Buffer {
  return Buffer.from(
    [
      'From: Briefing <news@example.com>',
      `To: ${to}`,
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'List-Unsubscribe: <https://example.com/u/token>',
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      '',
      'Hello from the test.',
      '',
    ].join('\r\n'),
  );
}

describe('environment from global setup', () => {
  it('points the SDK at emulators on free ports, not the default ones', () => {
    const dynamo = new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
    const ses = new URL(sesEndpoint());
    expect(dynamo.port).not.toBe('8000');
    expect(ses.port).not.toBe('8005');
    expect(process.env.AWS_REGION).toBe('eu-west-1');
  });
});

describe('tables', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await createTestTables('emulators');
  });
  afterAll(() => tables.drop());

  it('creates the three tables ACTIVE with the production key schemas, indexes and stream', async () => {
    const describe = async (name: string) => (await tables.client.send(new DescribeTableCommand({ TableName: name }))).Table!;
    const subscribers = await describe(tables.names.subscribers);
    const content = await describe(tables.names.content);
    const deliveries = await describe(tables.names.deliveries);

    for (const t of [subscribers, content, deliveries]) {
      expect(t.TableStatus).toBe('ACTIVE');
      expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    }
    expect(subscribers.KeySchema).toEqual([{ AttributeName: 'email', KeyType: 'HASH' }]);
    const gsis = Object.fromEntries((subscribers.GlobalSecondaryIndexes ?? []).map((g) => [String(g.IndexName), g]));
    expect(gsis.bySubscriberId.KeySchema).toEqual([{ AttributeName: 'subscriberId', KeyType: 'HASH' }]);
    expect(gsis.bySubscriberId.Projection).toEqual({ ProjectionType: 'ALL' });
    expect(gsis.digestAudience.KeySchema).toEqual([
      { AttributeName: 'digestShard', KeyType: 'HASH' },
      { AttributeName: 'subscriberId', KeyType: 'RANGE' },
    ]);
    expect(gsis.digestAudience.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['email'] });
    expect(subscribers.AttributeDefinitions).toContainEqual({ AttributeName: 'digestShard', AttributeType: 'N' });

    expect(content.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(content.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byKind',
      KeySchema: [
        { AttributeName: 'kind', KeyType: 'HASH' },
        { AttributeName: 'date', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(content.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(content.LatestStreamArn).toEqual(expect.any(String));

    expect(deliveries.KeySchema).toEqual([
      { AttributeName: 'campaignId', KeyType: 'HASH' },
      { AttributeName: 'subscriberId', KeyType: 'RANGE' },
    ]);
    expect(deliveries.StreamSpecification).toBeUndefined();
  });

  it('shares tables across access keys and regions (sharedDb)', async () => {
    const other = new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      // DynamoDB Local 3 accepts only letters and digits in an access key id.
      credentials: { accessKeyId: 'someoneElse', secretAccessKey: 'x' },
    });
    const { TableNames } = await other.send(new ListTablesCommand({}));
    other.destroy();
    expect(TableNames).toEqual(expect.arrayContaining(Object.values(tables.names)));
  });
});

describe('SES emulator', () => {
  let ses: SESClient;
  beforeAll(() => {
    ses = new SESClient({});
  });
  afterAll(() => ses.destroy());

  it('stores a SendRawEmail sent through the SDK, with its subject and recipient', async () => {
    const subject = `Store check ${Date.now()}`;
    const { MessageId } = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: rawMessage(subject) },
        Source: 'news@example.com',
        Destinations: ['reader@example.com'],
      }),
    );
    expect(MessageId).toEqual(expect.any(String));
    const stored = (await sesStore(sesEndpoint(), { since: fileLoadedAt })).find((m) => m.messageId === MessageId);
    expect(stored).toMatchObject({ subject, destination: { to: ['reader@example.com'] } });
    expect(stored!.body.text).toContain('Hello from the test.');
    expect(stored!.from).toContain('news@example.com');
  });

  it('answers an action it does not implement as SES does (400 InvalidAction), naming it in letters and digits only, cut short', async () => {
    // Bad input tried: markup and a 10,000-letter name in the Action field (reflected input).
    const post = (action: string) =>
      fetch(sesEndpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=local' },
        body: new URLSearchParams({ Action: action, Version: '2010-12-01' }).toString(),
      });
    const quota = await post('GetSendQuota');
    expect(quota.status).toBe(400);
    expect(await quota.text()).toContain('<Code>InvalidAction</Code><Message>The action GetSendQuota is not valid');
    const hostile = await post(`<script>alert(1)</script>${'A'.repeat(10_000)}`);
    const text = await hostile.text();
    expect(hostile.status).toBe(400);
    expect(text).not.toContain('<script>');
    expect(text).toContain(`The action scriptalert1script${'A'.repeat(64 - 'scriptalert1script'.length)} is not valid`);
    expect(text.length).toBeLessThan(400);
  });

  it('clearSesStore empties the inbox', async () => {
    // An emulator of its own: emptying the run's shared inbox would take messages from under
    // the test files that run beside this one.
    const own = await startSesEmulator({ port: await freePort() });
    const client = new SESClient({ endpoint: own.endpoint });
    try {
      await client.send(new SendRawEmailCommand({ RawMessage: { Data: rawMessage('to be cleared') } }));
      expect((await sesStore(own.endpoint)).length).toBeGreaterThan(0);
      await clearSesStore(own.endpoint);
      expect(await sesStore(own.endpoint)).toEqual([]);
    } finally {
      client.destroy();
      await own.stop();
    }
  });

  it('serves the inbox page at /', async () => {
    const response = await fetch(sesEndpoint());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('fails clearly when its port is taken (bad input: the port of the running emulator)', async () => {
    const port = Number(new URL(sesEndpoint()).port);
    await expect(startSesEmulator({ port })).rejects.toThrow(/already in use/);
  });
});

describe('SES recorder', () => {
  it('forwards SendRawEmail to the emulator and keeps the exact raw bytes', async () => {
    const recorder = await startSesRecorder(sesEndpoint());
    const ses = new SESClient({ endpoint: recorder.endpoint });
    try {
      const subject = `Recorded ${Date.now()} — ünïcode`;
      const raw = rawMessage('=?UTF-8?B?' + Buffer.from(subject).toString('base64') + '?=', 'r@example.com');
      const { MessageId } = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));

      expect(recorder.raws()).toHaveLength(1);
      expect(recorder.raws()[0].equals(raw)).toBe(true);
      const parsed = await simpleParser(recorder.raws()[0]);
      expect(parsed.subject).toBe(subject);
      expect(parsed.headerLines).toContainEqual({
        key: 'list-unsubscribe-post',
        line: 'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      });
      // It really went through to the emulator.
      expect((await sesStore(sesEndpoint(), { since: fileLoadedAt })).some((m) => m.messageId === MessageId && m.subject === subject)).toBe(
        true,
      );
    } finally {
      ses.destroy();
      await recorder.close();
    }
  });

  it('answers from the intercept hook instead of the emulator, and the SDK sees the SES error', async () => {
    const recorder = await startSesRecorder(sesEndpoint(), {
      intercept: (n) => (n === 1 ? sesError(400, 'Throttling', 'Maximum sending rate exceeded.') : undefined),
    });
    const ses = new SESClient({ endpoint: recorder.endpoint, maxAttempts: 1 });
    try {
      await expect(ses.send(new SendRawEmailCommand({ RawMessage: { Data: rawMessage('throttled') } }))).rejects.toMatchObject({
        name: 'Throttling',
      });
      expect(recorder.raws()).toHaveLength(0);
      await ses.send(new SendRawEmailCommand({ RawMessage: { Data: rawMessage('second try') } }));
      expect(recorder.raws()).toHaveLength(1);
      expect(recorder.requests()).toBe(2);
    } finally {
      ses.destroy();
      await recorder.close();
    }
  });
});

describe('DynamoDB Local lifecycle', () => {
  it('keeps a table in its data dir across a stop and a start, and leaves no Java process after stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefing-ddb-'));
    const dataDir = join(dir, 'nested', 'dynamodb'); // created on start
    try {
      const port1 = await freePort();
      const first = await startDynamoDbLocal({ port: port1, dataDir, readyTimeoutMs: 120_000 });
      // The pid it reports is the Java process on its port, and the only one there.
      expect(dynamoDbLocalPids({ port: port1 })).toEqual([first.pid]);
      const client1 = new DynamoDBClient({ ...LOCAL_AWS, endpoint: first.endpoint });
      const def = tableDefinitions({ subscribers: 'Kept', content: 'unused', deliveries: 'unused2' }).deliveries;
      await client1.send(new CreateTableCommand({ ...def, TableName: 'KeptDeliveries' }));
      client1.destroy();
      await first.stop();
      expect(dynamoDbLocalPids({ port: port1 })).toEqual([]);

      const port2 = await freePort();
      const second = await startDynamoDbLocal({ port: port2, dataDir, readyTimeoutMs: 120_000 });
      expect(dynamoDbLocalPids({ port: port2 })).toEqual([second.pid]);
      const client2 = new DynamoDBClient({ ...LOCAL_AWS, endpoint: second.endpoint });
      try {
        const { TableNames } = await client2.send(new ListTablesCommand({}));
        expect(TableNames).toEqual(['KeptDeliveries']);
      } finally {
        client2.destroy();
        await second.stop();
      }
      expect(dynamoDbLocalPids({ port: port2 })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // two JVM starts on a loaded machine

  it('rejects with a clear error when the port is taken (bad input: the port of the running DynamoDB Local)', async () => {
    const port = Number(new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB!).port);
    await expect(startDynamoDbLocal({ port })).rejects.toThrow(`port ${port} is already in use`);
  });
});

describe('portFromEnv', () => {
  it('uses the fallback when unset and the value when valid', () => {
    expect(portFromEnv('P', 8000, {})).toBe(8000);
    expect(portFromEnv('P', 8000, { P: '' })).toBe(8000);
    expect(portFromEnv('P', 8000, { P: '9001' })).toBe(9001);
  });

  it.each(['0', '65536', 'abc', '80.5', '-1'])('rejects %p with a message naming the variable (bad input)', (value) => {
    expect(() => portFromEnv('BRIEFING_PORT', 1, { BRIEFING_PORT: value })).toThrow(
      `BRIEFING_PORT must be a TCP port between 1 and 65535, got "${value}"`,
    );
  });

  it('freePort returns distinct ports that can be listened on', async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    expect(a).toBeGreaterThan(0);
    expect(a).not.toBe(b);
  });
});
