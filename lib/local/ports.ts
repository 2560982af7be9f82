/**
 * Port helpers for the local mode and the integration tests.
 */
import { createServer } from 'node:net';

/**
 * Ask the operating system for a free TCP port on 127.0.0.1.
 *
 * The port is released again before this resolves, so another process could in theory take
 * it first; the emulators report a clear "port in use" error if that ever happens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: the server did not report a TCP address'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * Read a TCP port from an environment variable, or use `fallback` when it is unset or empty.
 *
 * @throws Error naming the variable when the value is not an integer in 1..65535.
 */
export function portFromEnv(name: string, fallback: number, source: NodeJS.ProcessEnv = process.env): number {
  const raw = source[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port between 1 and 65535, got "${raw}"`);
  }
  return port;
}
