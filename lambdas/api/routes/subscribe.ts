/**
 * GET / (the subscribe page), POST /subscribe (form: 303 to /check-inbox; JSON: 202), its CORS
 * preflight, and GET /check-inbox. Every address gets the same answer, known or not, in the same
 * time: the request is checked and queued (usecases/subscribe.ts `requestSignup`), and the
 * sign-ups function looks the address up and sends the confirmation. A post from another site's
 * page gets 403 and queues nothing; a client network over its limit gets 429.
 */
import { logger } from '../../adapters/logger';
import type { SubscriptionChoices } from '../../core/model';
import { choicesFromForm, DEFAULT_CHOICES, parseChoices, subscribeJsonSchema } from '../../core/subscription';
import { clientNetwork } from '../../core/sign-up-limits';
import { requestSignup } from '../../usecases/subscribe';
import {
  corsHeaders,
  formOf,
  html,
  isCrossSite,
  json,
  jsonOf,
  preflight,
  seeOther,
  type ApiRequest,
  type Result,
  type Route,
} from '../http';
import { ERROR_PAGES, subscribePage } from '../pages';
import { metaOf, type RouteContext } from './context';

/** The JSON answer to every accepted subscribe request, whatever the address's state. */
export const SUBSCRIBE_ACCEPTED = {
  status: 'check-your-inbox',
  message: 'If this address can receive our messages, a confirmation is on its way. Open the link in it to finish subscribing.',
} as const;

export function subscribeRoutes(rc: RouteContext): Route[] {
  return [
    { method: 'GET', path: '/', handle: async () => html(200, subscribePage(rc.page, { choices: DEFAULT_CHOICES }, await rc.pageText())) },
    { method: 'OPTIONS', path: '/subscribe', handle: (req) => preflight(req, rc.corsOrigins) },
    { method: 'POST', path: '/subscribe', handle: (req) => postSubscribe(rc, req) },
    {
      method: 'GET',
      path: '/check-inbox',
      handle: () =>
        rc.messagePage(200, {
          title: 'Check your inbox',
          lines: [
            'If this address can receive our messages, we have sent a confirmation to it. Open the link in that message and press the button to finish subscribing.',
            'The link works for 48 hours. Nothing arrived after a few minutes? Look in your spam folder, or subscribe again to get a new link.',
          ],
        }),
    },
  ];
}

async function postSubscribe(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const extra = corsHeaders(req, rc.corsOrigins);
  const text = await rc.pageText();
  // A JSON caller gets JSON errors; a form gets the page again, filled in, with the error.
  const fail = (status: number, error: string, message: string, formValues?: { email?: string; choices: SubscriptionChoices }) =>
    req.isJson
      ? json(status, { error, message }, extra)
      : html(status, subscribePage(rc.page, { ...(formValues ?? { choices: DEFAULT_CHOICES }), error: message }, text), extra);

  const ports = rc.signing();
  if (!ports) return req.isJson ? json(503, { error: 'unavailable' }, extra) : rc.errorPage('unavailable', extra);
  if (isCrossSite(req, rc.corsOrigins, rc.ownOrigins)) {
    logger.info('subscribe refused: cross-site', {
      origin: req.header('origin')?.slice(0, 100) ?? null,
      site: req.header('sec-fetch-site') ?? null,
    });
    return req.isJson
      ? json(403, { error: 'cross-site', message: ERROR_PAGES['cross-site'].page.lines[0] }, extra)
      : rc.errorPage('cross-site', extra);
  }
  const client = await clientKey(rc, req);
  if (rc.deps.limiter && !(await rc.deps.limiter.take(client))) {
    return req.isJson
      ? json(429, { error: 'too-many-requests', message: ERROR_PAGES['too-many'].page.lines[0] }, { ...extra, 'retry-after': '300' })
      : rc.errorPage('too-many', { ...extra, 'retry-after': '300' });
  }

  let email: string;
  let rawChoices: unknown;
  let honeypot: string | undefined;
  if (req.isJson) {
    const parsed = jsonOf(req);
    if (!parsed) return fail(400, 'invalid-json', 'The body is not valid JSON.');
    const r = subscribeJsonSchema.safeParse(parsed.value);
    if (!r.success)
      return fail(400, 'invalid-request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    ({ email, website: honeypot } = r.data);
    rawChoices = { digest: r.data.digest, alerts: r.data.alerts, topics: r.data.topics, timezone: r.data.timezone };
  } else if (req.isForm) {
    const form = formOf(req);
    email = form.get('email') ?? '';
    honeypot = form.get('website') ?? undefined;
    rawChoices = choicesFromForm(form);
  } else {
    return fail(415, 'unsupported-media-type', 'Send a form (application/x-www-form-urlencoded) or JSON (application/json).');
  }

  const choices = parseChoices(rawChoices, text);
  const shownChoices = choices.ok ? choices.choices : DEFAULT_CHOICES;
  if (!choices.ok) return fail(400, 'invalid-choices', choices.message, { email, choices: shownChoices });
  let result: Awaited<ReturnType<typeof requestSignup>>;
  try {
    result = await requestSignup(
      { signups: ports.signups, clock: rc.deps.clock, allowReservedDomains: rc.deps.allowReservedDomains },
      { email, choices: choices.choices, meta: metaOf(req), honeypot },
    );
  } catch (e) {
    // The queue did not take it: nothing was stored or sent. Say so on our own page, and give
    // the client's try back so trying again in a moment is not held against them.
    logger.error('sign-up not queued', { error: (e as Error).name });
    await rc.deps.limiter?.giveBack?.(client).catch(() => undefined);
    return req.isJson
      ? json(503, { error: 'unavailable', message: ERROR_PAGES.unavailable.page.lines[0] }, extra)
      : rc.errorPage('unavailable', extra);
  }
  if (result.status === 'invalid-address') {
    // Shown again in the form so it can be corrected, without the control characters that made it unusable.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const shown = email.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').slice(0, 254);
    return fail(400, 'invalid-email', `That email address cannot be used: ${result.reason}.`, { email: shown, choices: shownChoices });
  }
  return req.isJson ? json(202, SUBSCRIBE_ACCEPTED, extra) : seeOther('/check-inbox', extra);
}

/** The per-client limit's key: a keyed digest of the client's network (an IPv6 client by its /64), never the address itself. */
async function clientKey(rc: RouteContext, req: ApiRequest): Promise<string> {
  const network = clientNetwork(req.sourceIp);
  return rc.deps.digest ? (await rc.deps.digest())(`client:${network}`) : network;
}
