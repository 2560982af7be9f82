/**
 * Base64 bodies for MIME (RFC 2045: lines of at most 76 characters, CRLF between them).
 *
 * Encoding a 40 KB HTML body costs tens of microseconds (UTF-8 encoding alone is most of it),
 * which would cap a sender core well below its target. Yet in a campaign every body shares
 * almost all of its text (only the footer's recipient links differ), so
 * {@link PrefixCachedBase64} encodes the shared beginning once and then, per message, only
 * checks that the body still starts with it and encodes the rest.
 *
 * A prepared renderer knows where that shared beginning ends, so it can hand the body over
 * already split ({@link SplitBody}): then the check is one comparison of the same string
 * object, instead of joining the whole body into one string and comparing it character by
 * character (measured: about a fifth of a digest's per-recipient render and MIME time).
 */

/**
 * A body given in two parts: `shared`, the beginning that every message of the campaign
 * starts with (the prepared renderer passes the same string object each time), and `rest`,
 * this message's remainder. The message body is `shared + rest`.
 */
export interface SplitBody {
  shared: string;
  rest: string;
}

/** A message body, whole or split after its shared beginning. */
export type Body = string | SplitBody;

/** The whole text of a body. */
export function bodyText(body: Body): string {
  return typeof body === 'string' ? body : body.shared + body.rest;
}

/** Input bytes per 76-character base64 line. */
const LINE_BYTES = 57;
const CRLF = Buffer.from('\r\n', 'latin1');

/** Base64 of `bytes` in lines of 76 characters joined by CRLF, with no line break at the end. */
export function base64Lines(bytes: Buffer | string): string {
  const b64 = (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');
  const n = b64.length;
  if (n <= 76) return b64;
  // One native base64 call; the lines are slices of that one string, joined natively,
  // which measured several times faster than a regular expression or a byte loop.
  const lines = new Array<string>(Math.ceil(n / 76));
  for (let i = 0, j = 0; i < n; i += 76, j++) lines[j] = b64.slice(i, i + 76);
  return lines.join('\r\n');
}

/** Length of the longest common prefix of two strings, never ending inside a surrogate pair. */
export function commonPrefixLength(a: string, b: string): number {
  // Binary search with native prefix comparisons: a few dozen memcmp calls instead of a
  // character loop over the whole body.
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (a.slice(0, mid) === b.slice(0, mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 && isHighSurrogate(a.charCodeAt(lo - 1)) ? lo - 1 : lo;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Below this many shared bytes caching is not worth its bookkeeping. */
const MIN_SHARED_BYTES = 16 * LINE_BYTES;
/** After this many times the shared beginning had to be recomputed, stop trying (bodies are not alike). */
const MAX_MISSES = 8;

/**
 * Encodes successive bodies to wrapped base64, reusing the encoding of the beginning they
 * share. The result is always exactly `base64Lines(body)`, as pieces to write one after the
 * other: `[cachedLines, tail]`.
 *
 * The shared beginning only ever shrinks: a body that does not start with it makes the cache
 * shrink to what that body and the cached text have in common (one full encode); after
 * {@link MAX_MISSES} such misses, caching is abandoned for plain encoding. A split body seeds
 * an empty cache with its shared part.
 */
export class PrefixCachedBase64 {
  /** The shared beginning, as text. */
  private prefix = '';
  /** Base64 of the first 57·k bytes of the prefix, each 76-character line followed by CRLF. */
  private lines: Buffer = Buffer.alloc(0);
  /** The prefix's bytes after those 57·k (fewer than 57), carried into each message's tail. */
  private carry: Buffer = Buffer.alloc(0);
  /** The previous body, while no prefix is cached yet. */
  private previous: string | undefined;
  private misses = 0;

  /** Characters of the beginning currently reused (0 when nothing is cached); for tests and diagnostics. */
  get sharedLength(): number {
    return this.prefix.length;
  }

  encode(body: Body): Buffer[] {
    if (typeof body !== 'string') return this.encodeSplit(body);
    // `slice(...) ===` rather than startsWith: V8 compares two flat strings with memcmp,
    // while startsWith measured up to 40 times slower on a 40 KB body.
    if (this.prefix && body.slice(0, this.prefix.length) === this.prefix) return this.withPrefix(body);
    if (this.misses < MAX_MISSES) {
      const reference = this.prefix || this.previous;
      if (reference !== undefined) {
        if (this.prefix) this.misses++;
        const shared = commonPrefixLength(reference, body);
        this.setPrefix(body.slice(0, shared));
        if (this.prefix) return this.withPrefix(body);
      }
      this.previous = body;
    }
    return [Buffer.from(base64Lines(body), 'latin1')];
  }

  /**
   * A split body. When its shared beginning is the cached one (the same string object, so
   * `===` answers at once), only `rest` is encoded. With nothing cached yet, the shared
   * beginning becomes the cache. Anything else (a cache that whole bodies shrank, or another
   * campaign's text) takes the whole-body rules, so the cache still only ever shrinks and a
   * campaign that mixes split bodies with whole ones (a personal digest) cannot make it swing
   * back and forth until it gives up.
   */
  private encodeSplit({ shared, rest }: SplitBody): Buffer[] {
    if (this.prefix && shared === this.prefix) return this.encodeRest(rest);
    if (this.prefix && shared.length >= this.prefix.length && shared.slice(0, this.prefix.length) === this.prefix) {
      return this.encodeRest(shared.slice(this.prefix.length) + rest);
    }
    // Encoding the parts apart would break a surrogate pair cut between them.
    if (!this.prefix && this.previous === undefined && this.misses === 0 && !isHighSurrogate(shared.charCodeAt(shared.length - 1))) {
      this.setPrefix(shared);
      if (this.prefix) return this.encodeRest(rest);
    }
    return this.encode(shared + rest);
  }

  private setPrefix(prefix: string): void {
    const bytes = Buffer.from(prefix, 'utf8');
    const aligned = bytes.length - (bytes.length % LINE_BYTES);
    if (aligned < MIN_SHARED_BYTES) {
      this.prefix = '';
      return;
    }
    const lines: Buffer[] = [];
    for (let i = 0; i < aligned; i += LINE_BYTES) {
      lines.push(Buffer.from(bytes.subarray(i, i + LINE_BYTES).toString('base64'), 'latin1'), CRLF);
    }
    this.prefix = prefix;
    this.lines = Buffer.concat(lines);
    this.carry = Buffer.from(bytes.subarray(aligned));
    this.previous = undefined;
  }

  private withPrefix(body: string): Buffer[] {
    return this.encodeRest(body.slice(this.prefix.length));
  }

  /** The cached lines, then `text` (what follows the cached beginning) with the carried bytes. */
  private encodeRest(text: string): Buffer[] {
    const rest = Buffer.from(text, 'utf8');
    const tail = this.carry.length ? Buffer.concat([this.carry, rest]) : rest;
    // The cached lines end with CRLF; with nothing after them that CRLF must go.
    if (tail.length === 0) return [this.lines.subarray(0, this.lines.length - 2)];
    return [this.lines, Buffer.from(base64Lines(tail), 'latin1')];
  }
}
