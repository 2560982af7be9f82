/**
 * `npm run cli -- smoke` in local mode, run as the operator runs it (the CLI in its own
 * process) against the emulators the test setup started: it sends the latest issue to the four
 * mailbox-simulator addresses through the recording SES proxy, which plays SES's simulator, and
 * reports delivered, bounced and complained; the bounce, complaint and suppression-list
 * addresses are left suppressed, the simulator addresses are in no audience, and the issue's
 * own ledger and counters are untouched.
 */
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { publish } from '../../lambdas/usecases/publish';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import { localConfig } from '../../lib/local/config';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fileInbox } from '../support/inbox';
import { ensureTables } from '../../lib/local/tables';
import { SIMULATOR } from '../../lib/ops/smoke';
import { sampleFiles } from '../support/pipeline';

// Limits that only catch a hang: on a loaded machine one CLI run (tsx compiling, then the
// command) takes half a minute, and a test here runs several; the project's two-minute
// default is too short for that, though nothing is wrong.
jest.setTimeout(600_000);

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run cli -- smoke (local mode)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let tables: ReturnType<typeof localConfig>['tables'];
  let run: { code: number | null; stdout: string; stderr: string };
  const client = new DynamoDBClient({});

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'briefing-smoke-'));
    env = { ...process.env, BRIEFING_DATA_DIR: dataDir, BRIEFING_TABLE_PREFIX: `smoke-${randomBytes(4).toString('hex')}-` };
    tables = localConfig(env).tables;
    await ensureTables(client, tables);
    const { content, subscribers } = dynamoPorts(documentClient(), tables);
    await publish({ content, clock: systemClock }, sampleFiles());
    // A real reader of the issue: smoke must never mail them.
    await subscribers.upsert({
      subscriberId: 'reader-1',
      email: `reader-${randomBytes(4).toString('hex')}@example.org`,
      status: 'confirmed',
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'UTC',
      source: 'cli',
      createdAt: new Date().toISOString(),
    });
    run = await runCli(['smoke', '--timeout', '60'], env);
  });

  afterAll(async () => {
    for (const name of Object.values(tables ?? {})) await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 and reports delivered, bounced and suppressed, complained and suppressed', () => {
    // On a failure, jest shows the whole output with the exit code.
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^✔ success@simulator\.amazonses\.com +delivered \(/m);
    expect(run.stdout).toMatch(/^✔ bounce@simulator\.amazonses\.com +bounced \(Permanent\/General\) and suppressed \(bounce\)/m);
    expect(run.stdout).toMatch(/^✔ complaint@simulator\.amazonses\.com +complained and suppressed \(complaint\)/m);
    expect(run.stdout).toMatch(
      /^✔ suppressionlist@simulator\.amazonses\.com +bounced \(Permanent\/OnAccountSuppressionList\) and suppressed/m,
    );
    expect(run.stdout).toMatch(/^smoke passed: 4 of 4/m);
  });

  it('leaves the bounce, complaint and suppression-list addresses suppressed, the success one not, and none in an audience', async () => {
    const get = async (email: string) =>
      (await documentClient().send(new GetCommand({ TableName: tables.subscribers, Key: { email }, ConsistentRead: true }))).Item!;
    const [success, bounce, complaint, suppressionlist] = await Promise.all(
      [SIMULATOR.success, SIMULATOR.bounce, SIMULATOR.complaint, SIMULATOR.suppressionlist].map(get),
    );
    expect(bounce).toMatchObject({ suppressed: true, suppressedReason: 'bounce', source: 'smoke' });
    expect(complaint).toMatchObject({ suppressed: true, suppressedReason: 'complaint', status: 'unsubscribed' });
    expect(suppressionlist).toMatchObject({ suppressed: true, suppressedReason: 'bounce' });
    expect(success.suppressed).toBeUndefined();
    for (const item of [success, bounce, complaint, suppressionlist]) {
      // The sparse audience indexes hold exactly the items with these attributes.
      expect(item).not.toHaveProperty('digestShard');
      expect(item).not.toHaveProperty('alertShard');
    }
  });

  it('records the four messages under a smoke campaign of their own and leaves the issue unsent and uncounted', async () => {
    const campaignId = /as campaign (smoke#\S+)/.exec(run.stdout)?.[1];
    expect(campaignId).toMatch(new RegExp(`^smoke#${SAMPLE_ISSUE_ID}#\\d{4}-`));
    const { ledger, counters, content } = dynamoPorts(documentClient(), tables);
    const entries = await ledger.list(campaignId!);
    expect(entries).toHaveLength(4);
    for (const e of entries) expect(e).toMatchObject({ status: 'sent', sesMessageId: expect.any(String) });
    expect(entries.filter((e) => e.deliveredAt)).toHaveLength(2); // success, and complaint (SES delivers before the complaint)
    expect(entries.filter((e) => e.bouncedAt)).toHaveLength(2);
    expect(await ledger.list(SAMPLE_ISSUE_ID)).toEqual([]);
    expect(await counters.get(SAMPLE_ISSUE_ID)).toBeUndefined();
    expect((await content.getIssue(SAMPLE_ISSUE_ID))?.plannedAt).toBeUndefined();
  });

  it('sends the issue as a reader gets it, to the simulator addresses only', async () => {
    const outbox = join(dataDir, 'outbox');
    const raws = readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8'));
    expect(raws).toHaveLength(4);
    for (const raw of raws) {
      expect(raw).toMatch(/^To: \w+@simulator\.amazonses\.com$/m);
      expect(raw).toMatch(/^List-Unsubscribe: <http:\/\/localhost:\d+\/unsubscribe\?token=v1\./m);
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
      expect(raw).toMatch(/^Content-Type: multipart\/alternative/m);
    }
    const reader = (await dynamoPorts(documentClient(), tables).subscribers.getById('reader-1'))!.email;
    expect((await fileInbox()).filter((m) => m.destination.to.includes(reader))).toEqual([]);
  });

  it('passes again on a second run: each run starts the addresses unsuppressed and sees its own events', async () => {
    const again = await runCli(['smoke', '--timeout', '60'], env);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/^✔ /gm)).toHaveLength(4);
  });
});
