/**
 * `npm run cli -- editors code`: the seeded owner's current sign-in code, from the secret `npm start`
 * keeps in the data folder (lib/local/totp.ts), run as a child process like the real CLI.
 * Tries: a data folder without the secret (named, exit 1, no new secret made there), and
 * `--stack` (local only: refused, exit 1).
 */
import { afterAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CODE_LOCAL_ONLY } from '../../bin/cli/editors';
import { LOCAL_OWNER } from '../../lib/local/oidc-provider';
import { OWNER_TOTP_FILE, ownerTotpSecret, totpOf } from '../../lib/local/totp';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'editors-code-'));
  dirs.push(dir);
  return dir;
}

type Outcome = { code: number; stdout: string; stderr: string };
const cli = (args: string[], dir: string): Promise<Outcome> =>
  run(join('node_modules', '.bin', 'tsx'), ['bin/cli.ts', ...args], {
    timeout: 120_000,
    env: { ...process.env, BRIEFING_DATA_DIR: dir },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: Outcome) => e,
  );

it("prints the code an authenticator app shows for the seeded owner's kept secret (mistake: another secret, or a code of another time)", async () => {
  const dir = dataDir();
  const totp = totpOf(LOCAL_OWNER.email, ownerTotpSecret(dir));
  const before = Date.now();
  const out = await cli(['editors', 'code'], dir);
  // The code of the step the command ran in: one of those between before and after it.
  const possible = new Set([before, Date.now()].map((t) => totp.generate({ timestamp: t })));
  expect(out.code).toBe(0);
  expect(possible).toContain(out.stdout.trim());
  expect(out.stderr).toContain(`the code of ${LOCAL_OWNER.email}: accepted once`);
});

it('names the missing secret and the data folder when npm start has not made it, and makes none (exit 1)', async () => {
  const dir = dataDir();
  const out = await cli(['editors', 'code'], dir);
  expect(out.code).toBe(1);
  expect(out.stdout).toBe('');
  expect(out.stderr).toContain(`no ${OWNER_TOTP_FILE} in ${dir}: npm start makes it`);
  expect(existsSync(join(dir, OWNER_TOTP_FILE))).toBe(false);
});

it('refuses --stack: on AWS each editor has their own authenticator app (exit 1)', async () => {
  const out = await cli(['--stack', 'Briefing', 'editors', 'code'], dataDir());
  expect(out.code).toBe(1);
  expect(out.stdout).toBe('');
  expect(out.stderr.trim()).toBe(CODE_LOCAL_ONLY);
});
