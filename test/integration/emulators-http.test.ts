/**
 * The local HTTP server over real HTTP: requests become API Gateway v2 events, structured
 * results become responses.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type RunningHttpServer, serveHttp } from '../../lib/local/http';

let server: RunningHttpServer;
let lastEvent: APIGatewayProxyEventV2 | undefined;
let calls = 0;
let respond: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const errors: unknown[][] = [];

beforeAll(async () => {
  server = await serveHttp(
    async (event) => {
      calls += 1;
      lastEvent = event;
      return respond(event);
    },
    { port: 0, maxBodyBytes: 1024, logger: { error: (...args: unknown[]) => void errors.push(args) } },
  );
});
afterAll(() => server.close());
beforeEach(() => {
  lastEvent = undefined;
  calls = 0;
  errors.length = 0;
  respond = () => Promise.resolve({ statusCode: 200, body: '{"ok":true}' });
});

describe('serveHttp', () => {
  it('turns a request into a payload format 2.0 event', async () => {
    const response = await fetch(`${server.url}/api/subscribe%20me?topic=a&topic=b&x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'Yes', Cookie: 'a=1; b=2', 'User-Agent': 'test-agent' },
      body: '{"email":"a@example.com"}',
    });
    expect(response.status).toBe(200);
    const e = lastEvent!;
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/subscribe%20me',
      rawQueryString: 'topic=a&topic=b&x=1',
      queryStringParameters: { topic: 'a,b', x: '1' },
      cookies: ['a=1', 'b=2'],
      body: '{"email":"a@example.com"}',
      isBase64Encoded: false,
    });
    expect(e.headers['content-type']).toBe('application/json');
    expect(e.headers['x-custom']).toBe('Yes');
    expect(e.headers.cookie).toBeUndefined();
    expect(e.requestContext.http).toEqual({
      method: 'POST',
      path: '/api/subscribe me',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'test-agent',
    });
    expect(e.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(e.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
  });

  it('gives each request its own requestId and leaves out body and query when there are none', async () => {
    await fetch(`${server.url}/a`);
    const first = lastEvent!;
    await fetch(`${server.url}/a`);
    expect(lastEvent!.requestContext.requestId).not.toBe(first.requestContext.requestId);
    expect(first.body).toBeUndefined();
    expect(first.queryStringParameters).toBeUndefined();
    expect(first.cookies).toBeUndefined();
    expect(first.isBase64Encoded).toBe(false);
  });

  it('passes a binary body base64-encoded with isBase64Encoded', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await fetch(`${server.url}/upload`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(lastEvent!.isBase64Encoded).toBe(true);
    expect(Buffer.from(lastEvent!.body!, 'base64')).toEqual(bytes);
  });

  it('passes a form body as text', async () => {
    await fetch(`${server.url}/form`, { method: 'POST', body: new URLSearchParams({ email: 'a@example.com' }) });
    expect(lastEvent!.isBase64Encoded).toBe(false);
    expect(lastEvent!.body).toBe('email=a%40example.com');
  });

  it('writes status, headers, cookies and a base64 body back', async () => {
    respond = () =>
      Promise.resolve({
        statusCode: 201,
        headers: { 'content-type': 'image/png', 'x-thing': 'v' },
        cookies: ['s=1; HttpOnly', 't=2'],
        body: Buffer.from([137, 80, 78, 71]).toString('base64'),
        isBase64Encoded: true,
      });
    const response = await fetch(`${server.url}/img`);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-thing')).toBe('v');
    expect(response.headers.getSetCookie()).toEqual(['s=1; HttpOnly', 't=2']);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([137, 80, 78, 71]));
  });

  it('answers a redirect without a body', async () => {
    respond = () => Promise.resolve({ statusCode: 303, headers: { location: '/thanks' } });
    const response = await fetch(`${server.url}/go`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/thanks');
    expect(await response.text()).toBe('');
  });

  it('answers 413 without calling the handler when the body is over maxBodyBytes (bad input: 1025 bytes)', async () => {
    const response = await fetch(`${server.url}/big`, { method: 'POST', body: 'x'.repeat(1025) });
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('answers 413 for a chunked body that grows past the limit (bad input: no content-length)', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/big`, { method: 'POST', body: stream, duplex: 'half' });
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('accepts a body of exactly maxBodyBytes', async () => {
    const response = await fetch(`${server.url}/edge`, { method: 'POST', body: 'x'.repeat(1024) });
    expect(response.status).toBe(200);
    expect(lastEvent!.body).toHaveLength(1024);
  });

  it('answers 500 with a generic body when the handler throws, and logs the error', async () => {
    respond = () => Promise.reject(new Error('secret detail'));
    const response = await fetch(`${server.url}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toBe('Internal Server Error');
    expect(text).not.toContain('secret');
    expect(errors).toHaveLength(1);
    expect(String(errors[0][1])).toContain('secret detail');
  });

  it('fails clearly when the port is taken (bad input: a port in use)', async () => {
    const port = Number(new URL(server.url).port);
    await expect(serveHttp(respond, { port })).rejects.toThrow(/EADDRINUSE/);
  });
});
