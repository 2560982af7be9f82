/**
 * HTTP API (API Gateway HTTP API on AWS, a local Node server here). Routes:
 *   GET  /health                  liveness
 *   GET  /unsubscribe?token=…     a page with a button; a GET changes nothing (mail scanners follow links)
 *   POST /unsubscribe?token=…     RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or the page's form
 *   GET  /preferences?token=…     what we hold for the reader, with an unsubscribe button
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient } from '../adapters/clients';
import { DynamoSubscriberStore } from '../adapters/dynamodb';
import { logger } from '../adapters/logger';
import { signingKeysLoader } from '../adapters/signing-keys';
import { systemClock } from '../adapters/system-clock';
import { readEnv } from '../core/env';
import type { Clock, SubscriberStore } from '../core/ports';
import { verifyToken, type SigningKeys } from '../core/tokens';
import { unsubscribe } from '../usecases/unsubscribe';
import { renderPage, type Page } from './pages';

export interface ApiDeps {
  subscribers: SubscriberStore;
  clock: Clock;
  keys: () => Promise<SigningKeys>;
}

type Result = APIGatewayProxyStructuredResultV2;

const html = (statusCode: number, page: Page): Result => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body: renderPage(page),
});

const badLink = (statusCode = 400) =>
  html(statusCode, {
    title: 'This link does not work',
    lines: ['The link is incomplete or was changed. Use the unsubscribe link from the most recent message you received.'],
  });

/** The token from the query string, or from a form body (the page's button). */
function tokenOf(event: APIGatewayProxyEventV2): string | undefined {
  const fromQuery = event.queryStringParameters?.token;
  if (fromQuery) return fromQuery;
  const ct = event.headers?.['content-type'] ?? '';
  if (event.body && ct.startsWith('application/x-www-form-urlencoded')) {
    const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    return new URLSearchParams(body).get('token') ?? undefined;
  }
  return undefined;
}

export function makeApiHandler(deps: ApiDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? '/';
    const route = `${method} ${path}`;

    if (route === 'GET /health') {
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
    }

    if (route === 'GET /unsubscribe') {
      const token = tokenOf(event);
      const check = verifyToken(await deps.keys(), token, 'unsubscribe', deps.clock.now());
      if (!check.ok) return badLink();
      return html(200, {
        title: 'Unsubscribe?',
        lines: ['Press the button to stop all messages from this newsletter to your address.'],
        form: { action: '/unsubscribe', token: token!, button: 'Unsubscribe' },
      });
    }

    if (route === 'POST /unsubscribe') {
      const result = await unsubscribe({ subscribers: deps.subscribers, clock: deps.clock, keys: await deps.keys() }, tokenOf(event));
      if (result.status === 'invalid-token') {
        logger.info('unsubscribe refused', { reason: result.reason });
        return badLink();
      }
      if (result.status === 'unknown') return badLink(404);
      return html(200, { title: 'You are unsubscribed', lines: ['You will get no more messages from this newsletter.'] });
    }

    if (route === 'GET /preferences') {
      const token = tokenOf(event);
      const check = verifyToken(await deps.keys(), token, 'preferences', deps.clock.now());
      if (!check.ok) return badLink();
      const s = await deps.subscribers.getById(check.subscriberId);
      if (!s) return badLink(404);
      return html(200, {
        title: 'Your subscription',
        lines: [
          `Address: ${s.email}`,
          `Weekly digest: ${s.digest && s.status === 'confirmed' ? 'yes' : 'no'}`,
          `Breaking alerts: ${s.alerts && s.status === 'confirmed' ? 'yes' : 'no'}`,
          `Topics: ${s.topics.length ? s.topics.join(', ') : 'all'}`,
        ],
      });
    }

    return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  };
}

function depsFromEnv(): ApiDeps {
  const env = readEnv(['subscribersTable', 'tokenSecretArn', 'tokenKeys']);
  return {
    subscribers: new DynamoSubscriberStore(documentClient(), env.subscribersTable),
    clock: systemClock,
    keys: signingKeysLoader(env),
  };
}

let fromEnv: ReturnType<typeof makeApiHandler> | undefined;
export const handler = (event: APIGatewayProxyEventV2) => (fromEnv ??= makeApiHandler(depsFromEnv()))(event);
