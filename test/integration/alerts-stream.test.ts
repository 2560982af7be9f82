/**
 * Breaking alerts through the real stream, with the product running as `npm start` runs it
 * (a child process of bin/start.ts, pointed at this run's emulators) and the article
 * published by the command-line tool in another process: the alert is triggered by the data
 * (DynamoDB Local's Streams API), not by the publisher.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { freePort } from '../../lib/local/ports';
import { inboxAt } from '../support/inbox';
import { uniqueDomain } from '../support/pipeline';

const ALERT_FILE = 'content/eu-japan-security-brief/alerts/north-korea-icbm-test.md';
const TSX = join('node_modules', '.bin', 'tsx');
const run = promisify(execFile);

let child: ChildProcess;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let domain: string;
let prefix: string;
let httpUrl: string;

// Limits that only catch a hang: on a loaded machine one CLI run takes half a minute and
// `npm start` as long to come up, and every wait here ends on a positive signal.
jest.setTimeout(600_000);
const cli = (...args: string[]) => run(TSX, ['bin/cli.ts', ...args], { env, timeout: 300_000 });
const mine = () => inboxAt(domain);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Settled {
  stream: { delivered: number; filteredOut: number; failed: number };
  queue: { visible: number; inFlight: number };
}
const recordsRead = (s: Settled) => s.stream.delivered + s.stream.filteredOut + s.stream.failed;

/**
 * The positive signal that nothing more can come: `npm start`'s stream poller has read the
 * Content stream up to now (at least `minRecords` records in all, so the writes under test
 * were among them) and its send queue is empty. Asked of the running product over its local
 * `/_local/settled` route.
 */
async function settled(minRecords = 0): Promise<Settled> {
  return waitFor(
    `the stream read past ${minRecords} records and the queue empty`,
    async () => {
      const res = await fetch(`${httpUrl}/_local/settled?timeoutMs=60000`);
      if (res.status !== 200) throw new Error(`/_local/settled answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Settled;
    },
    (s) => recordsRead(s) >= minRecords,
    120_000,
  );
}

async function waitFor<T>(what: string, fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await sleep(200);
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'briefing-alerts-'));
  domain = uniqueDomain();
  prefix = `alerts-${randomBytes(3).toString('hex')}-`;
  env = {
    ...process.env,
    BRIEFING_DATA_DIR: dataDir,
    BRIEFING_HTTP_PORT: String(await freePort()),
    BRIEFING_TABLE_PREFIX: prefix,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  child = spawn(TSX, ['bin/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitFor(
    'npm start',
    () => Promise.resolve(out),
    (o) => o.includes('Briefing is running') || child.exitCode !== null,
    300_000,
  );
  if (child.exitCode !== null) throw new Error(`bin/start.ts exited: ${out}`);
  httpUrl = `http://127.0.0.1:${env.BRIEFING_HTTP_PORT}`;

  const { subscribers, subscriptions } = dynamoPorts(documentClient(), { subscribers: `${prefix}subscribers` });
  const deps = operator(subscriptions, systemClock);
  await addSubscriber(deps, { email: `korea-watcher@${domain}`, alerts: true, topics: ['north-korea', 'cyber'] });
  await addSubscriber(deps, { email: `everything@${domain}`, alerts: true, topics: [] });
  await addSubscriber(deps, { email: `disarmament@${domain}`, alerts: true, topics: ['nuclear-disarmament', 'china'] });
  await addSubscriber(deps, { email: `cyber-only@${domain}`, alerts: true, topics: ['cyber'] });
  // Wants alerts but not the digest: the send-time check must look at `alerts` for an alert.
  await addSubscriber(deps, { email: `alerts-no-digest@${domain}`, alerts: true, digest: false, topics: ['north-korea'] });
  await addSubscriber(deps, { email: `digest-only@${domain}`, alerts: false, topics: ['north-korea'] });
  const gone = await addSubscriber(deps, { email: `gone@${domain}`, alerts: true, topics: ['north-korea'] });
  await subscribers.unsubscribe(gone.subscriberId, new Date());
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('breaking alerts from the Content stream', () => {
  it('alerts exactly the readers whose topics match (digest or not), once each, naming the matched topics', async () => {
    const before = recordsRead(await settled());
    await cli('publish', ALERT_FILE);
    // Every effect of the publish has happened once the poller has read its record and the
    // queue is empty: no wait for something not to arrive.
    const after = await settled(before + 1);
    expect(after.stream.delivered).toBeGreaterThan(0);
    const final = await mine();
    expect(final.map((m) => m.destination.to[0]).sort()).toEqual([
      `alerts-no-digest@${domain}`,
      `disarmament@${domain}`,
      `everything@${domain}`,
      `korea-watcher@${domain}`,
    ]);
    expect(final[0].subject).toMatch(/^Breaking: North Korea tests a suspected new ICBM-class missile/);
    const byTo = (who: string) => final.find((m) => m.destination.to[0] === `${who}@${domain}`)!;
    // The reason line is folded at 72 columns in the text part.
    const reason = (who: string) => (byTo(who).body.text ?? '').replace(/\s+/g, ' ');
    expect(reason('korea-watcher')).toMatch(/You get this alert because korea-watcher@\S+ asked for .* breaking alerts on North Korea\./);
    // The topic's label from the newsletter's settings (content/…/topics.md), not its id title-cased,
    // in the reason and on the alert's topics line alike.
    expect(reason('disarmament')).toMatch(/breaking alerts on Nuclear disarmament\./);
    expect(reason('disarmament')).toContain('Topics: North Korea · Nuclear disarmament ');
    // A reader of all topics is told so, not that they follow the article's topics.
    expect(reason('everything')).toMatch(/breaking alerts on all topics\./);
    const { content } = dynamoPorts(documentClient(), { content: `${prefix}content` });
    expect((await content.getArticles(['north-korea-icbm-test']))[0].alertedAt).toBeDefined();
  });

  it('`status <alert id>` after the alert went out says done, with its audience, not "planning" (the mistake: the planner never recorded the campaign)', async () => {
    await settled();
    const { stdout } = await cli('status', 'north-korea-icbm-test');
    expect(stdout).toMatch(/^north-korea-icbm-test: done — 4\/4 done: 4 sent, 0 failed, 0 suppressed;/m);
    expect(stdout).toContain('queued 4 ');
    expect(stdout).not.toContain('planning');
  });

  it('sends nothing more when the alert is published again, or edited', async () => {
    const before = recordsRead(await settled());
    await cli('publish', ALERT_FILE);
    const edited = join(dataDir, 'edited.md');
    writeFileSync(
      edited,
      readFileSync(ALERT_FILE, 'utf8').replace(/^title: .*$/m, 'title: North Korea tests a new ICBM-class missile (updated)'),
    );
    await cli('publish', edited);
    // The edit changes the item, so its record is in the stream: wait until the poller has
    // read it (and anything before it) and whatever it queued has been sent.
    await settled(before + 1);
    expect(await mine()).toHaveLength(4);
  });
});
