/**
 * GET /r/<token>: a tracked link in a digest or alert. A 302 to the article's link, read from
 * stored content (never from the request: no open redirect), after counting the click. HEAD
 * answers the same without counting: link scanners and previews often ask with HEAD first.
 * Every token that does not lead to a link of its campaign (forged, signed for another
 * campaign, an unknown key, an article the issue does not list, a link index out of range)
 * gets the same 404 page and counts nothing. A click whose count cannot be written is logged
 * and still redirected: the reader gets the article, not an error.
 */
import { logger } from '../../adapters/logger';
import { followClick } from '../../usecases/follow-click';
import { SECURITY_HEADERS, segmentOf, type ApiRequest, type Result, type Route } from '../http';
import type { RouteContext } from './context';

export const REDIRECT_PREFIX = '/r/';

export const redirectRoutes = (rc: RouteContext): Route[] => [
  { method: 'GET', path: REDIRECT_PREFIX, segment: true, handle: (req) => follow(rc, req, true) },
  { method: 'HEAD', path: REDIRECT_PREFIX, segment: true, handle: (req) => follow(rc, req, false) },
];

function notALink(rc: RouteContext): Result {
  return rc.messagePage(404, {
    title: 'This link does not lead anywhere',
    lines: ['The link is incomplete or was changed. The article links in our messages lead to the stories they name.'],
    link: { href: '/archive', text: 'See all issues' },
    alert: true,
  });
}

async function follow(rc: RouteContext, req: ApiRequest, count: boolean): Promise<Result> {
  const deps = rc.deps.redirect;
  if (!deps) return rc.errorPage('unavailable');
  const result = await followClick({ keys: rc.deps.keys, ...deps }, segmentOf(req.path, REDIRECT_PREFIX), { count });
  if (!result.ok) return notALink(rc);
  if (result.countError !== undefined) logger.warn('click not counted', { requestId: req.requestId, error: result.countError });
  // no-store: every click reaches the count; no-referrer: the token stays out of the next site's logs.
  return { statusCode: 302, headers: { location: result.url, ...SECURITY_HEADERS, 'referrer-policy': 'no-referrer' }, body: '' };
}
