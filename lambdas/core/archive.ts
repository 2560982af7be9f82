/**
 * The public archive, pure: which issues are public, how an issue id and a page number are
 * read from a request, how a page of the index is cut, and the Atom feed. No I/O.
 *
 * "Sent" means the digest planner has queued the issue's whole audience: it then sets the
 * issue's `plannedAt` (plan-digest.ts), once, and a re-publish keeps the mark. From that
 * moment every reader's copy is on its way (the ledger makes sure each goes out once), so the
 * issue is public; an issue only published, or whose plan is still running, is not. The
 * welcome mail links the latest issue by the same rule.
 */
import type { Issue } from './model';

/** Issues on one page of the index. */
export const ARCHIVE_PAGE_SIZE = 20;
/** Entries in the feed: the newest sent issues. */
export const FEED_SIZE = 20;
/** The highest page number answered (a page reads every newer issue; see {@link pageOf}). */
export const MAX_ARCHIVE_PAGE = 500;

/** An issue the archive may show: the planner has queued it. */
export type SentIssue = Issue & { plannedAt: string };

export const isSent = (issue: Issue | undefined): issue is SentIssue => typeof issue?.plannedAt === 'string' && issue.plannedAt !== '';

/** Content ids are slugs (content/parse.ts); anything else is no issue of ours. */
const ISSUE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 100;

/**
 * The issue id in a path segment, or undefined for anything that cannot be one (encoded
 * slashes, dots, upper case, over-long): the caller answers 404 without reading the table.
 */
export function parseIssueId(segment: string | undefined): string | undefined {
  if (segment === undefined || segment.length === 0 || segment.length > MAX_ID_LENGTH) return undefined;
  return ISSUE_ID.test(segment) ? segment : undefined;
}

/** `?page=` as a page number from 1, or undefined when it is not one (answered with 404). */
export function parsePage(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 1;
  if (!/^[1-9][0-9]{0,3}$/.test(raw)) return undefined;
  const page = Number(raw);
  return page <= MAX_ARCHIVE_PAGE ? page : undefined;
}

/** Issues to read for `page`: every one before it, its own, and one more to know whether a next page exists. */
export const issuesToRead = (page: number) => page * ARCHIVE_PAGE_SIZE + 1;

/** Newest first: by issue date, then by number (two issues of one day). */
export function newestFirst<T extends Pick<Issue, 'date' | 'number'>>(issues: readonly T[]): T[] {
  return [...issues].sort((a, b) => (a.date === b.date ? b.number - a.number : a.date < b.date ? 1 : -1));
}

export interface ArchivePage<T> {
  page: number;
  issues: T[];
  /** Page numbers of the neighbours, when they exist. */
  prev?: number;
  next?: number;
}

/**
 * Cut `page` out of the sent issues read (newest first, at least {@link issuesToRead} of them
 * when there are that many). Undefined for a page past the end; page 1 always exists, empty or not.
 */
export function pageOf<T>(sorted: readonly T[], page: number): ArchivePage<T> | undefined {
  const start = (page - 1) * ARCHIVE_PAGE_SIZE;
  if (page > 1 && start >= sorted.length) return undefined;
  return {
    page,
    issues: sorted.slice(start, start + ARCHIVE_PAGE_SIZE),
    prev: page > 1 ? page - 1 : undefined,
    next: sorted.length > start + ARCHIVE_PAGE_SIZE ? page + 1 : undefined,
  };
}

/** The link to one issue's page, relative to the site's base URL. */
export const issuePath = (id: string) => `/archive/${encodeURIComponent(id)}`;

// ---- Atom --------------------------------------------------------------------------------

/**
 * Text for XML: the five special characters escaped, and the characters XML 1.0 does not
 * allow at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF) removed,
 * since one of them makes the whole feed unreadable for a strict parser.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An ISO timestamp as RFC 3339 (what Atom's dates are): a bare `YYYY-MM-DD` becomes midnight UTC. */
export function atomDate(value: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

export interface FeedInput {
  /** Absolute base URL of the site, without a trailing slash. */
  baseUrl: string;
  /** The newsletter's name: the feed's title. */
  title: string;
  /** Newest first. */
  issues: readonly SentIssue[];
}

/**
 * An Atom 1.0 feed (RFC 4287) of the sent issues: one entry per issue, linking its archive
 * page, with the issue's summary; `updated` is when the planner queued it (the send date).
 * Built as text: every value passes through {@link xmlText}, and the structure is fixed here.
 */
export function atomFeed(input: FeedInput): string {
  const base = input.baseUrl.replace(/\/+$/, '');
  const archiveUrl = `${base}/archive`;
  const updated = input.issues.length
    ? atomDate(
        input.issues
          .map((i) => atomDate(i.plannedAt))
          .sort()
          .at(-1)!,
      )
    : atomDate('1970-01-01');
  const entries = input.issues.map((issue) => {
    const url = `${base}${issuePath(issue.id)}`;
    const sent = atomDate(issue.plannedAt);
    return [
      '  <entry>',
      `    <id>${xmlText(url)}</id>`,
      `    <title type="text">${xmlText(`${issue.title} · No. ${issue.number}`)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlText(url)}"/>`,
      `    <published>${sent}</published>`,
      `    <updated>${sent}</updated>`,
      `    <summary type="text">${xmlText(issue.summary.trim())}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlText(archiveUrl)}</id>`,
    `  <title type="text">${xmlText(input.title)}</title>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(`${base}/feed.xml`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(archiveUrl)}"/>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${xmlText(input.title)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
