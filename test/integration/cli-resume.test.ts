/**
 * `status` and `resume` as an operator runs them: the command-line tool in its own process,
 * against this run's emulators (a table prefix of its own). A pause written the way the sender
 * writes it shows in `status`; a reputation brake is not ended by a plain `resume`; the override
 * ends it and makes the brake count afresh.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { DynamoSendingState } from '../../lambdas/adapters/dynamodb/sending-state';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';

// Limits that only catch a hang: on a loaded machine one CLI run (tsx compiling, then the
// command) takes half a minute, and a test here runs several; the project's two-minute
// default is too short for that, though nothing is wrong.
jest.setTimeout(600_000);

const TSX = join('node_modules', '.bin', 'tsx');
const run = promisify(execFile);

let env: NodeJS.ProcessEnv;
let dataDir: string;
let state: DynamoSendingState;

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

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'briefing-resume-'));
  const prefix = `resume-${randomBytes(3).toString('hex')}-`;
  env = { ...process.env, BRIEFING_DATA_DIR: dataDir, BRIEFING_TABLE_PREFIX: prefix, POWERTOOLS_LOG_LEVEL: 'WARN' };
  state = dynamoPorts(documentClient(), { deliveries: `${prefix}deliveries` }).sendingState;
  return Promise.resolve();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('cli status and resume', () => {
  it('shows the account-wide pause and its reason; a reputation brake needs --override-reputation', async () => {
    // The first command creates the tables (the local target ensures them).
    const before = await cli('status');
    expect(before.out).toContain('sending: on');

    const reason = 'reputation brake: bounce rate 10 % (5 of 50 sends, last 1000 sends) reached the brake at 4 %';
    expect(await state.open({ kind: 'reputation', code: 'reputation', reason, openedAt: new Date().toISOString(), step: 0 })).toBe(true);
    const status = await cli('status');
    expect(status.out).toContain('sending: PAUSED (reputation)');
    expect(status.out).toContain(reason);

    const plain = await cli('resume');
    expect(plain.code).toBe(1);
    expect(plain.out).toMatch(/--override-reputation/);
    expect((await state.get()).pause).toMatchObject({ kind: 'reputation' });

    const overridden = await cli('resume', '--override-reputation');
    expect(overridden.code).toBe(0);
    expect(overridden.out).toContain('sending resumed');
    const after = await state.get();
    expect(after.pause).toBeUndefined();
    expect(after.override).toMatchObject({ snapshot: { sends: 0, bounces: 0, complaints: 0 } });
    expect((await cli('status')).out).toContain('sending: on');
  });

  it('ends an account pause at once with a plain resume', async () => {
    const retryAt = new Date(Date.now() + 15 * 60_000).toISOString();
    await state.open({
      kind: 'account',
      code: 'AccountSendingPausedException',
      reason: 'SES refused sending for the account (AccountSendingPausedException: Sending is paused for this account.)',
      openedAt: new Date().toISOString(),
      retryAt,
      step: 2,
    });
    expect((await cli('status')).out).toContain(`next probe ${retryAt} (after 2 failed probes)`);
    const r = await cli('resume');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('sending resumed');
    expect((await state.get()).pause).toBeUndefined();
  });
});
