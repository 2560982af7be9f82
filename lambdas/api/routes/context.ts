/**
 * What every route of the API shares: its ports (ApiDeps), the page and error answers in the
 * newsletter's name, and the two things read from a request on several routes (token, origin).
 */
import type { ClickCounts, Clock, ContentStore, IssueArchive, Mailer, RateLimiter, SubscriberStore, SubscriptionStore } from '../../core/ports';
import type { SigningKeys } from '../../core/tokens';
import type { RequestMeta } from '../../usecases/subscribe';
import type { MailSettings } from '../../usecases/subscription-mail';
import { corsHeaders, formOf, html, json, type ApiRequest, type Result } from '../http';
import { ERROR_PAGES, renderPage, type ErrorKind, type Page, type PageContext } from '../pages';

export interface ApiDeps {
  subscribers: SubscriberStore;
  clock: Clock;
  keys: () => Promise<SigningKeys>;
  /** Subscribing, confirming and preferences need these; without them those routes answer 503. */
  subscriptions?: SubscriptionStore;
  mailer?: Mailer;
  mail?: MailSettings;
  /** The welcome links the latest issue when this is given. */
  content?: Pick<ContentStore, 'latestIssue'>;
  /** The public archive's reads (GET /archive, /archive/<issue>, /feed.xml); without it those answer 503. */
  archive?: IssueArchive;
  /**
   * The tracked-link redirect (GET/HEAD /r/<token>): where links are read from and clicks counted.
   * Without it that route answers 503.
   */
  redirect?: { content: Pick<ContentStore, 'getIssue' | 'getArticles'>; clicks: ClickCounts };
  /** Per-client limit on subscribe requests (keyed by source IP). */
  limiter?: RateLimiter;
  /** Origins allowed to POST /subscribe from their own pages (CORS). @default none */
  corsOrigins?: readonly string[];
  /** Bodies larger than this get 413. @default 16384 */
  maxBodyBytes?: number;
}

export interface RouteContext {
  deps: ApiDeps;
  page: PageContext;
  errorPage(kind: ErrorKind, extra?: Record<string, string>): Result;
  messagePage(status: number, p: Page): Result;
  /** The bad-link page, with 404 for a well-signed link to a subscriber who is gone. */
  badLink(statusCode?: number): Result;
  /** Origins allowed to call POST /subscribe from their own pages. */
  corsOrigins: ReadonlySet<string>;
  /** The ports that send mail, or undefined when this deployment has none. */
  mailing(): { subscriptions: SubscriptionStore; mailer: Mailer; mail: MailSettings } | undefined;
}

export function routeContext(deps: ApiDeps): RouteContext {
  const page: PageContext = { newsletter: deps.mail?.senderName ?? 'EU–Japan Security Brief' };
  const errorPage = (kind: ErrorKind, extra?: Record<string, string>) => html(ERROR_PAGES[kind].status, renderPage(ERROR_PAGES[kind].page, page), extra);
  return {
    deps,
    page,
    errorPage,
    messagePage: (status, p) => html(status, renderPage(p, page)),
    badLink: (statusCode = 400) => ({ ...errorPage('bad-link'), statusCode }),
    corsOrigins: new Set(deps.corsOrigins ?? []),
    mailing: () => (deps.subscriptions && deps.mailer && deps.mail ? { subscriptions: deps.subscriptions, mailer: deps.mailer, mail: deps.mail } : undefined),
  };
}

/** 413, as JSON for a JSON request (with CORS, so another site's script can read it), else a page. */
export const payloadTooLarge = (rc: RouteContext, req: ApiRequest): Result => (req.isJson ? json(413, { error: 'payload-too-large' }, corsHeaders(req, rc.corsOrigins)) : rc.errorPage('too-large'));

/** The token from the query string, or from a form body (the page's button). */
export function tokenOf(req: ApiRequest): string | undefined {
  const fromQuery = req.query('token');
  if (fromQuery) return fromQuery;
  return req.isForm ? (formOf(req).get('token') ?? undefined) : undefined;
}

export function metaOf(req: ApiRequest): RequestMeta {
  // The page the request came from, without its query string (it could hold a token).
  const from = req.header('origin') ?? req.header('referer') ?? '';
  let page = 'POST /subscribe';
  try {
    if (from) {
      const u = new URL(from);
      page = `${u.origin}${u.pathname === '/' && !req.header('referer') ? '' : u.pathname}`;
    }
  } catch {
    page = 'POST /subscribe (unreadable origin)';
  }
  return { page, ip: req.sourceIp, userAgent: req.header('user-agent') ?? '' };
}
