/**
 * The listings as an operator runs them: the command-line tool in its own process, against this
 * run's emulators (a table prefix of its own): a page and its `--next` token, a misspelt status
 * refused, masked addresses in `deliveries`, counts by source.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Issue, Subscriber } from '../../lambdas/core/model';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { ensureTables } from '../../lib/local/tables';

// Limits that only catch a hang: on a loaded machine one CLI run takes half a minute.
jest.setTimeout(600_000);

const TSX = join('node_modules', '.bin', 'tsx');
const run = promisify(execFile);
let env: NodeJS.ProcessEnv;
let dataDir: string;

/** Runs the CLI; resolves with its output and exit code (a non-zero exit is an answer here, not an error). */
async function cli(...args: string[]): Promise<{ out: string; code: number }> {
  try {
    const { stdout, stderr } = await run(TSX, ['bin/cli.ts', ...args], { env, timeout: 300_000 });
    return { out: stdout + stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: `${x.stdout ?? ''}${x.stderr ?? ''}`, code: x.code ?? -1 };
  }
}

const at = new Date('2026-12-01T08:00:00.000Z');
const issue = (n: number): Issue => ({
  kind: 'issue',
  id: `cli-issue-${n}`,
  newsletter: 'Brief',
  number: n,
  title: `Issue number ${n}`,
  summary: 's',
  preheader: 'p',
  date: `2026-11-0${n}`,
  articleIds: [],
  publishedAt: at.toISOString(),
});
const reader = (i: number, source: Subscriber['source']): Subscriber => ({
  subscriberId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  email: `reader.${i}@cli-find.test`,
  status: 'confirmed',
  digest: true,
  alerts: false,
  topics: [],
  timezone: 'UTC',
  source,
  createdAt: at.toISOString(),
});

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'briefing-find-'));
  const prefix = `find-${randomBytes(3).toString('hex')}-`;
  env = { ...process.env, BRIEFING_DATA_DIR: dataDir, BRIEFING_TABLE_PREFIX: prefix, POWERTOOLS_LOG_LEVEL: 'WARN' };
  const tables = { subscribers: `${prefix}subscribers`, content: `${prefix}content`, deliveries: `${prefix}deliveries` };
  const client = new DynamoDBClient({});
  await ensureTables(client, tables);
  client.destroy();
  const db = dynamoPorts(documentClient(), tables);
  await db.content.put(issue(1));
  await db.content.put(issue(2));
  for (const [i, source] of [
    [1, 'web'],
    [2, 'import'],
    [3, 'web'],
  ] as const)
    await db.subscribers.upsert(reader(i, source));
  await db.ledger.markSent('cli-issue-1', reader(1, 'web').subscriberId, 'm-1', at, at);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('issues list pages by --limit and the printed --next token, newest first (mistake: a token the next call does not take)', async () => {
  const first = await cli('issues', 'list', '--limit', '1');
  expect(first.code).toBe(0);
  expect(first.out).toMatch(/cli-issue-2 +2 +2026-11-02 +draft +Issue number 2/);
  expect(first.out).not.toContain('cli-issue-1');
  const token = /next page: --next (\S+)/.exec(first.out)?.[1];
  expect(token).toBeDefined();
  const second = await cli('issues', 'list', '--limit', '1', '--next', token!);
  expect(second.out).toContain('cli-issue-1');
  expect(second.out).not.toContain('cli-issue-2');
});

it('subscribers list refuses a misspelt status with "did you mean" and exits 1 (mistake: an empty list for a typo)', async () => {
  const r = await cli('subscribers', 'list', '--status', 'confimred');
  expect(r.code).toBe(1);
  expect(r.out).toContain('unknown status "confimred" (did you mean "confirmed"?)');
});

it('deliveries names the reader masked, and whole only with --show-addresses (mistake: ids only, or addresses printed unasked)', async () => {
  const masked = await cli('deliveries', 'cli-issue-1');
  expect(masked.out).toContain('r***@cli-find.test');
  expect(masked.out).not.toContain('reader.1@');
  const shown = await cli('deliveries', 'cli-issue-1', '--show-addresses');
  expect(shown.out).toContain('reader.1@cli-find.test');
});

it('subscribers count counts by source among those a filter keeps (mistake: a filter ignored by count)', async () => {
  const r = await cli('subscribers', 'count', '--source', 'web');
  expect(r.out).toContain('2 subscriber(s)');
  expect(r.out).toContain('by source: web 2');
});

it('subscribers search finds by a prefix in capitals and masks the address unless asked (mistake: a whole list of addresses printed unasked)', async () => {
  const r = await cli('subscribers', 'search', 'READER.2');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/r\*\*\*@cli-find\.test +00000000-0000-4000-8000-000000000002 +confirmed +import/);
  expect(r.out).not.toContain('reader.2@');
  expect(r.out).toContain('1 subscriber(s) shown; no more');
});
