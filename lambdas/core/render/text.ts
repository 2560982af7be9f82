/**
 * Small pure text helpers for the rendered mail: topic labels, dates, and folding prose for
 * the plain-text part. No I/O.
 */

/** Words written in capitals in a topic label (`eu-japan` → `EU Japan`). */
const ACRONYMS = new Set(['eu', 'un', 'us', 'uk', 'nato', 'icbm', 'asean', 'g7', 'g20', 'ai']);
/** Short words kept lower-case inside a label (`freedom-of-navigation` → `Freedom of Navigation`). */
const MINOR_WORDS = new Set(['and', 'or', 'of', 'the', 'in', 'on', 'for', 'to', 'a', 'an']);

/** Human label for a topic slug: `north-korea` → `North Korea`, `eu-defence` → `EU Defence`. */
export function topicLabel(slug: string): string {
  return slug
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word, i) => {
      const lower = word.toLowerCase();
      if (ACRONYMS.has(lower)) return lower.toUpperCase();
      if (i > 0 && MINOR_WORDS.has(lower)) return lower;
      return lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join(' ');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * `2024-11-01` → `1 November 2024`. Formatted from the calendar date itself (not through a
 * Date object) so the result never shifts with the time zone of the machine.
 */
export function formatLongDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  const month = m ? Number(m[2]) : 0;
  const day = m ? Number(m[3]) : 0;
  if (!m || month < 1 || month > 12 || day < 1 || day > 31) throw new Error(`not an ISO calendar date: ${JSON.stringify(isoDate)}`);
  return `${day} ${MONTHS[month - 1]} ${m[1]}`;
}

/** Collapse runs of whitespace (line breaks included) to one space: for fields shown on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Line break used in the rendered text part: MIME's canonical form for text is CRLF. */
export const CRLF = '\r\n';

/**
 * Fold prose to `width` columns. The first line starts with `first`, the following lines with
 * `rest` (a hanging indent for list items). Words longer than a line (links) are kept whole on
 * a line of their own rather than broken, so they stay clickable.
 */
export function wrapText(text: string, width = 72, first = '', rest = ''): string {
  const words = oneLine(text).split(' ');
  const lines: string[] = [];
  let line = first;
  let lineHasWord = false;
  for (const word of words) {
    if (!word) continue;
    if (lineHasWord && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (lineHasWord ? ' ' : '') + word;
    }
    lineHasWord = true;
  }
  lines.push(line);
  return lines.join(CRLF);
}

/**
 * Prose cut to at most `max` characters for an inbox preview, never inside a word. A sentence
 * that ends within the limit (and says enough, 40 characters or more) is preferred to a cut
 * mid-sentence; otherwise the text is cut at the last space and ends with an ellipsis.
 */
export function previewText(text: string, max = 140): string {
  const s = oneLine(text);
  if (s.length <= max) return s;
  const head = s.slice(0, max + 1);
  const sentenceEnd = Math.max(...['. ', '! ', '? '].map((p) => head.lastIndexOf(p)));
  if (sentenceEnd >= 39) return s.slice(0, sentenceEnd + 1);
  const space = head.lastIndexOf(' ', max - 1);
  const cut = space > 0 ? s.slice(0, space) : s.slice(0, max - 1);
  return `${cut.replace(/[\s,;:–—-]+$/, '')}…`;
}

/**
 * What follows the preheader in the hidden preview block: invisible joiners and no-break
 * spaces, so a mail client's preview line ends with the preheader instead of running on into
 * the masthead and body. Each unit is a combining grapheme joiner, a zero-width non-joiner
 * and a no-break space (the usual filler that clients neither show nor collapse).
 */
export const PREHEADER_PAD = '&#847;&zwnj;&nbsp;'.repeat(110);
