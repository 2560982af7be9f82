import { simpleParser, type ParsedMail } from 'mailparser';
import {
  asciiPhrase,
  base64Lines,
  composeMessage,
  HeaderInjectionError,
  InvalidHeaderValueError,
  prepareMessage,
  type MessageSpec,
  type RecipientParts,
} from '../../lambdas/core/mime';
import { bodyText, commonPrefixLength, PrefixCachedBase64, type Body } from '../../lambdas/core/mime/base64';

const spec: MessageSpec = {
  from: { name: 'EU–Japan Security Brief', address: 'brief@news.example.org' },
  subject: 'EU–Japan Security Brief · No. 1: A first security pact for the EU in the Indo-Pacific',
  listId: { id: 'eu-japan-security-brief.news.example.org', name: 'EU–Japan Security Brief' },
  configurationSet: 'briefing-events',
  now: () => new Date('2024-11-01T08:30:15Z'),
};

const shared = '<p>EU–Japan: a first security pact · “quotes” &amp; more</p>\n'.repeat(400);
/** Recipient parts with whole (string) bodies. */
type WholeParts = RecipientParts & { html: string; text: string };
const parts = (i: number): WholeParts => ({
  to: `reader${i}@example.com`,
  unsubscribeUrl: `https://briefing.example.org/unsubscribe?token=tok${i}`,
  html: `${shared}<a href="https://briefing.example.org/unsubscribe?token=tok${i}">Unsubscribe</a>\r\n`,
  text: `EU–Japan Security Brief\r\n\r\nUnsubscribe:\r\nhttps://briefing.example.org/unsubscribe?token=tok${i}\r\n`,
});

const header = (mail: ParsedMail, key: string) => mail.headerLines.find((h) => h.key === key)?.line;

/** mailparser reports decoded text with LF line breaks; the inputs use CRLF (MIME's canonical form). */
const lf = (s: string) => s.replace(/\r\n/g, '\n');

/** The decoded bytes of the base64 part with the given content type, straight from the raw message. */
function partBody(raw: Buffer, contentType: string): string {
  const s = raw.toString('latin1');
  const start = s.indexOf(`Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`);
  const bodyStart = s.indexOf('\r\n\r\n', start) + 4;
  const b64 = s.slice(bodyStart, s.indexOf('\r\n--', bodyStart));
  return Buffer.from(b64.replace(/\r\n/g, ''), 'base64').toString('utf8');
}

describe('prepared MIME messages', () => {
  let build: (r: RecipientParts) => Buffer;
  beforeAll(async () => {
    build = await prepareMessage(spec);
  });

  it('parse back to the exact subject, sender, recipient, both parts and the list headers', async () => {
    const raw = build(parts(1));
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(spec.subject);
    expect(mail.from?.value).toEqual([{ name: 'EU–Japan Security Brief', address: 'brief@news.example.org' }]);
    expect(mail.to).toMatchObject({ value: [{ address: 'reader1@example.com', name: '' }] });
    expect(mail.text).toBe(lf(parts(1).text));
    expect(mail.html).toBe(lf(parts(1).html));
    // Byte for byte, line breaks included:
    expect(partBody(raw, 'text/plain')).toBe(parts(1).text);
    expect(partBody(raw, 'text/html')).toBe(parts(1).html);
    expect(header(mail, 'list-unsubscribe')).toBe('List-Unsubscribe: <https://briefing.example.org/unsubscribe?token=tok1>');
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header(mail, 'list-id')).toBe('List-ID: EU-Japan Security Brief <eu-japan-security-brief.news.example.org>');
    expect(mail.headers.get('x-ses-configuration-set')).toBe('briefing-events');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@news\.example\.org>$/);
    expect(mail.date?.toISOString()).toBe('2024-11-01T08:30:15.000Z');
  });

  it('is a multipart/alternative with text/plain first, then text/html, both utf-8 base64', () => {
    const raw = build(parts(1)).toString('latin1');
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    const text = raw.indexOf('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64');
    const html = raw.indexOf('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64');
    expect(text).toBeGreaterThan(0);
    expect(html).toBeGreaterThan(text);
  });

  it('is 7-bit ASCII with CRLF line breaks and no line over 998 characters', () => {
    const raw = build(parts(1));
    expect(raw.every((b) => b < 0x80)).toBe(true);
    const s = raw.toString('latin1');
    expect(s).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect(s.split('\r\n').every((l) => l.length <= 998)).toBe(true);
  });

  it('gives two recipients different To, List-Unsubscribe and Message-ID, and only those headers differ', async () => {
    const [a, b] = await Promise.all([simpleParser(build(parts(1))), simpleParser(build(parts(2)))]);
    expect(header(a, 'to')).not.toBe(header(b, 'to'));
    expect(header(a, 'list-unsubscribe')).not.toBe(header(b, 'list-unsubscribe'));
    expect(a.messageId).not.toBe(b.messageId);
    const same = (m: ParsedMail) => m.headerLines.filter((h) => !['to', 'list-unsubscribe', 'message-id'].includes(h.key));
    expect(same(a)).toEqual(same(b));
    expect(b.html).toBe(lf(parts(2).html));
  });

  it('matches a plain MailComposer build of the same message in headers and parsed content', async () => {
    const fast = await simpleParser(build(parts(3)));
    const plain = await simpleParser(await composeMessage(spec, parts(3)));
    const headers = (m: ParsedMail) =>
      m.headerLines
        .filter((h) => h.key !== 'message-id')
        .map((h) => ({ key: h.key, line: h.line.replace(/boundary="[^"]+"/, 'boundary="B"') }));
    expect(headers(fast)).toEqual(headers(plain));
    for (const key of ['subject', 'text', 'html', 'date'] as const) expect(fast[key]).toEqual(plain[key]);
    expect(fast.from).toEqual(plain.from);
    expect(fast.to).toEqual(plain.to);
    expect(fast.headers.get('list')).toEqual(plain.headers.get('list'));
  });

  it('leaves out X-SES-CONFIGURATION-SET when no configuration set is given', async () => {
    const noSet = await prepareMessage({ ...spec, configurationSet: undefined });
    expect(noSet(parts(1)).toString('latin1')).not.toMatch(/x-ses-configuration-set/i);
  });

  it('stays correct when bodies stop sharing their beginning (a different issue through the same builder)', async () => {
    const other: WholeParts = { ...parts(4), html: '<p>Something else entirely</p>', text: 'Other text' };
    for (const r of [parts(1), parts(2), other, parts(5)]) {
      const raw = build(r);
      expect([partBody(raw, 'text/html'), partBody(raw, 'text/plain')]).toEqual([r.html, r.text]);
      const mail = await simpleParser(raw);
      expect([mail.html, mail.text]).toEqual([lf(r.html), lf(r.text)]);
    }
  });

  it('writes a split body (shared beginning + rest) byte for byte as the same body given whole, mixed with whole bodies', async () => {
    const fresh = await prepareMessage(spec);
    const split = (r: WholeParts): RecipientParts => ({
      ...r,
      html: { shared, rest: r.html.slice(shared.length) },
      text: { shared: 'EU–Japan Security Brief\r\n', rest: r.text.slice('EU–Japan Security Brief\r\n'.length) },
    });
    for (const r of [parts(1), parts(2), parts(3), parts(4)]) {
      const given = r.to.endsWith('3@example.com') ? r : split(r); // one whole body among the split ones
      const raw = fresh(given);
      expect([partBody(raw, 'text/html'), partBody(raw, 'text/plain')]).toEqual([r.html, r.text]);
      expect((await simpleParser(raw)).html).toBe(lf(r.html));
    }
  });
});

describe('refused input: nothing is built', () => {
  const withLf = (s: string) => `${s}\r\nBcc: victim@example.com`;

  it.each<[string, MessageSpec]>([
    ['CR/LF in the subject', { ...spec, subject: withLf('Hello') }],
    ['LF alone in the subject', { ...spec, subject: 'Hello\nBcc: victim@example.com' }],
    ['CR/LF in the display name', { ...spec, from: { ...spec.from, name: withLf('Brief') } }],
    ['CR/LF in the From address', { ...spec, from: { ...spec.from, address: withLf('brief@news.example.org') } }],
    ['a NUL in the subject', { ...spec, subject: 'Hello\u0000' }],
  ])('prepareMessage throws HeaderInjectionError for %s', async (_name, bad) => {
    await expect(prepareMessage(bad)).rejects.toThrow(HeaderInjectionError);
    await expect(composeMessage(bad, parts(1))).rejects.toThrow(HeaderInjectionError);
  });

  it('names the offending field in the error', async () => {
    await expect(prepareMessage({ ...spec, from: { ...spec.from, name: withLf('x') } })).rejects.toMatchObject({ field: 'from.name' });
  });

  it.each<[string, MessageSpec]>([
    ['a From address with a space', { ...spec, from: { ...spec.from, address: 'brief @news.example.org' } }],
    ['a From address in angle brackets', { ...spec, from: { ...spec.from, address: '<brief@news.example.org>' } }],
    ['an empty subject', { ...spec, subject: '  ' }],
    ['a List-Id that is not a dot-atom', { ...spec, listId: { ...spec.listId, id: 'no dots here' } }],
    ['a bad configuration set name', { ...spec, configurationSet: 'set name!' }],
  ])('prepareMessage throws InvalidHeaderValueError for %s', async (_name, bad) => {
    await expect(prepareMessage(bad)).rejects.toThrow(InvalidHeaderValueError);
  });

  let build: (r: RecipientParts) => Buffer;
  beforeAll(async () => {
    build = await prepareMessage(spec);
  });

  it.each<[string, Partial<RecipientParts>, typeof HeaderInjectionError | typeof InvalidHeaderValueError]>([
    ['CR/LF in the To address', { to: withLf('reader@example.com') }, HeaderInjectionError],
    ['CR/LF in the unsubscribe URL', { unsubscribeUrl: withLf('https://briefing.example.org/u?t=1') }, HeaderInjectionError],
    ['a To address with two @', { to: 'a@b@example.com' }, InvalidHeaderValueError],
    ['a To address with a display name', { to: 'Reader <reader@example.com>' }, InvalidHeaderValueError],
    ['a To address longer than 254 characters', { to: `${'a'.repeat(64)}@${'b'.repeat(190)}.com` }, InvalidHeaderValueError],
    ['a mailto: unsubscribe link', { unsubscribeUrl: 'mailto:unsubscribe@example.org' }, InvalidHeaderValueError],
    ['an unsubscribe URL with a space', { unsubscribeUrl: 'https://example.org/u?t=a b' }, InvalidHeaderValueError],
    ['an unsubscribe URL with >', { unsubscribeUrl: 'https://example.org/u?t=a>b' }, InvalidHeaderValueError],
    [
      'a split HTML body whose rest is not text',
      { html: { shared: '<p>a</p>', rest: undefined as unknown as string } },
      InvalidHeaderValueError,
    ],
    ['a body that is neither text nor a split body', { text: 42 as unknown as string }, InvalidHeaderValueError],
  ])('the per-recipient builder throws for %s', (_name, over, error) => {
    let out: Buffer | undefined;
    expect(() => {
      out = build({ ...parts(1), ...over });
    }).toThrow(error);
    expect(out).toBeUndefined();
  });
});

describe('List-Id phrase', () => {
  it('folds dashes and accents to ASCII and quotes specials', () => {
    expect(asciiPhrase('EU–Japan Security Brief')).toBe('EU-Japan Security Brief');
    expect(asciiPhrase('Café · Notes')).toBe('Cafe - Notes');
    expect(asciiPhrase('Brief, "weekly"')).toBe('"Brief, \\"weekly\\""');
  });
});

describe('base64 bodies', () => {
  const reference = (s: string) =>
    Buffer.from(s, 'utf8')
      .toString('base64')
      .replace(/.{76}(?!$)/g, '$&\r\n');

  it('wraps at 76 columns with CRLF and decodes back to the UTF-8 input', () => {
    const body = 'EU–Japan · 日本 😀 '.repeat(200);
    const out = base64Lines(body);
    expect(out).toBe(reference(body));
    expect(out.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(Buffer.from(out.replace(/\r\n/g, ''), 'base64').toString('utf8')).toBe(body);
  });

  it('finds the common prefix without splitting a surrogate pair', () => {
    expect(commonPrefixLength('abc😀x', 'abc😁x')).toBe(3);
    expect(commonPrefixLength('same', 'same')).toBe(4);
    expect(commonPrefixLength('', 'x')).toBe(0);
  });

  it('encodes every body exactly like a fresh encode, whatever the bodies share', () => {
    const base = 'Shared text – with “multi-byte” characters and an emoji 😀. '.repeat(120);
    const bodies = [
      `${base}tail one`,
      `${base}tail two`,
      `${base}tail three, longer ${'x'.repeat(500)}`,
      base,
      base.slice(0, 3001), // shorter than the shared part: a miss that shrinks the cache
      `${base.slice(0, 2000)}😀 split here`,
      `${base}tail four`,
      'entirely different',
      '',
    ];
    // Shifting the start moves where the 57-byte line boundaries fall.
    for (let shift = 0; shift < 4; shift++) {
      const cache = new PrefixCachedBase64();
      bodies.forEach((body, i) => {
        const b = 'é'.repeat(shift) + body;
        expect(Buffer.concat(cache.encode(b)).toString('latin1')).toBe(reference(b));
        // From the second body on, the shared beginning is really reused.
        if (i === 1) expect(cache.sharedLength).toBeGreaterThan(7000);
      });
    }
  });

  it('encodes split bodies exactly as the joined text, from the cache their shared part seeded, and falls back to the whole-body rules for anything else', () => {
    const shared = 'EU–Japan: a shared beginning · 日本 '.repeat(300);
    const other = 'Another issue altogether, shared by its own readers. '.repeat(100);
    const cache = new PrefixCachedBase64();
    const bodies: Body[] = [
      { shared, rest: 'tail one' },
      { shared, rest: '' },
      `${shared}a whole body that starts with the shared part`,
      { shared, rest: `tail two 😀 ${'x'.repeat(300)}` },
      { shared: other, rest: 'its tail' }, // another campaign's text: bad input for this cache, still encoded right
      { shared: other, rest: 'its second tail' },
      'a short whole body',
      { shared: 'tiny', rest: ' shared part under a line' },
    ];
    bodies.forEach((b, i) => {
      expect(Buffer.concat(cache.encode(b)).toString('latin1')).toBe(reference(bodyText(b)));
      if (i === 3) expect(cache.sharedLength).toBe(shared.length);
    });
  });

  it('keeps using a cache that a personal (whole) body shrank for the split bodies that follow, however often the two alternate', () => {
    const shared = 'EU–Japan: the digest up to the first recipient field. '.repeat(300);
    const personal = (i: number) => `${shared.slice(0, 5000)}Alerts you may have missed (${i})${shared.slice(5000)}footer ${i}`;
    const cache = new PrefixCachedBase64();
    const bodies: Body[] = [{ shared, rest: 'footer 0' }];
    for (let i = 1; i <= 20; i++) bodies.push(personal(i), { shared, rest: `footer ${i}` });
    const lengths: number[] = [];
    for (const b of bodies) {
      expect(Buffer.concat(cache.encode(b)).toString('latin1')).toBe(reference(bodyText(b)));
      lengths.push(cache.sharedLength);
    }
    expect(lengths[0]).toBe(shared.length);
    // Shrunk once, to what the personal bodies share with the rest, and kept there.
    expect(lengths[1]).toBe(5000);
    expect(new Set(lengths.slice(1))).toEqual(new Set([5000]));
  });

  it('does not split a surrogate pair cut between the shared part and the rest', () => {
    const cache = new PrefixCachedBase64();
    const shared = `${'a'.repeat(57 * 20)}\ud83d`;
    const b: Body = { shared, rest: '\ude00 and on' };
    expect(Buffer.concat(cache.encode(b)).toString('latin1')).toBe(reference(`${'a'.repeat(57 * 20)}😀 and on`));
  });

  it('handles a body that is exactly the cached beginning (nothing left to encode per message)', () => {
    const cache = new PrefixCachedBase64();
    const p = 'a'.repeat(57 * 20);
    for (const b of [`${p}x`, `${p}y`, p, `${p}z`]) {
      expect(Buffer.concat(cache.encode(b)).toString('latin1')).toBe(reference(b));
    }
    expect(cache.sharedLength).toBe(p.length);
  });
});
