/**
 * The bundles as Lambda runs them. The real stack is synthesized with esbuild bundling; each
 * function's asset folder is copied where no node_modules is above it and run by plain `node` of
 * the runtime's major (package.json's node-linux-* platform package), with only the template's
 * environment (every Ref and GetAtt mapped to a local stand-in, test/bundles/stand-ins.ts) and
 * Lambda's own variables. Each handler must load with no module and no file from outside its
 * folder, and answer one realistic event against DynamoDB Local, the SES emulator and the AWS
 * stand-in (SQS, Secrets Manager): the events chain as on AWS, each queue's message handed to
 * the function that consumes it.
 */
import { expect } from '@jest/globals';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { publish } from '../../lambdas/usecases/publish';
import { sampleIssueFiles } from '../../lib/local/sample-content';
import { sesStore } from '../../lib/local/ses';
import { startSesRecorder, type SesRecorder } from '../../lib/local/ses-recorder';
import { startStreamPoller } from '../../lib/local/stream-poller';
import { synthesizeWithBundles, type Assembly, type BundledFunction } from './assembly';
import { startAwsStandIn, type AwsStandIn } from './aws-stand-in';
import { formPost, sesNotification, sqsEvent } from './events';
import { isolate, lambdaNode, lambdaVariables, startFunction, type InvokeResult, type RunningFunction } from './lambda-node';
import { StandIns } from './stand-ins';

/** Every function of the stack, by construct path: each gets one realistic event below. */
const FUNCTIONS = [
  'Alerts/AlertPlanner',
  'Api/Handler',
  'Console/Handler',
  'Scheduling/DigestPlanner',
  'Sending/Sender',
  'SesEvents/Handler',
  'Signups/Handler',
];
const API_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const READER = `reader.${Date.now().toString(36)}@mail.example.com`;

let assembly: Assembly;
let aws: AwsStandIn;
let recorder: SesRecorder;
let xray: Socket;
let dynamo: DynamoDBClient;
let standIns: StandIns;
/** The digest the sender sent to the reader: the bounce below is for that message. */
let sent: { campaignId: string; subscriberId: string; sesMessageId: string };
const running = new Map<string, { fn: BundledFunction; run: RunningFunction; env: Record<string, string>; remove: () => void }>();

beforeAll(async () => {
  assembly = synthesizeWithBundles();
  aws = await startAwsStandIn();
  // GetSendQuota answered as SES would (the emulator holds that call open); SendRawEmail goes on to the emulator.
  recorder = await startSesRecorder(process.env.AWS_ENDPOINT_URL_SES!, { quota: { maxSendRate: 14, max24HourSend: 50_000 } });
  xray = createSocket('udp4');
  await new Promise<void>((resolve) => xray.bind(0, '127.0.0.1', resolve));
  dynamo = new DynamoDBClient({});
  standIns = new StandIns(assembly.resources, { aws, dynamo, apiUrl: API_URL });
}, 600_000);

afterAll(async () => {
  for (const { run, remove } of running.values()) {
    await run.stop();
    remove();
  }
  for (const table of standIns?.tables() ?? []) await dynamo.send(new DeleteTableCommand({ TableName: table }));
  dynamo?.destroy();
  await recorder?.close();
  await aws?.close();
  xray?.close();
  assembly?.remove();
});

function fnNamed(name: string): BundledFunction {
  const fn = assembly.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`no function ${name} in the assembly (found ${assembly.functions.map((f) => f.name).join(', ')})`);
  return fn;
}

/** Start the function's bundle (once) and return it with its environment. */
async function start(name: string) {
  const known = running.get(name);
  if (known) return known;
  const fn = fnNamed(name);
  const node = lambdaNode(fn.runtime);
  const env = await standIns.environment(fn);
  const task = isolate(fn.assetDir);
  const endpoints = {
    dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    ses: recorder.endpoint,
    standIn: aws.endpoint,
    xray: `127.0.0.1:${xray.address().port}`,
  };
  const run = startFunction(fn, node, task.taskRoot, { ...env, ...lambdaVariables(fn, task.taskRoot, endpoints) });
  const entry = { fn, run, env, remove: task.remove };
  running.set(name, entry);
  return entry;
}

/** Invoke and insist on a clean answer: no error, nothing from outside the folder, no call the stand-in refused. */
async function invoke(name: string, event: unknown): Promise<unknown> {
  const { run } = await start(name);
  const r: InvokeResult = await run.invoke(event);
  expect({ name, error: r.error, outside: r.outside, reads: r.reads, refused: aws.refused }).toEqual({
    name,
    error: undefined,
    outside: [],
    reads: [],
    refused: [],
  });
  expect(r.ok).toBe(true);
  return r.result;
}

const ports = (env: Record<string, string>) =>
  dynamoPorts(documentClient(), { subscribers: env.SUBSCRIBERS_TABLE, content: env.CONTENT_TABLE, deliveries: env.DELIVERIES_TABLE });

/**
 * Modules a bundle tries to load in a try/catch and runs without, by function: each with why its
 * absence changes nothing. Anything else loaded from outside a function's folder fails the test.
 */
const OPTIONAL_REQUIRES: Record<string, Record<string, string>> = {
  'Console/Handler': {
    // The editor's save parses front matter as publish does (gray-matter, with js-yaml 3), and
    // js-yaml 3 tries esprima at load for its !!js/function type; the safe schema publish reads
    // with never uses that type.
    'esprima (not found)': 'js-yaml 3 (gray-matter) tries it in a try/catch for a type the safe schema never reads',
  },
};

describe('the bundles, run as Lambda runs them', () => {
  it('synthesizes every function with a bundle on a Node runtime this test has a realistic event for', () => {
    expect(assembly.functions.map((f) => f.name).sort()).toEqual(FUNCTIONS);
    for (const fn of assembly.functions) expect(fn.runtime).toMatch(/^nodejs\d+\.x$/);
  });

  it("loads every handler under the runtime's node with only its folder: no module and no file from outside it", async () => {
    const problems: string[] = [];
    for (const name of FUNCTIONS) {
      const { run } = await start(name);
      const report = await run.loaded;
      if (!report.ok) problems.push(`${name}: the handler did not load: ${firstLines(report.error ?? '')}`);
      for (const m of report.outside)
        if (OPTIONAL_REQUIRES[name]?.[m] === undefined) problems.push(`${name}: module from outside its folder (not bundled): ${m}`);
      for (const f of report.reads) problems.push(`${name}: file read outside its folder: ${f}`);
    }
    expect(problems).toEqual([]);
  });

  it('Console: GET /admin without a session redirects to sign-in, with the session key read from Secrets Manager', async () => {
    const post = formPost(API_URL, '/admin', {});
    const http = { ...post.requestContext.http, method: 'GET' };
    const get = { ...post, body: undefined, isBase64Encoded: false, requestContext: { ...post.requestContext, http } };
    const result = (await invoke('Console/Handler', get)) as { statusCode: number; headers: Record<string, string> };
    expect(result.statusCode).toBe(302);
    expect(result.headers.location).toBe('/admin/sign-in');
  });

  it('API: a form POST /subscribe (base64 body) answers 303 to /check-inbox and queues the sign-up', async () => {
    const { env } = await start('Api/Handler');
    const form = { email: READER, digest: 'on', alerts: 'on', timezone: 'Europe/Brussels' };
    const result = (await invoke('Api/Handler', formPost(API_URL, '/subscribe', form))) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(result.statusCode).toBe(303);
    expect(result.headers.location).toMatch(/\/check-inbox$/);
    const queued = aws.messages(env.SIGNUP_QUEUE_URL);
    expect(queued).toHaveLength(1);
    expect(queued[0].body).toContain(READER);
  });

  it('sign-ups: the queued sign-up sends the confirmation through SES', async () => {
    const { env } = await start('Api/Handler');
    const [job] = aws.messages(env.SIGNUP_QUEUE_URL);
    const queueArn = aws.queueArn(env.SIGNUP_QUEUE_URL);
    const result = await invoke('Signups/Handler', sqsEvent(queueArn, [job]));
    expect(result).toEqual({ batchItemFailures: [] });
    const mail = (await sesStore(process.env.AWS_ENDPOINT_URL_SES!)).filter((m) => m.destination.to.includes(READER));
    expect(mail).toHaveLength(1);
    expect(mail[0].body.text).toContain(`${API_URL}/confirm?token=`);
  });

  it("digest planner: the scheduler's {} queues the sample issue's send jobs (after the reader confirmed through the API)", async () => {
    const [mail] = (await sesStore(process.env.AWS_ENDPOINT_URL_SES!)).filter((m) => m.destination.to.includes(READER));
    const token = /\/confirm\?token=([\w.~-]+)/.exec(mail.body.text ?? '')![1];
    const confirmed = (await invoke('Api/Handler', formPost(API_URL, '/confirm', { token }))) as { statusCode: number };
    expect(confirmed.statusCode).toBeLessThan(400);
    const { env } = await start('Scheduling/DigestPlanner');
    expect(await ports(env).subscribers.getByEmail(READER)).toMatchObject({ status: 'confirmed' });
    await publish({ content: ports(env).content, clock: systemClock }, sampleIssueFiles());
    await invoke('Scheduling/DigestPlanner', {});
    const jobs = aws.messages(env.SEND_QUEUE_URL).map((m) => JSON.parse(m.body) as { kind: string; recipients: { email: string }[] });
    expect(jobs.filter((j) => j.kind === 'digest').flatMap((j) => j.recipients.map((r) => r.email))).toContain(READER);
  });

  it('sender: a queued job leaves a `sent` ledger entry and the message in SES', async () => {
    const { env } = await start('Sending/Sender');
    const message = aws.messages(env.SEND_QUEUE_URL).find((m) => m.body.includes(READER))!;
    const job = JSON.parse(message.body) as { campaignId: string; recipients: { subscriberId: string; email: string }[] };
    const result = await invoke('Sending/Sender', sqsEvent(aws.queueArn(env.SEND_QUEUE_URL), [message]));
    expect(result).toEqual({ batchItemFailures: [] });
    const subscriberId = job.recipients.find((r) => r.email === READER)!.subscriberId;
    const entry = await ports(env).ledger.get(job.campaignId, subscriberId);
    expect(entry).toMatchObject({ status: 'sent', sesMessageId: expect.any(String) });
    sent = { campaignId: job.campaignId, subscriberId, sesMessageId: entry!.sesMessageId! };
    const mail = (await sesStore(process.env.AWS_ENDPOINT_URL_SES!)).filter((m) => m.destination.to.includes(READER));
    expect(mail.map((m) => m.subject)).toHaveLength(2); // the confirmation, then the digest
  });

  it("alert planner: a breaking article's stream record (through the template's filter) queues its alert", async () => {
    const { env } = await start('Alerts/AlertPlanner');
    const events: DynamoDBStreamEvent[] = [];
    const poller = await startStreamPoller({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
      tableName: env.CONTENT_TABLE,
      handler: (event) => {
        events.push(event);
        return Promise.resolve();
      },
      filters: streamFilters(fnNamed('Alerts/AlertPlanner').logicalId),
    });
    try {
      const file = 'content/eu-japan-security-brief/alerts/north-korea-icbm-test.md';
      await publish({ content: ports(env).content, clock: systemClock }, [{ name: file, text: readFileSync(file, 'utf8') }]);
      await poller.caughtUp(120_000);
    } finally {
      await poller.stop();
    }
    expect(events).toHaveLength(1);
    const before = aws.messages(env.SEND_QUEUE_URL).length;
    await invoke('Alerts/AlertPlanner', events[0]);
    const alerts = aws
      .messages(env.SEND_QUEUE_URL)
      .slice(before)
      .map((m) => JSON.parse(m.body) as { kind: string; campaignId: string; recipients: { email: string }[] });
    expect(alerts.map((j) => j.kind)).toContain('alert');
    expect(alerts.flatMap((j) => j.recipients.map((r) => r.email))).toContain(READER);
  });

  it('ses-events: an SNS-wrapped permanent bounce suppresses the address', async () => {
    const { env } = await start('SesEvents/Handler');
    const reader = (await ports(env).subscribers.getByEmail(READER))!;
    expect(reader.suppressed).toBeUndefined();
    await invoke('SesEvents/Handler', sesNotification('bounce-permanent.json', READER, sent.sesMessageId));
    expect(await ports(env).subscribers.getByEmail(READER)).toMatchObject({ suppressed: true, suppressedReason: 'bounce' });
    expect(await ports(env).ledger.get(sent.campaignId, sent.subscriberId)).toMatchObject({
      status: 'sent',
      bounceType: 'Permanent/General',
    });
  });
});

/** The alert planner's event source filter, as the template gives it to Lambda. */
function streamFilters(functionId: string): Record<string, unknown>[] {
  const mapping = Object.values(assembly.resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: functionId }),
  );
  const filters = (mapping?.Properties?.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters;
  if (!filters?.length) throw new Error(`no filtered event source for ${functionId} in the template`);
  return filters.map((f) => JSON.parse(f.Pattern) as Record<string, unknown>);
}

/** An error's first line and the first frame in the project's code (the bundle's source map gives it), not the whole stack. */
function firstLines(error: string): string {
  const [first, ...rest] = error.split('\n');
  const frame = rest.find((line) => /^\s+at /.test(line) && !/node:internal|\[eval\]/.test(line));
  return frame ? `${first} (${frame.trim()})` : (first ?? '');
}
