/**
 * Cross-file checks that a single file's parse cannot make: an issue may only point at
 * articles that exist, or its digest would silently go out with a hole in it; and the
 * digest it makes must stay under the size at which Gmail clips a message.
 */
import type { Article, Issue } from '../model';
import { prepareDigest, type DigestRecipient } from '../render';
import { prepareAlert } from '../render/alert';

/**
 * The issue's article ids that are not among `availableArticleIds`, in the issue's order and
 * each once. An empty list means every reference resolves.
 */
export function checkIssueReferences(issue: Pick<Issue, 'articleIds'>, availableArticleIds: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const id of issue.articleIds) if (!availableArticleIds.has(id)) missing.add(id);
  return [...missing];
}

/**
 * The largest digest HTML an issue may make. Gmail clips a message over about 102 KB and
 * hides what follows the cut, the footer with the unsubscribe link included; the margin
 * leaves room for what only some readers get (alerts they missed, longer addresses).
 */
export const MAX_DIGEST_HTML_BYTES = 90 * 1024;

/** A reader with links as long as real signed ones, so the measure is what a reader gets. */
const MEASURE_READER: DigestRecipient = {
  email: 'a.reader.with.a.longer.address@example-mail-provider.org',
  unsubscribeUrl: `https://newsletter.example.org/unsubscribe?token=${'x'.repeat(160)}`,
  preferencesUrl: `https://newsletter.example.org/preferences?token=${'x'.repeat(160)}`,
  reason: 'You receive the newsletter weekly digest because a.reader.with.a.longer.address@example-mail-provider.org is subscribed to it.',
};

const htmlBytes = (issue: Issue, articles: Article[]) => Buffer.byteLength(prepareDigest(issue, articles).render(MEASURE_READER).html, 'utf8');

export interface DigestSize {
  /** The digest's HTML for one reader, in bytes. */
  bytes: number;
  /** What each article adds, largest first. */
  articles: { id: string; bytes: number }[];
}

/** How large the issue's digest is, and what each article adds to it. */
export function measureDigest(issue: Issue, articles: Article[]): DigestSize {
  const bytes = htmlBytes(issue, articles);
  const frame = htmlBytes(issue, []);
  const each = articles.map((a) => ({ id: a.id, bytes: htmlBytes(issue, [a]) - frame })).sort((x, y) => y.bytes - x.bytes);
  return { bytes, articles: each };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * Refuses an issue whose digest would pass {@link MAX_DIGEST_HTML_BYTES}: the problem names
 * the size, the limit and the three largest articles (what to shorten or move to the next
 * issue). Returns undefined when the digest fits.
 */
export function checkDigestSize(issue: Issue, articles: Article[]): string | undefined {
  // The whole render first: most issues are far below the limit and need no more than that.
  const bytes = htmlBytes(issue, articles);
  if (bytes <= MAX_DIGEST_HTML_BYTES) return undefined;
  const largest = measureDigest(issue, articles).articles.slice(0, 3);
  return (
    `articles: the digest's HTML would be ${kb(bytes)}, over the ${kb(MAX_DIGEST_HTML_BYTES)} limit ` +
    `(Gmail clips messages over about 102 KB and hides the unsubscribe link below the cut); ` +
    `largest articles: ${largest.map((a) => `${a.id} (${kb(a.bytes)})`).join(', ')}. Shorten them or move some to the next issue.`
  );
}

/**
 * Refuses a breaking article whose alert would pass {@link MAX_DIGEST_HTML_BYTES}: the alert
 * carries the whole body, and Markdown can grow several times over as HTML (a list of short
 * items), so the body's character limit alone does not keep the alert unclipped.
 */
export function checkAlertSize(article: Article): string | undefined {
  if (article.priority !== 'breaking') return undefined;
  const bytes = Buffer.byteLength(prepareAlert(article, 'A newsletter name of ordinary length').render(MEASURE_READER).html, 'utf8');
  if (bytes <= MAX_DIGEST_HTML_BYTES) return undefined;
  return `body: the breaking alert's HTML would be ${kb(bytes)}, over the ${kb(MAX_DIGEST_HTML_BYTES)} limit (Gmail clips messages over about 102 KB and hides the unsubscribe link below the cut); shorten the body`;
}
