/**
 * What every route of the API shares: its ports (ApiDeps), the page and error answers in the
 * newsletter's name, and the two things read from a request on several routes (token, origin).
 */
import type { AddressDigest } from '../../core/address';
import type { Clock, ContentStore, IssueArchive, RateLimiter, SignupQueue, SubscriberStore, SubscriptionStore } from '../../core/ports';
import type { ClickCounts } from '../../core/click-ports';
import type { SigningKeys } from '../../core/tokens';
import type { RequestMeta } from '../../usecases/subscribe';
import type { MailSettings } from '../../core/mail-settings';
import type { DigestDelivery } from '../../core/local-time';
import { scheduleInWords, type DigestSchedule } from '../../core/schedule';
import { FALLBACK_SETTINGS, type NewsletterSettings } from '../../core/topics';
import { corsHeaders, formOf, html, json, type ApiRequest, type Result } from '../http';
import { ERROR_PAGES, pageText, renderPage, type ErrorKind, type Page, type PageContext, type PageText } from '../pages';

export interface ApiDeps {
  subscribers: SubscriberStore;
  clock: Clock;
  keys: () => Promise<SigningKeys>;
  /** Subscribing, confirming and preferences need these; without them those routes answer 503. */
  subscriptions?: SubscriptionStore;
  /**
   * Where sign-ups and welcomes go: the sign-ups function sends the mail, so the API answers
   * without reading the address and has no right to send mail.
   */
  signups?: SignupQueue;
  /** The newsletter's name on the pages, and the public base URL (the form's own origin). */
  mail?: Pick<MailSettings, 'senderName' | 'publicBaseUrl'> & Partial<MailSettings>;
  /** The latest issue (the welcome is sent elsewhere; kept for callers that pass it). */
  content?: Pick<ContentStore, 'latestIssue'>;
  /** Keyed digests: the per-client limit stores a digest of the client's network, never the address. */
  digest?: () => Promise<AddressDigest>;
  /** Local mode: addresses at reserved domains (.test, .example, ...) may sign up. @default false */
  allowReservedDomains?: boolean;
  /** The public archive's reads (GET /archive, /archive/<issue>, /feed.xml); without it those answer 503. */
  archive?: IssueArchive;
  /**
   * The tracked-link redirect (GET/HEAD /r/<token>): where links are read from and clicks counted.
   * Without it that route answers 503.
   */
  redirect?: { content: Pick<ContentStore, 'getIssue' | 'getArticles'>; clicks: ClickCounts };
  /**
   * Per-client limit on subscribe requests, keyed by a digest of the client's network (an IPv6
   * client by its /64); DynamoDB on AWS and locally, so it holds across instances.
   */
  limiter?: RateLimiter;
  /** Origins allowed to POST /subscribe from their own pages (CORS, and the cross-site check). @default none */
  corsOrigins?: readonly string[];
  /** Bodies larger than this get 413. @default 16384 */
  maxBodyBytes?: number;
  /**
   * The newsletter's settings (topics, blurb, digest wording), read from the Content table and
   * kept a short while (usecases/newsletter-settings.ts). @default the topics offered before any were published
   */
  settings?: () => Promise<NewsletterSettings>;
  /**
   * How the digest is delivered: the pages word its schedule for it; `schedule` (the stack's cron
   * and time zone) fills the wording's `{schedule}`. @default { mode: 'schedule' }, `{schedule}` as "once a week"
   */
  delivery?: { mode: DigestDelivery; localTime?: string; schedule?: Pick<DigestSchedule, 'cron' | 'timeZone'> };
}

export interface RouteContext {
  deps: ApiDeps;
  page: PageContext;
  errorPage(kind: ErrorKind, extra?: Record<string, string>): Result;
  messagePage(status: number, p: Page): Result;
  /** The bad-link page, with 404 for a well-signed link to a subscriber who is gone. */
  badLink(statusCode?: number): Result;
  /** The page for a link problem of a use-case: bad (400), gone (404), or turned off by `revoke-links` (410). */
  linkProblem(problem: 'bad-link' | 'unknown' | 'revoked'): Result;
  /** Origins allowed to call POST /subscribe from their own pages. */
  corsOrigins: ReadonlySet<string>;
  /** This API's own origins besides the request's host: the public base URL's. */
  ownOrigins: readonly string[];
  /** The newsletter's settings, and the pages' text from them for this delivery mode. */
  settings(): Promise<NewsletterSettings>;
  pageText(): Promise<PageText>;
  /** The ports of subscribing and confirming, or undefined when this deployment has none. */
  signing(): { subscriptions: SubscriptionStore; signups: SignupQueue } | undefined;
}

export function routeContext(deps: ApiDeps): RouteContext {
  const page: PageContext = { newsletter: deps.mail?.senderName ?? 'EU–Japan Security Brief' };
  const errorPage = (kind: ErrorKind, extra?: Record<string, string>) =>
    html(ERROR_PAGES[kind].status, renderPage(ERROR_PAGES[kind].page, page), extra);
  const settings = () => deps.settings?.() ?? Promise.resolve(FALLBACK_SETTINGS);
  return {
    deps,
    page,
    settings,
    pageText: async () => {
      const d = deps.delivery;
      return pageText(await settings(), d?.mode, d?.localTime, d?.schedule && scheduleInWords(d.schedule, deps.clock.now()));
    },
    errorPage,
    messagePage: (status, p) => html(status, renderPage(p, page)),
    badLink: (statusCode = 400) => ({ ...errorPage('bad-link'), statusCode }),
    linkProblem: (problem) =>
      problem === 'revoked' ? errorPage('revoked') : { ...errorPage('bad-link'), statusCode: problem === 'unknown' ? 404 : 400 },
    corsOrigins: new Set(deps.corsOrigins ?? []),
    ownOrigins: originOf(deps.mail?.publicBaseUrl),
    signing: () => (deps.subscriptions && deps.signups ? { subscriptions: deps.subscriptions, signups: deps.signups } : undefined),
  };
}

/** 413, as JSON for a JSON request (with CORS, so another site's script can read it), else a page. */
export const payloadTooLarge = (rc: RouteContext, req: ApiRequest): Result =>
  req.isJson ? json(413, { error: 'payload-too-large' }, corsHeaders(req, rc.corsOrigins)) : rc.errorPage('too-large');

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

function originOf(url: string | undefined): string[] {
  try {
    return url ? [new URL(url).origin] : [];
  } catch {
    return [];
  }
}
