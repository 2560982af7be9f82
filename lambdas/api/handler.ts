/**
 * HTTP API (API Gateway HTTP API on AWS, a local Node server here): builds the ports, the route
 * table and dispatches. Routes, each in routes/:
 *   GET  /health                  liveness                                          health.ts
 *   GET  /                        the subscribe page                                subscribe.ts
 *   POST /subscribe               form (303 to /check-inbox) or JSON (202); the same answer, in
 *                                 the same time, for every address, known or not (the sign-up is
 *                                 queued for the sign-ups function); 403 from another site's page;
 *                                 CORS for the configured origins
 *   OPTIONS /subscribe            CORS preflight
 *   GET  /check-inbox             "check your inbox"
 *   GET  /confirm?token=…         a page with a button; a GET changes nothing       confirm.ts
 *   POST /confirm                 the button: confirms the address, queues the welcome message
 *   GET  /preferences?token=…     what we hold, with the form to change it          preferences.ts
 *   POST /preferences             save the choices
 *   GET  /unsubscribe?token=…     a page with a button                              unsubscribe.ts
 *   POST /unsubscribe?token=…     RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or the page's form
 *   GET  /archive[?page=N]        the sent issues, newest first, 20 a page           archive.ts
 *   GET  /archive/<issue>         one sent issue as a web page, with a subscribe box
 *   GET  /feed.xml                Atom feed of the sent issues
 *   GET  /r/<token>               a tracked article link: counts the click, 302 to it   redirect.ts
 *   HEAD /r/<token>               the same answer, counting nothing (link scanners)
 *   HEAD <any GET route>          the GET answer without its body
 * An unexpected error is logged with the request id and answered with the project's 500 page.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { readEnv } from '../core/env';
import { ENV } from '../core/function-env';
import { addressDigestLoader, documentClient, dynamoPorts, signingKeysLoader, signupQueue, sqsClient, systemClock } from '../wiring';
import { MAX_BODY_BYTES, parseRequest, routeTable, withSiteHeaders, type Result } from './http';
import { archiveRoutes } from './routes/archive';
import { cachedSettings } from '../usecases/newsletter-settings';
import { confirmRoutes } from './routes/confirm';
import { payloadTooLarge, routeContext, type ApiDeps } from './routes/context';
import { healthRoutes } from './routes/health';
import { preferencesRoutes } from './routes/preferences';
import { redirectRoutes } from './routes/redirect';
import { subscribeRoutes } from './routes/subscribe';
import { unsubscribeRoutes } from './routes/unsubscribe';

export function makeApiHandler(deps: ApiDeps) {
  const rc = routeContext(deps);
  const match = routeTable([
    ...healthRoutes(),
    ...subscribeRoutes(rc),
    ...confirmRoutes(rc),
    ...preferencesRoutes(rc),
    ...unsubscribeRoutes(rc),
    ...archiveRoutes(rc),
    ...redirectRoutes(rc),
  ]);
  const maxBody = deps.maxBodyBytes ?? MAX_BODY_BYTES;

  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const req = parseRequest(event);
    try {
      const route = match(req);
      // API Gateway takes up to 10 MB; nothing here needs more than a few KB.
      if (!route?.anyBody && req.bodyBytes > maxBody) return withSiteHeaders(payloadTooLarge(rc, req));
      return withSiteHeaders(route ? await route.handle(req) : rc.errorPage('not-found'));
    } catch (error) {
      // The error boundary: the reader gets the newsletter's own 500 page, not API Gateway's
      // bare JSON; the log has the error with the request id (the route key, never the path,
      // which may carry a token).
      logger.error('API request failed', { requestId: req.requestId, routeKey: event.routeKey, error });
      const failed = rc.errorPage('failed');
      return withSiteHeaders(req.method === 'HEAD' ? { ...failed, body: '' } : failed);
    }
  };
}

/**
 * The API's ports from its environment (as on AWS; the local mode passes the in-process sign-up
 * queue as `signups`, having no SQS).
 */
export function depsFromEnv(overrides: Partial<ApiDeps> = {}): ApiDeps {
  const env = readEnv([
    'subscribersTable',
    'tokenSecretArn',
    'tokenKeys',
    'addressKeySecretArn',
    'addressKey',
    'senderName',
    'publicBaseUrl',
    'corsOrigins',
    'subscribeRateLimit',
    'contentTable',
    'reservedDomains',
    'digestDelivery',
    'digestLocalTime',
    'digestScheduleCron',
    'digestTimeZone',
  ]);
  const ports = dynamoPorts(documentClient(), { subscribers: env.subscribersTable, content: env.contentTable });
  const store = ports.subscriptions;
  // The Deliveries table only for click counts (the function may only raise those, see lib/constructs/api.ts).
  const clicks = process.env[ENV.deliveriesTable]
    ? dynamoPorts(documentClient(), { deliveries: readEnv(['deliveriesTable']).deliveriesTable }).clicks
    : undefined;
  const queueUrl = process.env[ENV.signupQueueUrl];
  return {
    subscribers: store,
    subscriptions: store,
    clock: systemClock,
    keys: signingKeysLoader(env),
    digest: addressDigestLoader(env),
    mail: { senderName: env.senderName, publicBaseUrl: env.publicBaseUrl },
    // Sign-ups and welcomes go to the sign-ups function: this function sends no mail.
    signups: overrides.signups ?? (queueUrl ? signupQueue(sqsClient(), queueUrl) : undefined),
    content: ports.content,
    // Per client network, in DynamoDB: it holds across instances (the stage's route throttling
    // is the other, shared limit).
    limiter: ports.clientLimit(systemClock, env.subscribeRateLimit),
    corsOrigins: env.corsOrigins,
    allowReservedDomains: env.reservedDomains,
    archive: ports.archive,
    redirect: clicks ? { content: ports.content, clicks } : undefined,
    // Topics, blurb and digest wording: published with the content, kept a minute in memory.
    settings: cachedSettings(ports.settings, systemClock),
    // The schedule as deployed fills the wording's {schedule}: the page cannot name another day.
    delivery: {
      mode: env.digestDelivery,
      localTime: env.digestLocalTime,
      ...(env.digestScheduleCron && env.digestTimeZone && { schedule: { cron: env.digestScheduleCron, timeZone: env.digestTimeZone } }),
    },
    ...overrides,
  };
}

let fromEnv: ReturnType<typeof makeApiHandler> | undefined;
export const handler = withLambdaContext((event: APIGatewayProxyEventV2) => (fromEnv ??= makeApiHandler(depsFromEnv()))(event));
