/**
 * The local mode honours the SDK's standard endpoint variables: when AWS_ENDPOINT_URL_DYNAMODB
 * and AWS_ENDPOINT_URL_SES are given (here, the emulators the test setup started), it starts no
 * bundled emulator, creates its tables there and serves the HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localConfig } from '../../lib/local/config';
import { freePort } from '../../lib/local/ports';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { dynamoDbLocalPids } from '../support/processes';

describe('local runtime with endpoints given', () => {
  let rt: LocalRuntime;
  let dataDir: string;
  let dynamoPort: number;
  // Only an emulator this runtime would have started: on the port it was given, or keeping
  // its data in this test's folder. Other tests' emulators (the global one included) match neither.
  const ownEmulators = () => dynamoDbLocalPids({ port: dynamoPort, under: dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'briefing-rt-'));
    dynamoPort = await freePort();
    const config = localConfig({
      ...process.env,
      BRIEFING_DATA_DIR: dataDir,
      BRIEFING_HTTP_PORT: String(await freePort()),
      BRIEFING_DYNAMODB_PORT: String(dynamoPort),
    });
    expect(config.dynamoPort).toBe(dynamoPort);
    expect(ownEmulators()).toEqual([]);
    rt = await startRuntime({ startEmulators: true, http: true, config });
  });
  afterAll(async () => {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the given endpoints and starts no emulator of its own', () => {
    expect(rt.dynamoEndpoint).toBe(process.env.AWS_ENDPOINT_URL_DYNAMODB);
    expect(rt.sesInbox).toBe(process.env.AWS_ENDPOINT_URL_SES);
    // Fails if the runtime started DynamoDB Local anyway: it would run on this port and folder.
    expect(ownEmulators()).toEqual([]);
  });

  it('serves the health route of the same API handler', async () => {
    const res = await fetch(`${rt.httpUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers an unknown route with 404 and a missing unsubscribe token with 400', async () => {
    expect((await fetch(`${rt.httpUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${rt.httpUrl}/unsubscribe`, { method: 'POST' })).status).toBe(400);
  });
});
