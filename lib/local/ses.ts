/**
 * The SES emulator (`aws-ses-v2-local`) run inside this Node process.
 *
 * It answers the SES v1 `SendRawEmail` call the sender uses, shows an inbox at `/`, and keeps
 * every message in memory only: a restart empties the inbox. Its store is a module-level
 * singleton, so two emulators in one process share one inbox.
 */
import type { Server } from 'node:http';
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

function whyCannotListen(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'the port is already in use' : error.message),
    );
    probe.listen(port, host, () => probe.close(() => resolve('unknown reason (the port is free now)')));
  });
}
