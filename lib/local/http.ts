/**
 * A plain Node HTTP server that speaks to a handler written for API Gateway HTTP API
 * (payload format 2.0), so the same API function serves requests on this machine.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ServeHttpOptions {
  /** 0 picks a free port (read it back from `url`). */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Larger request bodies get 413 and never reach the handler. @default 65536 */
  maxBodyBytes?: number;
  /** Where handler errors are reported. @default console */
  logger?: Pick<Console, 'error'>;
}

export interface RunningHttpServer {
  /** `http://<host>:<port>` without a trailing slash. */
  url: string;
  /** Stop accepting requests and close open connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serve `handler` over HTTP.
 *
 * @throws Error when the server cannot listen (for example, the port is taken).
 */
export async function serveHttp(handler: HttpApiHandler, options: ServeHttpOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const logger = options.logger ?? console;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('Local HTTP server: request failed', error);
      if (!res.headersSent) sendPlain(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      // Answer at once; reading on would only waste the time of both sides.
      sendPlain(res, 413, 'Payload Too Large', true);
      req.resume();
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') {
      sendPlain(res, 413, 'Payload Too Large', true);
      return;
    }
    const event = toEvent(req, body);
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await handler(event);
    } catch (error) {
      logger.error(`Local HTTP server: handler threw for ${event.requestContext.http.method} ${event.rawPath}`, error);
      sendPlain(res, 500, 'Internal Server Error');
      return;
    }
    writeResult(res, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}

/** Read the whole body, or report 'too-large' as soon as it passes the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** Content types API Gateway passes as text; everything else arrives base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript'
  );
}

/** Build the payload format 2.0 event API Gateway would send for this request. */
export function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : '';

  // API Gateway joins repeated headers and query parameters with commas.
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === 'cookie') continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader
    ? cookieHeader
        .split(';')
        .map((c) => c.trim())
        .filter((c) => c.length > 0)
    : undefined;

  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] === undefined ? value : `${query[key]},${value}`;

  const now = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const textual = isTextual(req.headers['content-type']);
  const hasBody = body.length > 0;
  const path = safeDecode(url.pathname);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: hasBody && !textual,
  };
  if (cookies) event.cookies = cookies;
  if (rawQueryString) event.queryStringParameters = query;
  if (hasBody) event.body = textual ? body.toString('utf8') : body.toString('base64');
  return event;
}

/** A malformed escape (`%zz`) stays as sent rather than failing the request. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  if (!res.hasHeader('content-type') && body.length > 0) res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', body.length);
  res.writeHead(statusCode);
  res.end(body);
}

function sendPlain(res: ServerResponse, status: number, text: string, closeConnection = false): void {
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  };
  // After a refused upload the rest of the body may still be coming; close rather than parse it.
  if (closeConnection) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
