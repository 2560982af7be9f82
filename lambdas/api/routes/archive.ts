/**
 * The public archive: GET /archive (sent issues, newest first, 20 a page, `?page=2`),
 * GET /archive/<issue> (one issue as a web page, rendered from the digest's view model with no
 * personal links, and a subscribe box; its articles as sent, core/archive-snapshot.ts),
 * GET /feed.xml (Atom). Only sent issues are shown (see core/archive.ts); an unknown, unsent or
 * malformed id is a 404 page, read from nothing.
 *
 * Cache headers let a browser (and a CDN, should one be put in front) keep the answers: the
 * index and the feed change when an issue is sent, so for minutes; an issue page for an hour
 * (an editor may still correct a sent issue, with publish --force). A weak ETag answers a revalidation with 304.
 * Errors keep `no-store`: an issue sent a minute later must not stay a cached 404.
 */
import { createHash } from 'node:crypto';
import { atomFeed, FEED_SIZE, isSent, issuePath, issuesToRead, newestFirst, pageOf, parseIssueId, parsePage } from '../../core/archive';
import { archiveArticles, missingFromSnapshot } from '../../core/archive-snapshot';
import { formatLongDate } from '../../core/render';
import { renderArchiveIssue } from '../../core/render/archive';
import { html, segmentOf, type ApiRequest, type Result, type Route } from '../http';
import { archiveIndexPage, subscribeBox } from '../pages';
import type { RouteContext } from './context';
import { labelsOf } from '../../usecases/newsletter-settings';

/** Seconds a browser or CDN may keep the index and the feed. */
export const LIST_MAX_AGE = 300;
/** Seconds it may keep an issue's page. */
export const ISSUE_MAX_AGE = 3600;

const ISSUE_PREFIX = '/archive/';

export const archiveRoutes = (rc: RouteContext): Route[] => [
  { method: 'GET', path: '/archive', handle: (req) => showIndex(rc, req) },
  { method: 'GET', path: ISSUE_PREFIX, segment: true, handle: (req) => showIssue(rc, req) },
  { method: 'GET', path: '/feed.xml', handle: (req) => showFeed(rc, req) },
];

/** Public caching and a weak ETag of the body; 304 when the client already holds it. */
export function cacheable(req: ApiRequest, result: Result, maxAge: number): Result {
  const etag = `W/"${createHash('sha256')
    .update(result.body ?? '')
    .digest('base64url')
    .slice(0, 27)}"`;
  const headers = { ...result.headers, 'cache-control': `public, max-age=${maxAge}`, etag };
  const held = req.header('if-none-match');
  if (held && held.split(',').some((t) => t.trim() === etag)) return { statusCode: 304, headers, body: '' };
  return { ...result, headers };
}

function notInArchive(rc: RouteContext): Result {
  return rc.messagePage(404, {
    title: 'This issue is not in the archive',
    lines: ['There is no sent issue at this address. It may not have been sent yet, or the link is incomplete.'],
    link: { href: '/archive', text: 'See all issues' },
    alert: true,
  });
}

async function showIndex(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const archive = rc.deps.archive;
  if (!archive) return rc.errorPage('unavailable');
  const page = parsePage(req.query('page'));
  if (page === undefined) return rc.errorPage('not-found');
  const sent = newestFirst((await archive.sentIssues(issuesToRead(page))).filter(isSent));
  const cut = pageOf(sent, page);
  if (!cut) return rc.errorPage('not-found');
  const body = archiveIndexPage(rc.page, {
    page,
    issues: cut.issues.map((i) => ({
      href: issuePath(i.id),
      title: i.title,
      number: i.number,
      sentIso: i.plannedAt,
      sentText: formatLongDate(i.plannedAt),
      summary: i.summary.trim(),
    })),
    prev: cut.prev === undefined ? undefined : cut.prev === 1 ? '/archive' : `/archive?page=${cut.prev}`,
    next: cut.next === undefined ? undefined : `/archive?page=${cut.next}`,
  });
  return cacheable(req, html(200, body), LIST_MAX_AGE);
}

async function showIssue(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const archive = rc.deps.archive;
  if (!archive) return rc.errorPage('unavailable');
  const id = parseIssueId(segmentOf(req.path, ISSUE_PREFIX));
  if (!id) return notInArchive(rc);
  const issue = await archive.getIssue(id);
  if (!issue) return notInArchive(rc);
  // The articles as sent (the planner's snapshot); live only where it has none (sent before snapshots).
  // The snapshot is written as the first message is queued, so an issue still being sent (a
  // subject test's share, early time zones) has its page while the index lists it only once sent.
  // A failed read of it shows the live articles rather than an error page.
  const snapshot = await archive.getArchiveSnapshot(issue.id).catch(() => undefined);
  if (!isSent(issue) && !snapshot) return notInArchive(rc);
  const missing = missingFromSnapshot(issue, snapshot);
  const articles = archiveArticles(issue, snapshot, missing.length ? await archive.getArticles(missing) : []);
  // The topics by their labels in the settings, as the mail names them.
  const labels = labelsOf(await rc.settings());
  return cacheable(req, html(200, renderArchiveIssue(issue, articles, subscribeBox(rc.page), labels)), ISSUE_MAX_AGE);
}

async function showFeed(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const archive = rc.deps.archive;
  const baseUrl = rc.deps.mail?.publicBaseUrl;
  // Atom needs absolute links: without the public base URL there is no feed to give.
  if (!archive || !baseUrl) return rc.errorPage('unavailable');
  const issues = newestFirst((await archive.sentIssues(FEED_SIZE)).filter(isSent));
  const body = atomFeed({ baseUrl, title: rc.page.newsletter, issues });
  return cacheable(
    req,
    { statusCode: 200, headers: { 'content-type': 'application/atom+xml; charset=utf-8', 'x-content-type-options': 'nosniff' }, body },
    LIST_MAX_AGE,
  );
}
