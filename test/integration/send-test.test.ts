/**
 * `send-test` and `preview` against the real emulators. First the use-cases, wired as the
 * pipeline is (the sender's own campaign preparation, the SES emulator behind the recording
 * proxy, the real API handler): after a real send of the issue, a test send reaches exactly the
 * given addresses with a `[Test]` subject, while the Deliveries table (ledger entries, the
 * issue's #summary counters, the #sending state), the Subscribers and the Content tables stay
 * byte for byte what they were, and no reader gets anything; its links act on nobody and the
 * API answers them cleanly. Then the command-line tool as an operator runs it, in its own process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { simpleParser } from 'mailparser';
import { SENDING_PARTITION, SUMMARY_KEY } from '../../lambdas/core/keys';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { MAX_TEST_RECIPIENTS, previewMessage, sendTest, TEST_SUBSCRIBER_ID } from '../../lambdas/usecases/test-send';
import { documentClient, dynamoPorts, sesPorts, systemClock } from '../../lambdas/wiring';
import { localAddressKey, localConfig } from '../../lib/local/config';
import { addressDigest, verifyAddressKey } from '../../lambdas/core/address';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { ensureTables } from '../../lib/local/tables';
import type { StoredEmail } from '../../lib/local/ses';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';
import { fileInbox, inboxAt } from '../support/inbox';

// Limits that only catch a hang: on a loaded machine one CLI run (tsx compiling, then the
// command) takes half a minute, and the CLI part runs several.
jest.setTimeout(600_000);

const raw = new DynamoDBClient({});
afterAll(() => raw.destroy());

/** Every item of a table, in the wire form DynamoDB stores (numbers as strings), in a fixed order. */
async function snapshot(table: string): Promise<string[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await raw.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  // Attribute order as well: a JSON of sorted keys is the item's exact content.
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return items.map((i) => JSON.stringify(canonical(i))).sort();
}

const snapshotAll = async (names: { content: string; subscribers: string; deliveries: string }) => ({
  content: await snapshot(names.content),
  subscribers: await snapshot(names.subscribers),
  deliveries: await snapshot(names.deliveries),
});

/** What the SES emulator holds for addresses at `domain`. */
const storedFor = (domain: string) => inboxAt(domain);

describe('test send and preview (use-cases, real emulators)', () => {
  let p: Awaited<ReturnType<typeof startPipeline>>;
  let readerDomain: string;
  let before: Awaited<ReturnType<typeof snapshotAll>>;
  const settings = {
    senderEmail: 'brief@news.example.com',
    senderName: 'EU–Japan Security Brief',
    publicBaseUrl: 'https://brief.example.org',
    configurationSet: 'briefing-test',
    organisationName: 'Sample Publishers',
    postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
  };
  const deps = () => ({
    content: p.content,
    settings,
    keys: p.keys,
    mailer: sesPorts(p.ses, settings.configurationSet).mailer,
    clock: systemClock,
  });

  beforeAll(async () => {
    p = await startPipeline();
    readerDomain = uniqueDomain();
    await publish({ content: p.content, clock: systemClock }, sampleFiles());
    for (const name of ['ana', 'ben']) await addSubscriber(operator(p.subscriptions, systemClock), { email: `${name}@${readerDomain}` });
    // The issue really sent: ledger entries, its #summary counters; and the account's #sending state.
    expect(await p.planner({ issueId: SAMPLE_ISSUE_ID })).toMatchObject({ status: 'queued', recipients: 2 });
    await p.queue.drain(60_000);
    const { sendingState } = dynamoPorts(documentClient(), p.tables.names);
    await sendingState.resume(new Date());
    await sendingState.addCounts(Date.now() - (Date.now() % 3_600_000), { sends: 2 });
    before = await snapshotAll(p.tables.names);
  });
  afterAll(() => p?.stop());

  it('starts from a sent issue: two ledger entries, the #summary counters and the #sending state are there to be kept', () => {
    const deliveries = before.deliveries.map((s) => JSON.parse(s) as { campaignId: { S: string }; subscriberId: { S: string } });
    const ofIssue = deliveries.filter((d) => d.campaignId.S === SAMPLE_ISSUE_ID);
    expect(ofIssue.filter((d) => d.subscriberId.S !== SUMMARY_KEY)).toHaveLength(2);
    expect(ofIssue.filter((d) => d.subscriberId.S === SUMMARY_KEY)).toHaveLength(1);
    expect(deliveries.filter((d) => d.campaignId.S === SENDING_PARTITION).length).toBeGreaterThanOrEqual(2);
  });

  it('sends the issue to exactly the two given addresses, "[Test]" subject, a text part and List-Unsubscribe, and changes no table', async () => {
    const testDomain = uniqueDomain();
    const readerMailsBefore = (await storedFor(readerDomain)).length;
    const rawsBefore = p.recorder.raws().length;
    const r = await sendTest(deps(), { to: `editor@${testDomain},proof@${testDomain}` });
    expect(r.failed).toEqual([]);

    const stored = await storedFor(testDomain);
    expect(stored.map((m) => m.destination.to).sort()).toEqual([[`editor@${testDomain}`], [`proof@${testDomain}`]]);
    for (const m of stored) {
      expect(m.subject).toMatch(/^\[Test\] /);
      expect(m.body.text).toMatch(/\S/);
    }
    const raws = p.recorder.raws().slice(rawsBefore);
    expect(raws).toHaveLength(2);
    for (const one of raws) {
      const mail = await simpleParser(one);
      expect(mail.subject).toBe(r.subject);
      expect(mail.text).toMatch(/\S/);
      expect(one.toString('utf8')).toMatch(/^List-Unsubscribe: <https:\/\/brief\.example\.org\/unsubscribe\?token=v1\./m);
      expect(one.toString('utf8')).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    }

    expect(await snapshotAll(p.tables.names)).toEqual(before);
    expect(await storedFor(readerDomain)).toHaveLength(readerMailsBefore);
    expect(await p.subscribers.getById(TEST_SUBSCRIBER_ID)).toBeUndefined();
  });

  it('its unsubscribe and preferences links act on nobody: the API answers 404 pages, and the readers stay subscribed', async () => {
    const rawsBefore = p.recorder.raws().length;
    await sendTest(deps(), { to: `links@${uniqueDomain()}` });
    const mail = await simpleParser(p.recorder.raws()[rawsBefore]);
    const onThisApi = (url: string) => {
      const u = new URL(url);
      return `${p.http.url}${u.pathname}${u.search}`;
    };
    const unsubscribe = onThisApi((mail.headers.get('list') as { unsubscribe: { url: string } }).unsubscribe.url);
    const preferences = onThisApi(/https:\/\/\S+\/preferences\?token=\S+/.exec(mail.text!)![0]);
    // A GET only shows the button (it changes nothing for anyone); the RFC 8058 POST finds nobody.
    expect((await fetch(unsubscribe)).status).toBe(200);
    const post = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(post.status).toBe(404);
    expect(await post.text()).toContain('<html');
    expect((await fetch(preferences)).status).toBe(404);
    const save = await fetch(preferences, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'digest=on',
    });
    expect(save.status).toBe(404);
    for (const name of ['ana', 'ben']) expect((await p.subscribers.getByEmail(`${name}@${readerDomain}`))?.status).toBe('confirmed');
    expect(await snapshotAll(p.tables.names)).toEqual(before);
  });

  it('is no HTTP route: the API answers 404 to /send-test and /preview', async () => {
    for (const path of ['/send-test', '/preview', '/send-test?to=a@example.org']) {
      expect((await fetch(`${p.http.url}${path}`)).status).toBe(404);
      expect(
        (await fetch(`${p.http.url}${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status,
      ).toBe(404);
    }
  });

  describe('bad input: a clear error and nothing sent, no table changed', () => {
    const cases: [string, () => Parameters<typeof sendTest>[1], RegExp][] = [
      ['an invalid address', () => ({ to: `ok@${uniqueDomain()},not-an-address` }), /--to: invalid email address "not-an-address"/],
      ['a CR/LF header injection in --to', () => ({ to: `ok@${uniqueDomain()}\r\nBcc: everyone@${uniqueDomain()}` }), /control character/],
      ['an unknown issue', () => ({ issueId: 'no-such-issue', to: `ok@${uniqueDomain()}` }), /no issue "no-such-issue"/],
      [
        `more than ${MAX_TEST_RECIPIENTS} addresses`,
        () => ({ to: Array.from({ length: MAX_TEST_RECIPIENTS + 1 }, (_, i) => `p${i}@${uniqueDomain()}`).join(',') }),
        /at most 10/,
      ],
    ];
    it.each(cases)('%s', async (_name, input, error) => {
      const given = input();
      // Every domain named in the input is new to this case: the emulator, shared with the files
      // that run beside this one, holds nothing for any of them after the refusal.
      const domains = [
        ...[given.to ?? []]
          .flat()
          .join(',')
          .matchAll(/@([\w.-]+)/g),
      ].map((m) => m[1]);
      expect(domains.length).toBeGreaterThan(0);
      const rawsBefore = p.recorder.raws().length;
      await expect(sendTest(deps(), given)).rejects.toThrow(error);
      expect(p.recorder.raws()).toHaveLength(rawsBefore);
      const named = (m: StoredEmail) =>
        [...m.destination.to, ...(m.destination.cc ?? []), ...(m.destination.bcc ?? [])].some((r) =>
          domains.some((d) => r.endsWith(`@${d}`)),
        );
      expect((await fileInbox()).filter(named)).toEqual([]);
      expect(await snapshotAll(p.tables.names)).toEqual(before);
    });
  });

  it("previews a reader's own message (--email) and the sample reader's, reading only", async () => {
    const previewDeps = { content: p.content, subscribers: p.subscribers, history: p.history, settings, keys: p.keys, clock: systemClock };
    const mine = await previewMessage(previewDeps, { email: `ana@${readerDomain}` });
    expect(mine.message.text).toContain(`ana@${readerDomain}`);
    expect(mine.notInAudience).toBeUndefined();
    const sample = await previewMessage(previewDeps, { issueId: SAMPLE_ISSUE_ID });
    expect(sample.message.subject).toBe(mine.message.subject);
    expect(sample.message.subject).not.toMatch(/\[Test\]/);
    expect(await snapshotAll(p.tables.names)).toEqual(before);
  });
});

/** The command-line tool in its own process, against this run's emulators and tables of its own. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run cli -- send-test / preview (local mode)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let tables: ReturnType<typeof localConfig>['tables'];
  let readerDomain: string;
  let before: Awaited<ReturnType<typeof snapshotAll>>;
  /** Where the CLI's test send went (the preview's subject is compared with it). */
  let testDomain: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'briefing-send-test-'));
    env = { ...process.env, BRIEFING_DATA_DIR: dataDir, BRIEFING_TABLE_PREFIX: `sendtest-${randomBytes(4).toString('hex')}-` };
    tables = localConfig(env).tables;
    await ensureTables(raw, tables);
    const { content, subscriptions } = dynamoPorts(documentClient(), tables);
    await publish({ content, clock: systemClock }, sampleFiles());
    readerDomain = uniqueDomain();
    for (const name of ['cy', 'di']) await addSubscriber(operator(subscriptions, systemClock), { email: `${name}@${readerDomain}` });
    // As `npm start` does at its start: the tables record the data folder's address key once.
    await verifyAddressKey(subscriptions, addressDigest(localAddressKey(dataDir)));
    before = await snapshotAll(tables);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sends to the two addresses given, exits 0, and leaves every table as it was', async () => {
    const domain = (testDomain = uniqueDomain());
    const run = await runCli(['send-test', '--to', `editor@${domain},proof@${domain}`], env);
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toMatch(new RegExp(`sent to editor@${domain} `));
    expect(run.out).toMatch(/2 test message\(s\) sent/);
    const stored = await storedFor(domain);
    expect(stored).toHaveLength(2);
    for (const m of stored) expect(m.subject).toMatch(/^\[Test\] /);
    expect(await storedFor(readerDomain)).toEqual([]);
    expect(await snapshotAll(tables)).toEqual(before);
  });

  it.each([
    ['a CR/LF header injection in --to', (d: string) => ['send-test', '--to', `ok@${d}\r\nBcc: x@${d}`], /control character/],
    ['an unknown issue', (d: string) => ['send-test', '--issue', 'no-such-issue', '--to', `ok@${d}`], /no issue "no-such-issue"/],
  ])('refuses %s: exit 1, a clear error, nothing sent', async (_name, args, error) => {
    const domain = uniqueDomain();
    const run = await runCli(args(domain), env);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(error);
    expect(await storedFor(domain)).toEqual([]);
    expect(await snapshotAll(tables)).toEqual(before);
  });

  it('preview writes the HTML, the text and the .eml a reader gets, same subject as a real send, and no table changes', async () => {
    const out = join(dataDir, 'preview');
    const run = await runCli(['preview', '--out', out], env);
    expect(run).toMatchObject({ code: 0 });
    const files = ['message.html', 'message.txt', 'message.eml'].map((f) => join(out, f));
    for (const f of files) {
      expect(existsSync(f)).toBe(true);
      expect(run.out).toContain(f);
    }
    const mail = await simpleParser(readFileSync(files[2]));
    const lf = (s: string) => s.replace(/\r\n/g, '\n');
    // mailparser gives the parts back with LF; the files hold them as the message does (CRLF).
    expect(mail.html).toBe(lf(readFileSync(files[0], 'utf8')));
    expect(mail.text).toBe(lf(readFileSync(files[1], 'utf8')));
    expect(run.out).toContain(`subject: ${mail.subject}`);
    expect(mail.subject).not.toMatch(/\[Test\]/);
    // The subject a reader gets: the one the test send marked.
    const [sent] = await storedFor(testDomain);
    expect(sent?.subject).toBe(`[Test] ${mail.subject}`);
    expect(readFileSync(files[2], 'utf8')).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(await snapshotAll(tables)).toEqual(before);
  });
});
