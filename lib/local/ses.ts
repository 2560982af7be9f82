/**
 * The SES emulator (`aws-ses-v2-local`) run inside this Node process.
 *
 * It answers the SES v1 `SendRawEmail` call the sender uses, shows an inbox at `/`, and keeps
 * every message in memory only: a restart empties the inbox. Its store is a module-level
 * singleton, so two emulators in one process share one inbox.
 *
 * Any other SES v1 action (GetSendQuota, which the local sender asks first) is answered as SES
 * answers an action it does not know, `400 InvalidAction`, instead of the library's silence (its
 * `POST /` route never answers other actions): the sender then knows at once that this endpoint
 * has no quota, where it otherwise waited out the deadline (2 s) at every send's start.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import startServer from 'aws-ses-v2-local';

export interface SesEmulatorOptions {
  port: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
}

export interface RunningSesEmulator {
  /** `http://<host>:<port>`, for `AWS_ENDPOINT_URL_SES`; the inbox page is this URL itself. */
  endpoint: string;
  /** Close the server (open keep-alive connections included). Safe to call twice, and to pass on unbound. */
  stop: () => Promise<void>;
}

/** One message as the emulator stores it (`GET /store`), reduced to what tests look at. */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo?: string[];
  destination: { to: string[]; cc?: string[]; bcc?: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Unix time in seconds when the emulator received it. */
  at: number;
}

/**
 * Start the SES emulator.
 *
 * @throws Error when it cannot listen (most often: the port is already in use).
 */
export async function startSesEmulator(options: SesEmulatorOptions): Promise<RunningSesEmulator> {
  const host = options.host ?? '127.0.0.1';
  const { port } = options;
  const server: Server = await startServer({ host, port });
  if (!server.listening) {
    // The library resolves even when listen fails and drops the error; find out why.
    throw new Error(`SES emulator cannot listen on ${host}:${port}: ${await whyCannotListen(host, port)}`);
  }
  answerUnknownActions(server);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // SDK clients keep connections alive; without this, close() would wait for them.
      server.closeAllConnections();
    }));
  const shownHost = host.includes(':') ? `[${host === '::' ? '::1' : host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { endpoint: `http://${shownHost}:${port}`, stop };
}

/**
 * Every message the emulator holds, oldest first; with `since`, only those it received at or
 * after that time (to the second, filtered by the emulator: a long-running emulator's whole
 * store can be many megabytes).
 */
export async function sesStore(endpoint: string, options: { since?: Date } = {}): Promise<StoredEmail[]> {
  const url = new URL('/store', endpoint);
  if (options.since) url.searchParams.set('since', String(Math.floor(options.since.getTime() / 1000)));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`SES emulator GET /store answered ${response.status}`);
  const data = (await response.json()) as { emails?: StoredEmail[] };
  return data.emails ?? [];
}

/** Empty the emulator's inbox (and its templates). */
export async function clearSesStore(endpoint: string): Promise<void> {
  const response = await fetch(new URL('/clear-store', endpoint), { method: 'POST' });
  if (!response.ok) throw new Error(`SES emulator POST /clear-store answered ${response.status}`);
  await response.arrayBuffer();
}

/** The v1 actions the library implements on `POST /`. */
const V1_ACTIONS = new Set(['SendEmail', 'SendRawEmail']);

type Handler = (req: IncomingMessage & { body?: Record<string, unknown> }, res: ServerResponse, next: () => void) => void;
interface ExpressApp {
  use(handler: Handler): void;
  router?: { stack: { route?: { path?: string; methods?: Record<string, boolean> } }[] };
}

/**
 * Put a handler for unknown v1 actions just before the library's `POST /` route (Express 5's
 * public `app.router`). Left as the library made it if that route is not found: the sender's
 * deadline still tells silence from a quota then, only slower.
 */
function answerUnknownActions(server: Server): void {
  const app = server.listeners('request')[0] as unknown as ExpressApp | undefined;
  let stack: NonNullable<ExpressApp['router']>['stack'] | undefined;
  try {
    // Express 4 throws on reading `app.router`.
    stack = app?.router?.stack;
  } catch {
    return;
  }
  if (!app || !Array.isArray(stack)) return;
  const at = stack.findIndex((layer) => layer.route?.path === '/' && layer.route.methods?.post);
  if (at < 0) return;
  app.use((req, res, next) => {
    const action = req.body?.Action;
    if (req.method !== 'POST' || req.url !== '/' || typeof action !== 'string' || V1_ACTIONS.has(action)) return next();
    const body =
      '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>InvalidAction</Code>' +
      `<Message>The action ${action.replace(/[^A-Za-z0-9]/g, '').slice(0, 64)} is not valid for this web service.</Message></Error>` +
      '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>';
    res.writeHead(400, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  // app.use appended the handler after the catch-all 404: move it before the POST / route.
  stack.splice(at, 0, stack.pop()!);
}

function whyCannotListen(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'the port is already in use' : error.message),
    );
    probe.listen(port, host, () => probe.close(() => resolve('unknown reason (the port is free now)')));
  });
}
