/**
 * Every command that takes an issue or article id, run in-process through commander against
 * real tables in DynamoDB Local: an id that names nothing stored is refused (the command
 * rejects, so the CLI exits 1) with `no issue "<id>"` or `no article "<id>"` and the nearest
 * stored id, and nothing is planned, sent or written. An alert's stats, asked by its article id,
 * still work.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import type { Target, WithTarget } from '../../bin/cli/target';
import * as sending from '../../bin/cli/sending';
import * as status from '../../bin/cli/status';
import * as stats from '../../bin/cli/stats';
import * as preview from '../../bin/cli/preview';
import * as smoke from '../../bin/cli/smoke';
import { createTestTables, type TestTables } from '../support/tables';
import { plainArticle, plainIssue } from '../unit/fixtures';

let tables: TestTables;
let target: Target;
let planned: (string | undefined)[];
let out: string[];
let dir: string;

beforeAll(async () => {
  tables = await createTestTables('unknown-ids');
  const db = dynamoPorts(documentClient(), tables.names);
  await db.content.put(plainArticle('pact-signed', { title: 'Pact signed' }));
  await db.content.put(plainIssue('issue-2026-48', { articleIds: ['pact-signed'] }));
  planned = [];
  // What these commands read before and after the lookup; anything else would be a mistake, and throws.
  const known: Partial<Target> = {
    content: db.content,
    ids: db.content,
    ledger: db.ledger,
    clicks: db.clicks,
    subjectTests: db.subjectTests,
    sending: db.sendingState,
    counters: db.counters,
    clock: { now: () => new Date('2026-12-01T10:00:00Z') },
    plan: (issueId) => {
      planned.push(issueId);
      return Promise.resolve({ status: 'skipped', issueId, reason: 'no-issue' });
    },
  };
  target = new Proxy(known as Target, {
    get(t, key: string) {
      if (key in t) return Reflect.get(t, key) as unknown;
      throw new Error(`the command read target.${key} before refusing the id`);
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'unknown-ids-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tables?.drop();
});
beforeEach(() => {
  out = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

/** Runs one command line in-process, as bin/cli.ts does (its catch prints the message and exits 1). */
async function cli(...args: string[]): Promise<void> {
  const program = new Command('briefing').exitOverride();
  const withTarget: WithTarget = (fn) => fn(target);
  for (const group of [sending, status, stats, preview, smoke]) group.register(program, withTarget);
  await program.parseAsync(['node', 'briefing', ...args]);
}

describe('an unknown id is refused by every command that takes one', () => {
  const report = () => join(dir, 'report.html');
  it.each([
    ['stats with a misspelt issue', ['stats', 'issue-2026-84'], 'no issue "issue-2026-84" (did you mean "issue-2026-48"?)'],
    [
      'report with a misspelt issue',
      ['report', 'issue-2026-4', '--out', 'REPORT'],
      'no issue "issue-2026-4" (did you mean "issue-2026-48"?)',
    ],
    ['status with a misspelt issue', ['status', 'isue-2026-48'], 'no issue "isue-2026-48" (did you mean "issue-2026-48"?)'],
    ['deliveries of an id nothing is near', ['deliveries', 'weekly'], 'no issue "weekly"'],
    ['stats of a misspelt article id', ['stats', 'pact-signd'], 'no issue "pact-signd" (did you mean the article "pact-signed"?)'],
    [
      'send-digest --issue with a misspelt issue',
      ['send-digest', '--issue', 'issue-2026-49'],
      'no issue "issue-2026-49" (did you mean "issue-2026-48"?)',
    ],
    [
      'send-test --issue with a misspelt issue',
      ['send-test', '--to', 'editor@example.com', '--issue', 'issue-2026-8'],
      'no issue "issue-2026-8" (did you mean "issue-2026-48"?)',
    ],
    [
      'send-test --article with a misspelt article',
      ['send-test', '--to', 'editor@example.com', '--article', 'pact-sign'],
      'no article "pact-sign" (did you mean "pact-signed"?)',
    ],
    [
      'preview --issue with a misspelt issue',
      ['preview', '--issue', 'Issue-2026-48x'],
      'no issue "Issue-2026-48x" (did you mean "issue-2026-48"?)',
    ],
    [
      'preview --article with a misspelt article',
      ['preview', '--article', 'pakt-signed'],
      'no article "pakt-signed" (did you mean "pact-signed"?)',
    ],
    [
      'smoke --issue with a misspelt issue',
      ['smoke', '--issue', 'issue-2025-48'],
      'no issue "issue-2025-48" (did you mean "issue-2026-48"?)',
    ],
    ['deliveries of a smoke run that never was', ['deliveries', 'smoke#issue-2026-48#2026-01-01T00:00:00.000Z'], 'no campaign'],
  ])('%s', async (_mistake, args, message) => {
    const argv = args.map((a) => (a === 'REPORT' ? report() : a));
    await expect(cli(...argv)).rejects.toThrow(message);
    expect(planned).toEqual([]);
    expect(existsSync(report())).toBe(false);
    // Nothing that looks like an answer was printed before the refusal (no zeros, no empty table).
    expect(out.filter((l) => /\b0\b|report written|queued|deliveries$/.test(l))).toEqual([]);
  });

  it("still answers an alert's stats asked by its article id, and a known issue's", async () => {
    await cli('stats', 'pact-signed');
    expect(out.join('\n')).toContain('pact-signed: Pact signed');
    out = [];
    await cli('stats', 'issue-2026-48');
    expect(out.join('\n')).toMatch(/^issue-2026-48/);
  });
});
