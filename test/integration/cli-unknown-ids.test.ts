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
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import type { Target } from '../../bin/cli/target';
import { runCli, strictTarget } from '../support/cli-in-process';
import { createTestTables, type TestTables } from '../support/tables';
import { plainArticle, plainIssue } from '../unit/fixtures';

let tables: TestTables;
let target: Target;
let planned: (string | undefined)[];
let dir: string;

beforeAll(async () => {
  tables = await createTestTables('unknown-ids');
  const db = dynamoPorts(documentClient(), tables.names);
  await db.content.put(plainArticle('pact-signed', { title: 'Pact signed' }));
  await db.content.put(plainIssue('issue-2026-48', { articleIds: ['pact-signed'] }));
  planned = [];
  // What these commands read before and after the lookup; anything else would be a mistake, and throws.
  target = strictTarget({
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
  });
  dir = mkdtempSync(join(tmpdir(), 'unknown-ids-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tables?.drop();
});

const cli = (...args: string[]) => runCli(target, ...args);

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
    // The message, and nothing that looks like an answer printed before it (zeros, an empty table).
    const error = await cli(...argv).then(
      () => new Error('no error'),
      (e: Error) => e,
    );
    expect(error.message).toContain(message);
    expect(error.message).not.toMatch(/printed before: .*(\b0\b|report written|queued|deliveries)/);
    expect(planned).toEqual([]);
    expect(existsSync(report())).toBe(false);
  });

  it("still answers an alert's stats asked by its article id, and a known issue's", async () => {
    expect((await cli('stats', 'pact-signed')).join('\n')).toContain('pact-signed: Pact signed');
    expect((await cli('stats', 'issue-2026-48')).join('\n')).toMatch(/^issue-2026-48/);
  });
});
