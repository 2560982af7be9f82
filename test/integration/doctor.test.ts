/**
 * `npm run cli -- doctor` in local mode, run as the operator runs it, against the emulators the
 * test setup started: with the local stack up (tables, SES endpoint, the HTTP API's /health) it
 * passes and exits 0; with its tables missing and nothing serving /health it names both and
 * exits 1. The CLI checks without creating anything (a missing table stays missing).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localConfig } from '../../lib/local/config';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDoctorVerdicts } from '../../lambdas/adapters/dynamodb/doctor-verdicts';
import { freePort } from '../../lib/local/ports';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';

// Limits that only catch a hang: on a loaded machine one CLI run (tsx compiling, then the
// command) takes half a minute, and a test here runs several; the project's two-minute
// default is too short for that, though nothing is wrong.
jest.setTimeout(600_000);

function doctor(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'doctor'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('npm run cli -- doctor (local mode)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let rt: LocalRuntime;
  const client = new DynamoDBClient({});

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'briefing-doctor-'));
    env = {
      ...process.env,
      BRIEFING_DATA_DIR: dataDir,
      BRIEFING_TABLE_PREFIX: `doctor-${randomBytes(4).toString('hex')}-`,
      BRIEFING_HTTP_PORT: String(await freePort()),
    };
    // The local stack as `npm start` runs it, on the test's emulators: tables and the HTTP API.
    rt = await startRuntime({ startEmulators: true, http: true, config: localConfig(env) });
  });

  afterAll(async () => {
    await rt?.stop();
    for (const name of Object.values(localConfig(env).tables))
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes and exits 0 when the local stack is up', async () => {
    const { code, stdout } = await doctor(env);
    expect(stdout).toMatch(/^✔ DynamoDB +http:\/\/\S+: tables doctor-\w+-subscribers, doctor-\w+-content, doctor-\w+-deliveries present$/m);
    expect(stdout).toMatch(/^✔ SES endpoint +http:\/\/\S+ answers/m);
    expect(stdout).toMatch(/^✔ quota and rate +GetSendQuota not answered .*fixed rate/m);
    expect(stdout).toMatch(/^✔ schedule +"0 7 \* \* MON" next run \w{3} \d+ \w{3} \d{4} 07:00 Europe\/Brussels/m);
    expect(stdout).toMatch(new RegExp(`^✔ public base URL +http://localhost:${env.BRIEFING_HTTP_PORT}/health answers 200$`, 'm'));
    expect(stdout.trim().split('\n').pop()).toBe('ready to send');
    expect(code).toBe(0);
    // The console's Home reads the verdict from the Deliveries table.
    const kept = await new DynamoDoctorVerdicts(DynamoDBDocumentClient.from(client), localConfig(env).tables.deliveries).latest();
    expect(kept?.target).toBe('the local stack');
    expect(kept?.by).toMatch(/^cli:/);
    expect(kept!.checks.map((c) => c.ok)).not.toContain(false);
    expect(kept!.checks.map((c) => c.name)).toContain('public base URL');
  });

  it('names missing tables and a dead /health, creates nothing, and exits 1', async () => {
    const broken = {
      ...env,
      BRIEFING_TABLE_PREFIX: `absent-${randomBytes(4).toString('hex')}-`,
      BRIEFING_HTTP_PORT: String(await freePort()),
    };
    const { code, stdout } = await doctor(broken);
    expect(stdout).toMatch(/^✗ DynamoDB +.*table\(s\) absent-\w+-subscribers, absent-\w+-content, absent-\w+-deliveries are missing$/m);
    expect(stdout).toMatch(/^✗ public base URL +does not answer: .*ECONNREFUSED/m);
    expect(stdout).toMatch(/fix: start the local stack with `npm start`/);
    expect(stdout.trim().split('\n').pop()).toBe('2 problem(s) block sending');
    // No Deliveries table: nothing kept, and nothing created to keep it in.
    expect(code).toBe(1);
    const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(tables.filter((t) => t.startsWith(broken.BRIEFING_TABLE_PREFIX))).toEqual([]);
  });
});
