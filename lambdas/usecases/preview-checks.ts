/**
 * What `preview` says about a composed message, and the console's preview shows (the same
 * lines, one copy): its sizes, the HTML against the size at which Gmail clips a message, and
 * what mailbox providers look for before they trust bulk mail (one-click unsubscribe headers,
 * a plain-text part). Pure: it reads the message the sender composed, nothing else.
 */
import { MAX_DIGEST_HTML_BYTES } from '../core/content/check';
import type { ComposedMessage } from './digest-campaign';

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export interface MessageCheck {
  /** Short name, e.g. `size`. */
  name: 'size' | 'unsubscribe-headers' | 'text-part';
  ok: boolean;
  /** One line for people: what was found (and, when not ok, what it costs). */
  text: string;
}

export interface MessageFacts {
  bytes: { message: number; html: number; text: number };
  /** `size: message 31.2 KB, HTML 24.0 KB, text 4.1 KB` */
  sizeLine: string;
  checks: MessageCheck[];
}

/** The header block of a raw message, unfolded, by lower-case name (the first of each). */
export function headersOf(raw: Buffer): Map<string, string> {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const block = (end < 0 ? text : text.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}

export function messageFacts(m: ComposedMessage): MessageFacts {
  const bytes = { message: m.raw.length, html: Buffer.byteLength(m.html, 'utf8'), text: Buffer.byteLength(m.text, 'utf8') };
  const headers = headersOf(m.raw);
  const unsubscribe = headers.get('list-unsubscribe') ?? '';
  const oneClick = /^List-Unsubscribe=One-Click$/i.test(headers.get('list-unsubscribe-post') ?? '');
  const httpsUnsubscribe = /<https?:\/\/[^>]+>/.test(unsubscribe);
  return {
    bytes,
    sizeLine: `size: message ${kb(bytes.message)}, HTML ${kb(bytes.html)}, text ${kb(bytes.text)}`,
    checks: [
      bytes.html > MAX_DIGEST_HTML_BYTES
        ? {
            name: 'size',
            ok: false,
            text: `the HTML is over ${kb(MAX_DIGEST_HTML_BYTES)}; Gmail clips messages over about 102 KB, the unsubscribe link with them`,
          }
        : {
            name: 'size',
            ok: true,
            text: `the HTML is ${kb(bytes.html)}, under the ${kb(MAX_DIGEST_HTML_BYTES)} limit (Gmail clips messages over about 102 KB)`,
          },
      httpsUnsubscribe && oneClick
        ? { name: 'unsubscribe-headers', ok: true, text: 'one-click unsubscribe: List-Unsubscribe (a link) and List-Unsubscribe-Post' }
        : {
            name: 'unsubscribe-headers',
            ok: false,
            text: `no one-click unsubscribe (${httpsUnsubscribe ? '' : 'List-Unsubscribe link'}${!httpsUnsubscribe && !oneClick ? ', ' : ''}${oneClick ? '' : 'List-Unsubscribe-Post'} missing): Gmail and Yahoo ask it of bulk senders`,
          },
      m.text.trim()
        ? { name: 'text-part', ok: true, text: 'a plain-text part beside the HTML' }
        : { name: 'text-part', ok: false, text: 'the plain-text part is empty: some filters count an HTML-only message against it' },
    ],
  };
}
