/**
 * HTTP API (API Gateway HTTP API on AWS, a local Node server here). Routes:
 *   GET  /health                  liveness
 *   GET  /                        the subscribe page
 *   POST /subscribe               form (303 to /check-inbox) or JSON (202); the same answer for
 *                                 every address, known or not; CORS for the configured origins
 *   OPTIONS /subscribe            CORS preflight
 *   GET  /check-inbox             "check your inbox"
 *   GET  /confirm?token=…         a page with a button; a GET changes nothing (mail scanners follow links)
 *   POST /confirm                 the button: confirms the address, sends the welcome message
 *   GET  /preferences?token=…     what we hold, with the form to change it
 *   POST /preferences             save the choices
 *   GET  /unsubscribe?token=…     a page with a button
 *   POST /unsubscribe?token=…     RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or the page's form
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { documentClient, sesClient } from '../adapters/clients';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { memoryRateLimiter } from '../adapters/rate-limiter';
import { SesMailer } from '../adapters/ses-mailer';
import { signingKeysLoader } from '../adapters/signing-keys';
import { DynamoSubscriptionStore } from '../adapters/subscriptions';
import { systemClock } from '../adapters/system-clock';
import { readEnv } from '../core/env';
import type { SubscriptionChoices } from '../core/model';
import type { Clock, Mailer, RateLimiter, SubscriberStore, SubscriptionStore } from '../core/ports';
import { choicesFromForm, DEFAULT_CHOICES, parseChoices, subscribeJsonSchema } from '../core/subscription';
import { signToken, verifyToken, type SigningKeys } from '../core/tokens';
import { findByPreferencesToken, updatePreferences } from '../usecases/preferences';
import { checkConfirmToken, confirm, subscribe, type RequestMeta } from '../usecases/subscribe';
import type { MailSettings } from '../usecases/subscription-mail';
import { unsubscribe } from '../usecases/unsubscribe';
import { ERROR_PAGES, preferencesPage, renderPage, subscribePage, type ErrorKind, type Page, type PageContext } from './pages';

// Kept here too for code that imports it from the handler.
export { memoryRateLimiter } from '../adapters/rate-limiter';

export interface ApiDeps {
  subscribers: SubscriberStore;
  clock: Clock;
  keys: () => Promise<SigningKeys>;
  /** Subscribing, confirming and preferences need these; without them those routes answer 503. */
  subscriptions?: SubscriptionStore;
  mailer?: Mailer;
  mail?: MailSettings;
  /** Per-client limit on subscribe requests (keyed by source IP). */
  limiter?: RateLimiter;
  /** Origins allowed to POST /subscribe from their own pages (CORS). @default none */
  corsOrigins?: readonly string[];
  /** Bodies larger than this get 413. @default 16384 */
  maxBodyBytes?: number;
}

type Result = APIGatewayProxyStructuredResultV2;

/** Larger than any form or JSON this API takes (the biggest, preferences, is under 2 KB). */
export const MAX_BODY_BYTES = 16 * 1024;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const html = (statusCode: number, body: string, extra: Record<string, string> = {}): Result => ({
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

const json = (statusCode: number, value: unknown, extra: Record<string, string> = {}): Result => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...extra },
  body: JSON.stringify(value),
});

/** The JSON answer to every accepted subscribe request, whatever the address's state. */
export const SUBSCRIBE_ACCEPTED = {
  status: 'check-your-inbox',
  message: 'If this address can receive our messages, a confirmation is on its way. Open the link in it to finish subscribing.',
} as const;

function bodyOf(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

const header = (event: APIGatewayProxyEventV2, name: string) => event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
const contentType = (event: APIGatewayProxyEventV2) => (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
const isForm = (event: APIGatewayProxyEventV2) => contentType(event) === 'application/x-www-form-urlencoded';

/** The token from the query string, or from a form body (the page's button). */
function tokenOf(event: APIGatewayProxyEventV2): string | undefined {
  const fromQuery = event.queryStringParameters?.token;
  if (fromQuery) return fromQuery;
  if (event.body && isForm(event)) return new URLSearchParams(bodyOf(event)).get('token') ?? undefined;
  return undefined;
}

function metaOf(event: APIGatewayProxyEventV2): RequestMeta {
  // The page the request came from, without its query string (it could hold a token).
  const from = header(event, 'origin') ?? header(event, 'referer') ?? '';
  let page = 'POST /subscribe';
  try {
    if (from) {
      const u = new URL(from);
      page = `${u.origin}${u.pathname === '/' && !header(event, 'referer') ? '' : u.pathname}`;
    }
  } catch {
    page = 'POST /subscribe (unreadable origin)';
  }
  return { page, ip: event.requestContext?.http?.sourceIp ?? 'unknown', userAgent: header(event, 'user-agent') ?? '' };
}

export function makeApiHandler(deps: ApiDeps) {
  const ctx: PageContext = { newsletter: deps.mail?.senderName ?? 'EU–Japan Security Brief' };
  const maxBody = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  const allowed = new Set(deps.corsOrigins ?? []);
  const errorPage = (kind: ErrorKind, extra?: Record<string, string>) => html(ERROR_PAGES[kind].status, renderPage(ERROR_PAGES[kind].page, ctx), extra);
  const messagePage = (status: number, p: Page) => html(status, renderPage(p, ctx));
  const badLink = (statusCode = 400) => ({ ...errorPage('bad-link'), statusCode });

  const cors = (event: APIGatewayProxyEventV2): Record<string, string> => {
    const origin = header(event, 'origin');
    return origin && allowed.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
  };

  async function postSubscribe(event: APIGatewayProxyEventV2): Promise<Result> {
    const wantsJson = contentType(event) === 'application/json';
    const extra = cors(event);
    const fail = (status: number, error: string, message: string, formValues?: { email?: string; choices: SubscriptionChoices }) =>
      wantsJson
        ? json(status, { error, message }, extra)
        : html(status, subscribePage(ctx, { ...(formValues ?? { choices: DEFAULT_CHOICES }), error: message }), extra);

    if (!deps.subscriptions || !deps.mailer || !deps.mail) return wantsJson ? json(503, { error: 'unavailable' }, extra) : errorPage('unavailable', extra);
    if (deps.limiter && !(await deps.limiter.take(`subscribe:${event.requestContext?.http?.sourceIp ?? 'unknown'}`))) {
      return wantsJson
        ? json(429, { error: 'too-many-requests', message: ERROR_PAGES['too-many'].page.lines[0] }, { ...extra, 'retry-after': '300' })
        : errorPage('too-many', { ...extra, 'retry-after': '300' });
    }

    let email: string;
    let rawChoices: unknown;
    let honeypot: string | undefined;
    const body = bodyOf(event);
    if (wantsJson) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return fail(400, 'invalid-json', 'The body is not valid JSON.');
      }
      const r = subscribeJsonSchema.safeParse(parsed);
      if (!r.success) return fail(400, 'invalid-request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      ({ email, website: honeypot } = r.data);
      rawChoices = { digest: r.data.digest, alerts: r.data.alerts, topics: r.data.topics, timezone: r.data.timezone };
    } else if (isForm(event)) {
      const form = new URLSearchParams(body);
      email = form.get('email') ?? '';
      honeypot = form.get('website') ?? undefined;
      rawChoices = choicesFromForm(form);
    } else {
      return fail(415, 'unsupported-media-type', 'Send a form (application/x-www-form-urlencoded) or JSON (application/json).');
    }

    const choices = parseChoices(rawChoices);
    const shownChoices = choices.ok ? choices.choices : DEFAULT_CHOICES;
    if (!choices.ok) return fail(400, 'invalid-choices', choices.message, { email, choices: shownChoices });
    const result = await subscribe(
      { subscribers: deps.subscriptions, mailer: deps.mailer, clock: deps.clock, keys: await deps.keys(), mail: deps.mail, log: (e, f) => logger.info(e, f) },
      { email, choices: choices.choices, meta: metaOf(event), honeypot },
    );
    if (result.status === 'invalid-address') {
      // Shown again in the form so it can be corrected, without the control characters that made it unusable.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      const shown = email.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').slice(0, 254);
      return fail(400, 'invalid-email', `That email address cannot be used: ${result.reason}.`, { email: shown, choices: shownChoices });
    }
    return wantsJson ? json(202, SUBSCRIBE_ACCEPTED, extra) : { statusCode: 303, headers: { location: '/check-inbox', ...SECURITY_HEADERS, ...extra }, body: '' };
  }

  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? '/';
    const route = `${method} ${path}`;

    if (route === 'GET /health') {
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
    }
    // API Gateway takes up to 10 MB; nothing here needs more than a few KB.
    if (event.body && Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') > maxBody) {
      return contentType(event) === 'application/json' ? json(413, { error: 'payload-too-large' }, cors(event)) : errorPage('too-large');
    }

    if (route === 'GET /') return html(200, subscribePage(ctx, { choices: DEFAULT_CHOICES }));

    if (route === 'OPTIONS /subscribe') {
      const origin = header(event, 'origin');
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

    if (route === 'POST /subscribe') return postSubscribe(event);

    if (route === 'GET /check-inbox') {
      return messagePage(200, {
        title: 'Check your inbox',
        lines: [
          'If this address can receive our messages, we have sent a confirmation to it. Open the link in that message and press the button to finish subscribing.',
          'The link works for 48 hours. Nothing arrived after a few minutes? Look in your spam folder, or subscribe again to get a new link.',
        ],
      });
    }

    if (route === 'GET /confirm' || route === 'POST /confirm') {
      if (!deps.subscriptions || !deps.mailer || !deps.mail) return errorPage('unavailable');
      const token = tokenOf(event);
      const keys = await deps.keys();
      if (method === 'GET') {
        const check = await checkConfirmToken({ subscribers: deps.subscriptions, clock: deps.clock, keys }, token);
        if (!check.ok) return errorPage(check.problem === 'used' && check.alreadyConfirmed ? 'used-confirmed' : check.problem);
        return messagePage(200, {
          title: 'Confirm your subscription',
          lines: [`Press the button to confirm that ${check.subscriber.email} should receive ${ctx.newsletter}.`],
          form: { action: '/confirm', token: token!, button: 'Confirm my subscription' },
        });
      }
      const result = await confirm(
        { subscribers: deps.subscriptions, mailer: deps.mailer, clock: deps.clock, keys, mail: deps.mail, log: (e, f) => logger.info(e, f) },
        token,
        metaOf(event),
      );
      if (result.status === 'refused') {
        logger.info('confirmation refused', { problem: result.problem });
        return errorPage(result.problem === 'used' && result.alreadyConfirmed ? 'used-confirmed' : result.problem);
      }
      const prefs = signToken(keys, { subscriberId: result.subscriber.subscriberId, purpose: 'preferences', now: deps.clock.now() });
      return messagePage(200, {
        title: 'You are subscribed',
        lines: ['Thank you: your address is confirmed. A welcome message is on its way, and the next issue will follow.'],
        link: { href: `/preferences?token=${encodeURIComponent(prefs)}`, text: 'Change what you receive' },
      });
    }

    if (route === 'GET /unsubscribe') {
      const token = tokenOf(event);
      const check = verifyToken(await deps.keys(), token, 'unsubscribe', deps.clock.now());
      if (!check.ok) return badLink();
      return messagePage(200, {
        title: 'Unsubscribe?',
        lines: ['Press the button to stop all messages from this newsletter to your address.'],
        form: { action: '/unsubscribe', token: token!, button: 'Unsubscribe', danger: true },
      });
    }

    if (route === 'POST /unsubscribe') {
      const result = await unsubscribe({ subscribers: deps.subscribers, clock: deps.clock, keys: await deps.keys() }, tokenOf(event));
      if (result.status === 'invalid-token') {
        logger.info('unsubscribe refused', { reason: result.reason });
        return badLink();
      }
      if (result.status === 'unknown') return badLink(404);
      return messagePage(200, {
        title: 'You are unsubscribed',
        lines: ['You will get no more messages from this newsletter.', 'Changed your mind? You can subscribe again at any time; we will ask you to confirm your address.'],
        link: { href: '/', text: 'Subscribe again' },
      });
    }

    if (route === 'GET /preferences' || route === 'POST /preferences') {
      const keys = await deps.keys();
      const token = tokenOf(event);
      const store = deps.subscriptions;
      // Showing needs only the plain store; saving needs the subscription store.
      const found = await findByPreferencesToken({ subscribers: store ?? deps.subscribers, clock: deps.clock, keys }, token);
      if (!found.ok) return badLink(found.problem === 'unknown' ? 404 : 400);
      const unsubscribeToken = signToken(keys, { subscriberId: found.subscriber.subscriberId, purpose: 'unsubscribe', now: deps.clock.now() });
      if (method === 'GET') return html(200, preferencesPage(ctx, { subscriber: found.subscriber, token: token!, unsubscribeToken }));
      if (!store) return errorPage('unavailable');
      if (!isForm(event)) return errorPage('bad-link');
      const choices = parseChoices(choicesFromForm(new URLSearchParams(bodyOf(event))));
      if (!choices.ok) {
        return html(400, preferencesPage(ctx, { subscriber: found.subscriber, token: token!, unsubscribeToken, error: choices.message }));
      }
      const r = await updatePreferences({ subscribers: store, clock: deps.clock, keys }, token, choices.choices);
      if (r.status === 'refused') return badLink(r.problem === 'unknown' ? 404 : 400);
      return html(200, preferencesPage(ctx, { subscriber: r.subscriber, token: token!, unsubscribeToken, saved: r.status === 'saved' }));
    }

    return errorPage('not-found');
  };
}

function depsFromEnv(): ApiDeps {
  const env = readEnv([
    'subscribersTable',
    'tokenSecretArn',
    'tokenKeys',
    'senderEmail',
    'senderName',
    'publicBaseUrl',
    'configurationSet',
    'corsOrigins',
    'subscribeRateLimit',
  ]);
  const store = new DynamoSubscriptionStore(documentClient(), env.subscribersTable);
  return {
    subscribers: store,
    subscriptions: store,
    clock: systemClock,
    keys: signingKeysLoader(env),
    mailer: new SesMailer(sesClient(), env.configurationSet),
    mail: env,
    // On AWS the stage's route throttling is the shared limit; this one catches a single
    // client hammering one warm instance, at no cost.
    limiter: memoryRateLimiter(env.subscribeRateLimit),
    corsOrigins: env.corsOrigins,
  };
}

let fromEnv: ReturnType<typeof makeApiHandler> | undefined;
export const handler = withLambdaContext((event: APIGatewayProxyEventV2) => (fromEnv ??= makeApiHandler(depsFromEnv()))(event));
