/**
 * `npm run cli -- --help` stays quick: listing the commands loads no AWS SDK, no local runtime
 * and no MJML (each command loads what it needs when it runs). A child process runs the real CLI
 * with a preload that writes, as it exits, every module Node loaded; the test reads that list.
 * What is checked is what was loaded, not how long it took.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const TSX = join('node_modules', '.bin', 'tsx');
const run = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-help-'));
  // CommonJS (tsx runs the CLI as CommonJS): every loaded file is in require.cache when the process exits.
  writeFileSync(
    join(dir, 'trace.cjs'),
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.TRACE_OUT, JSON.stringify(Object.keys(require.cache))));\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files Node loaded for `cli <args>`, and what it printed. */
async function loadedBy(args: string[]): Promise<{ files: string[]; stdout: string }> {
  const out = join(dir, `${args.join('_').replace(/\W/g, '')}.json`);
  const { stdout } = await run(TSX, ['--require', join(dir, 'trace.cjs'), 'bin/cli.ts', ...args], {
    env: { ...process.env, TRACE_OUT: out },
    timeout: 120_000,
  });
  return { files: JSON.parse(readFileSync(out, 'utf8')) as string[], stdout };
}

const heavy = /node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|aws-xray-sdk-core|mjml|aws-ses-v2-local|express)\//;

it('--help lists the commands without loading the AWS SDK, MJML or the local runtime (mistake: a top-level import of a heavy module)', async () => {
  const { files, stdout } = await loadedBy(['--help']);
  // The trace worked: the CLI itself and commander were loaded and the help was printed.
  expect(files.some((f) => f.endsWith(join('bin', 'cli.ts')))).toBe(true);
  expect(files.some((f) => f.includes(`${join('node_modules', 'commander')}`))).toBe(true);
  expect(stdout).toContain('issues');
  expect(stdout).toContain('subscribers');
  expect(files.filter((f) => heavy.test(f))).toEqual([]);
  expect(files.filter((f) => /lib\/local\/runtime|bin\/cli\/target/.test(f))).toEqual([]);
});

it("a group's --help (subscribers) loads no AWS SDK either (mistake: a command module importing the wiring at the top)", async () => {
  const { files, stdout } = await loadedBy(['subscribers', '--help']);
  expect(stdout).toContain('search');
  expect(stdout).toContain('count');
  expect(files.filter((f) => heavy.test(f))).toEqual([]);
});
