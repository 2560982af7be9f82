/**
 * The pure parts of the console's preview and test send: the list of test recipients as typed in
 * the form (usecases/test-send.ts parseTestRecipientLines), the checks `preview` prints and the
 * console shows (usecases/preview-checks.ts), and the dark frame and the frames' policy
 * (lambdas/console/message-frame.ts). Each case names the mistake it tries.
 */
import { describe, expect, it } from '@jest/globals';
import { forceDark, frameHtml, MESSAGE_FRAME_CSP, schemeOf } from '../../lambdas/console/message-frame';
import { MAX_DIGEST_HTML_BYTES } from '../../lambdas/core/content/check';
import { headersOf, messageFacts } from '../../lambdas/usecases/preview-checks';
import { MAX_TEST_RECIPIENTS, parseTestRecipientLines, parseTestRecipients } from '../../lambdas/usecases/test-send';

describe('parseTestRecipientLines', () => {
  it('takes one address a line and commas within a line, normalised and each once, like send-test --to', () => {
    const r = parseTestRecipientLines('Ana@Example.ORG\r\n\r\nben@example.org, ana@example.org\n');
    expect(r.problems).toEqual([]);
    expect(r.addresses).toEqual(['Ana@example.org', 'ben@example.org', 'ana@example.org'].filter((a, i, all) => all.indexOf(a) === i));
    // The same rule as the CLI's: its list gives the same addresses.
    expect(r.addresses).toEqual(parseTestRecipients('Ana@Example.ORG,ben@example.org, ana@example.org'));
  });

  it('names the line of each bad entry (an invalid address, an empty entry between commas)', () => {
    const r = parseTestRecipientLines('ok@example.org\nnot-an-address\nx@example.org,,y@example.org');
    expect(r.problems).toEqual([
      { line: 2, message: expect.stringContaining('invalid email address "not-an-address"') },
      { line: 3, message: 'an empty entry (addresses are separated by single commas)' },
    ]);
  });

  it('refuses a CR inside a line (a header of its own), while a CRLF line end is only a line end', () => {
    const r = parseTestRecipientLines('ok@example.org\rBcc: all@example.org');
    expect(r.problems).toEqual([{ line: 1, message: expect.stringContaining('control character') }]);
    expect(parseTestRecipientLines('ok@example.org\r\n').problems).toEqual([]);
  });

  it(`refuses more than ${MAX_TEST_RECIPIENTS} distinct addresses, but not ${MAX_TEST_RECIPIENTS} typed twice`, () => {
    const eleven = Array.from({ length: MAX_TEST_RECIPIENTS + 1 }, (_, i) => `p${i}@example.org`);
    expect(parseTestRecipientLines(eleven.join('\n')).problems).toEqual([
      { line: 0, message: `11 addresses; a test goes to at most ${MAX_TEST_RECIPIENTS}` },
    ]);
    const ten = eleven.slice(0, MAX_TEST_RECIPIENTS);
    expect(parseTestRecipientLines([...ten, ...ten].join('\n'))).toEqual({ addresses: ten, problems: [] });
  });

  it('refuses an empty list', () => {
    expect(parseTestRecipientLines(' \n\n').problems).toEqual([{ line: 1, message: 'give at least one address' }]);
  });
});

describe('messageFacts', () => {
  const raw = (headers: string) =>
    Buffer.from(`${headers}\r\nSubject: s\r\n\r\nbody\r\nList-Unsubscribe: <https://not.a.header>\r\n`, 'latin1');
  const good = 'List-Unsubscribe: <https://x.example/u?t=1>,\r\n <mailto:u@x.example>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click';

  it('reads the header block only, folded lines unfolded', () => {
    const h = headersOf(raw(good));
    expect(h.get('list-unsubscribe')).toBe('<https://x.example/u?t=1>, <mailto:u@x.example>');
    expect(h.get('subject')).toBe('s');
    expect(headersOf(raw('X-A: 1')).has('list-unsubscribe')).toBe(false);
  });

  it('passes a small message with one-click unsubscribe and a text part', () => {
    const f = messageFacts({ subject: 's', html: '<p>hi</p>', text: 'hi', raw: raw(good) });
    expect(f.checks.map((c) => [c.name, c.ok])).toEqual([
      ['size', true],
      ['unsubscribe-headers', true],
      ['text-part', true],
    ]);
    expect(f.sizeLine).toMatch(/^size: message 0\.\d KB, HTML 0\.0 KB, text 0\.0 KB$/);
  });

  it("flags HTML one byte over the clipping limit with the CLI's note (a limit off by one would pass it)", () => {
    const at = messageFacts({ subject: 's', html: 'a'.repeat(MAX_DIGEST_HTML_BYTES), text: 't', raw: raw(good) });
    expect(at.checks[0].ok).toBe(true);
    const over = messageFacts({ subject: 's', html: 'a'.repeat(MAX_DIGEST_HTML_BYTES + 1), text: 't', raw: raw(good) });
    expect(over.checks[0]).toEqual({
      name: 'size',
      ok: false,
      text: 'the HTML is over 90.0 KB; Gmail clips messages over about 102 KB, the unsubscribe link with them',
    });
  });

  it('flags a message without List-Unsubscribe-Post, or with no link in List-Unsubscribe, and an empty text part', () => {
    const noPost = messageFacts({ subject: 's', html: 'h', text: ' ', raw: raw('List-Unsubscribe: <https://x.example/u>') });
    expect(noPost.checks[1]).toMatchObject({ ok: false, text: expect.stringContaining('(List-Unsubscribe-Post missing)') });
    expect(noPost.checks[2].ok).toBe(false);
    const none = messageFacts({ subject: 's', html: 'h', text: 't', raw: raw('X-A: 1') });
    expect(none.checks[1].text).toContain('(List-Unsubscribe link, List-Unsubscribe-Post missing)');
  });
});

describe('the message frames', () => {
  const message = `<html><head><style>:root { color-scheme: light dark; }
@media (prefers-color-scheme: dark) { .card { background: #111827 !important; } }
@media(prefers-color-scheme:dark){ a { color: #93c5fd; } }</style></head><body>x</body></html>`;

  it("turns the message's own dark rules on (both spellings) and sets color-scheme dark after its own", () => {
    const dark = forceDark(message);
    expect(dark).not.toMatch(/prefers-color-scheme/);
    expect(dark.match(/@media all/g)).toHaveLength(2);
    expect(dark).toContain('.card { background: #111827 !important; }');
    expect(dark.indexOf('<style>:root{color-scheme:dark}</style></head>')).toBeGreaterThan(dark.indexOf('color-scheme: light dark'));
  });

  it('serves light unless dark is asked for exactly (an unknown scheme is not dark)', () => {
    expect(frameHtml(message, schemeOf(undefined))).toBe(message);
    expect(frameHtml(message, schemeOf('DARK'))).toBe(message);
    expect(frameHtml(message, schemeOf('dark'))).toBe(forceDark(message));
  });

  it('lets a frame run no script, post no form, and be framed by the console only', () => {
    const directives = new Map(MESSAGE_FRAME_CSP.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.has('script-src')).toBe(false);
    expect(directives.get('sandbox')).toBe('');
    expect(directives.get('form-action')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'self'");
    expect(directives.get('img-src')).toBe('https: data:');
  });
});
