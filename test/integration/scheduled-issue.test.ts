/**
 * A scheduled issue in the local mode, as `npm start` runs it: publish with a `sendAt` a little
 * ahead, then the runtime's minute check (lib/local/issue-schedules.ts) called with given times
 * on a clock the test walks, never the wall clock. Before `sendAt` it does nothing; at `sendAt`
 * the same planner handler the AWS schedule invokes plans the issue, and the local queue sends
 * it to the readers through the SES emulator. DynamoDB Local and the SES emulator are the ones
 * global-setup started; the tables are this file's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../lambdas/core/ports';
import { publish, type SourceFile } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { localConfig } from '../../lib/local/config';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { sesStore } from '../../lib/local/ses';
import { sampleFiles, uniqueDomain } from '../support/pipeline';
import { createTestTables, type TestTables } from '../support/tables';

const ISSUE = 'eu-japan-security-brief-001';
const ENV = { ...process.env };
const EMULATOR = process.env.AWS_ENDPOINT_URL_SES!;

/** A clock the test moves by hand; the planner in the runtime reads the same one. */
const clock: Clock & { at: Date } = { at: new Date(Math.floor(Date.now() / 60_000) * 60_000), now: () => new Date(clock.at) };
const start = clock.at;
const sendAt = new Date(start.getTime() + 10 * 60_000);

let tables: TestTables;
let rt: LocalRuntime;
let dataDir: string;
let domain: string;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;

const inbox = async () => (await sesStore(EMULATOR)).filter((m) => m.destination.to.some((t) => t.endsWith(`@${domain}`)));

/** The sample files with `sendAt` in the issue's front matter. */
const withSendAt = (files: SourceFile[], at: Date): SourceFile[] =>
  files.map((f) => (/^type: issue$/m.test(f.text) ? { ...f, text: f.text.replace(/^type: issue$/m, `type: issue\nsendAt: ${at.toISOString()}`) } : f));

beforeAll(async () => {
  tables = await createTestTables('sendat');
  dataDir = mkdtempSync(join(tmpdir(), 'briefing-sendat-'));
  const config = { ...localConfig({ ...process.env, BRIEFING_DATA_DIR: dataDir }), tables: tables.names, dynamoEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, sesEndpoint: EMULATOR };
  rt = await startRuntime({ startEmulators: false, http: false, config, clock });
  db = dynamoPorts(documentClient(), tables.names);
  domain = uniqueDomain();
  for (const name of ['ana', 'ben']) await addSubscriber({ subscribers: db.subscribers, clock }, { email: `${name}@${domain}` });
  const published = await publish({ content: db.content, clock, schedules: new LocalIssueScheduler() }, withSendAt(sampleFiles(), sendAt));
  expect(published.scheduled).toEqual([{ issueId: ISSUE, sendAt: sendAt.toISOString() }]);
});
afterAll(async () => {
  await rt?.stop();
  await tables?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  process.env = { ...ENV };
});

describe('a scheduled issue in the local runtime', () => {
  it('is stored with its sendAt in UTC and left out of the weekly run', async () => {
    expect((await db.content.getIssue(ISSUE))?.sendAt).toBe(sendAt.toISOString());
    expect(await rt.planDigest({})).toEqual({ status: 'skipped', issueId: ISSUE, reason: 'scheduled' });
  });

  it('is not planned by the minute check before its sendAt', async () => {
    clock.at = new Date(start.getTime() + 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    clock.at = new Date(sendAt.getTime() - 60_001);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    expect((await db.content.getIssue(ISSUE))?.plannedAt).toBeUndefined();
    expect(await rt.counters.get(ISSUE)).toBeUndefined();
  });

  it('is planned by the minute check at its sendAt and sent to each reader once, through the local queue', async () => {
    clock.at = sendAt;
    expect(await rt.runScheduledIssues(clock.now())).toEqual([{ status: 'queued', issueId: ISSUE, recipients: 2, batches: 1 }]);
    await rt.queue.drain(120_000);
    expect((await inbox()).map((m) => m.destination.to[0]).sort()).toEqual([`ana@${domain}`, `ben@${domain}`]);
    expect((await db.content.getIssue(ISSUE))?.plannedAt).toBe(sendAt.toISOString());
  });

  it('is not planned again by the next minute’s check', async () => {
    clock.at = new Date(sendAt.getTime() + 60_000);
    expect(await rt.runScheduledIssues(clock.now())).toEqual([]);
    await rt.queue.drain(120_000);
    expect(await inbox()).toHaveLength(2);
  });
});
