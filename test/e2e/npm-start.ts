/**
 * `npm start` as a child process for the browser tests: free ports, a fresh data folder, the
 * emulators of its own (the endpoints of the jest environment are left out). Resolves once it
 * prints "Briefing is running."; `stop()` ends its whole process group (tsx, node, DynamoDB
 * Local's Java) and removes the data folder. Used by subscribe-journey, subscribe-settings and
 * the console's journey (console-browser.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/local/ports';
import { livingInGroup } from '../support/processes';

const ROOT = join(__dirname, '..', '..');

export interface NpmStart {
  /** The local HTTP server, `http://localhost:<port>` (the console's host as well). */
  base: string;
  /** The SES emulator (its `/store`). */
  sesBase: string;
  /** The environment it runs with: a CLI run with it talks to the same emulators and data. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** What it printed so far (stdout and stderr). */
  log(): string;
  /** End the process group (waits until none of it is left), keep the log if asked, remove the data folder. */
  stop(): Promise<void>;
}

export interface NpmStartOptions {
  /** The data folder's name starts with this (under the system's temporary folder). */
  prefix: string;
  /** More environment (settings such as BRIEFING_DIGEST_DELIVERY). */
  env?: Record<string, string>;
  /** Where `stop()` writes what it printed: a failed step often shows its cause there. */
  logFile?: string;
}

export async function startNpmStart(options: NpmStartOptions): Promise<NpmStart> {
  const dataDir = mkdtempSync(join(tmpdir(), options.prefix));
  const [http, dynamo, ses] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    BRIEFING_HTTP_PORT: String(http),
    BRIEFING_DYNAMODB_PORT: String(dynamo),
    BRIEFING_SES_PORT: String(ses),
    BRIEFING_DATA_DIR: dataDir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // Endpoints from the jest environment would make npm start skip its own emulators.
  for (const k of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SES']) delete env[k];

  const server = spawn('npm', ['start'], { env, cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const stop = async () => {
    // npm start runs tsx, which runs node: stop the whole process group, and wait for it. Done
    // when no process of the group is left (DynamoDB Local's Java included), not after a fixed
    // wait: only then may its data folder go. SIGKILL only if SIGTERM did not do it within a
    // limit no ordinary shutdown comes near.
    const pid = server.pid;
    if (pid) {
      const groupGone = async (ms: number) => {
        const deadline = Date.now() + ms;
        while (livingInGroup(pid).length > 0) {
          if (Date.now() > deadline) return false;
          await new Promise((r) => setTimeout(r, 100));
        }
        return true;
      };
      if (livingInGroup(pid).length > 0) process.kill(-pid, 'SIGTERM');
      if (!(await groupGone(60_000))) {
        process.kill(-pid, 'SIGKILL');
        if (!(await groupGone(30_000))) throw new Error(`npm start's process group ${pid} survived SIGKILL:\n${log}`);
      }
    }
    if (options.logFile) writeFileSync(options.logFile, log);
    server.stdout?.destroy();
    server.stderr?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      // A hang guard only: on a loaded machine the first start (templates, tsx, Java) is slow.
      const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${log}`)), 300_000);
      const onData = (b: Buffer) => {
        log += b.toString();
        if (log.includes('Briefing is running.')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}:\n${log}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { base: `http://localhost:${http}`, sesBase: `http://127.0.0.1:${ses}`, env, dataDir, log: () => log, stop };
}
