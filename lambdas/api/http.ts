/**
 * The HTTP layer of the API, on API Gateway HTTP API events (payload format 2.0; the local
 * server in lib/local/http.ts builds the same events): reading a request, building a response,
 * CORS, and a route table keyed by method and exact path. Knows nothing of subscriptions.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type Result = APIGatewayProxyStructuredResultV2;

/** Larger than any form or JSON this API takes (the biggest, preferences, is under 2 KB). */
export const MAX_BODY_BYTES = 16 * 1024;

/** One request, read from its event once. */
export interface ApiRequest {
  method: string;
  path: string;
  /** API Gateway's id of the request (its access log has the same), for the function's log. */
  requestId?: string;
  /** Source IP as API Gateway saw it ('unknown' when absent). */
  sourceIp: string;
  /** Size of the body as sent (before base64 decoding). */
  bodyBytes: number;
  /** Media type, lower-case, without parameters ('' when absent). */
  contentType: string;
  isForm: boolean;
  isJson: boolean;
  /** Names are the lower-case ones API Gateway and the local server deliver. */
  header(name: string): string | undefined;
  query(name: string): string | undefined;
  /** The body as text ('' when none). */
  body(): string;
}

export function parseRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const header = (name: string) => event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
  const contentType = (header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    requestId: event.requestContext?.requestId,
    sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
    bodyBytes: event.body ? Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : 0,
    contentType,
    isForm: contentType === 'application/x-www-form-urlencoded',
    isJson: contentType === 'application/json',
    header,
    query: (name) => event.queryStringParameters?.[name],
    body: () => (!event.body ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body),
  };
}

/** The body as a form; only meaningful when `req.isForm`. */
export const formOf = (req: ApiRequest) => new URLSearchParams(req.body());

/** The body as JSON, or `undefined` when it is not valid JSON. */
export function jsonOf(req: ApiRequest): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(req.body()) };
  } catch {
    return undefined;
  }
}

/**
 * On every answer of the API, whatever the route (added by the handler): HTTPS only for a year
 * (browsers ignore it over plain http, so the local mode is unaffected), none of the browser's
 * powerful features for any page, and no content sniffing.
 */
export const SITE_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'permissions-policy':
    'accelerometer=(), browsing-topics=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
  'x-content-type-options': 'nosniff',
} as const;

/** `result` with {@link SITE_HEADERS} (a route's own value of one of them wins). */
export const withSiteHeaders = (result: Result): Result => ({ ...result, headers: { ...SITE_HEADERS, ...result.headers } });

export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // No Referer leaves for another site (links carry tokens), and the pages' own forms still send
  // their Origin: under `no-referrer` a browser sends `Origin: null` even to the same origin,
  // which the cross-site check of POST /subscribe would have to refuse.
  'referrer-policy': 'same-origin',
};

export const html = (statusCode: number, body: string, extra: Record<string, string> = {}): Result => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    ...SECURITY_HEADERS,
    // No script and nothing from other sites: styles are inline, forms post only here.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ...extra,
  },
  body,
});

export const json = (statusCode: number, value: unknown, extra: Record<string, string> = {}): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...extra },
  body: JSON.stringify(value),
});

/** 303: the browser follows with a GET, so a reload does not post the form again. */
export const seeOther = (location: string, extra: Record<string, string> = {}): Result => ({
  statusCode: 303,
  headers: { location, ...SECURITY_HEADERS, ...extra },
  body: '',
});

/** CORS headers for an answer: the origin is echoed only when it is allowed. */
export function corsHeaders(req: ApiRequest, allowed: ReadonlySet<string>): Record<string, string> {
  const origin = req.header('origin');
  return origin && allowed.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
}

/**
 * Whether a state-changing request comes from another site's page (a cross-site form post or
 * script). A browser says where it comes from in `Sec-Fetch-Site`, which no page can set:
 * `same-origin` (or `none`, typed by the user) is this site. Otherwise the `Origin` decides: the
 * API's own (the public base URL's, or the host the request was sent to) or one of the `allowed`
 * origins passes; any other, and `Origin: null` (sandboxed frames, file pages), is another site,
 * as is `Sec-Fetch-Site: cross-site|same-site` without an `Origin`. A request with neither header
 * is not a browser's cross-site request (browsers send `Origin` on every cross-origin POST) and is
 * left to the other checks.
 */
export function isCrossSite(req: ApiRequest, allowed: ReadonlySet<string>, ownOrigins: readonly string[]): boolean {
  const site = req.header('sec-fetch-site');
  if (site === 'same-origin' || site === 'none') return false;
  const origin = req.header('origin');
  if (origin !== undefined) {
    if (origin === 'null') return true;
    const host = req.header('host');
    const own = new Set([...ownOrigins, ...(host ? [`https://${host}`, `http://${host}`] : [])]);
    return !own.has(origin) && !allowed.has(origin);
  }
  return site === 'cross-site' || site === 'same-site';
}

/** The answer to a CORS preflight for a POST with a JSON body. */
export function preflight(req: ApiRequest, allowed: ReadonlySet<string>): Result {
  const origin = req.header('origin');
  if (!origin || !allowed.has(origin)) return { statusCode: 204, headers: { vary: 'Origin' }, body: '' };
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    },
    body: '',
  };
}

export interface Route {
  method: string;
  path: string;
  handle(req: ApiRequest): Promise<Result> | Result;
  /** Answered whatever the body's size (the body limit is checked before every other route). */
  anyBody?: boolean;
  /**
   * `path` ends in `/` and matches every path one segment below it (`/archive/` matches
   * `/archive/sample-1`, not `/archive/a/b`); the route reads the segment itself. Exact paths win.
   */
  segment?: boolean;
}

/** The last segment of `path` under a {@link Route.segment} route's `prefix` ('' for none). */
export const segmentOf = (path: string, prefix: string) => path.slice(prefix.length);

/**
 * The GET route's answer without its body: HEAD is answered wherever GET is. The route sees a
 * GET, so it takes the read-only path it takes for a GET (a page that shows, never one that saves).
 */
function headOf(get: Route): Route {
  return { ...get, method: 'HEAD', handle: async (req) => ({ ...(await get.handle({ ...req, method: 'GET' })), body: '' }) };
}

/**
 * Exact method and path matching, and one-segment routes ({@link Route.segment}) after them.
 * HEAD takes a route's own HEAD, or else the GET route's answer without its body.
 */
export function routeTable(routes: readonly Route[]): (req: ApiRequest) => Route | undefined {
  const byKey = new Map<string, Route>();
  const bySegment: Route[] = [];
  for (const r of routes) {
    const key = `${r.method} ${r.path}${r.segment ? '*' : ''}`;
    if (byKey.has(key)) throw new Error(`Route ${key} is defined twice`);
    byKey.set(key, r);
    if (r.segment) {
      if (!r.path.endsWith('/')) throw new Error(`Route ${key}: a segment route's path ends in /`);
      bySegment.push(r);
    }
  }
  const find = (method: string, path: string) =>
    byKey.get(`${method} ${path}`) ??
    bySegment.find((r) => r.method === method && path.startsWith(r.path) && !segmentOf(path, r.path).includes('/'));
  return (req) => {
    const route = find(req.method, req.path);
    if (route || req.method !== 'HEAD') return route;
    const get = find('GET', req.path);
    return get && headOf(get);
  };
}
