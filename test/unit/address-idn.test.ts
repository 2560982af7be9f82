import { InvalidAddressError, normaliseEmail } from '../../lambdas/core/address';
import { testDigest } from '../support/address-key';
import { erasedMarkerKey } from '../../lambdas/core/keys';
import { assertAddress } from '../../lambdas/core/mime/validate';

describe('email addresses: normalisation with @hapi/address and IDNA', () => {
  it('lower-cases the domain, keeps the local part, and stores an internationalised domain in its ASCII form', () => {
    expect(normaliseEmail('Reader@BÜCHER.de')).toBe('Reader@xn--bcher-kva.de');
    expect(normaliseEmail('Reader@xn--bcher-kva.de')).toBe('Reader@xn--bcher-kva.de');
    expect(normaliseEmail('  jo@例え.テスト ')).toBe('jo@xn--r8jz45g.xn--zckzah');
  });

  it('gives an address the MIME layer accepts as it is (plain ASCII)', () => {
    expect(() => assertAddress('to', normaliseEmail('Reader@BÜCHER.de'))).not.toThrow();
  });

  it.each([
    ['header injection with CRLF', 'a@example.com\r\nBcc: victim@example.com'],
    ['header injection with a bare CR', 'a@example.com\rBcc: v@example.com'],
    ['a NUL byte', 'a\u0000@example.com'],
    ['a Unicode line separator', 'a@example.com\u2028Bcc: v@example.com'],
    ['a display name', 'Eve <eve@example.com>'],
    ['two addresses', 'a@example.com, b@example.com'],
    ['a very long address (10 000 characters)', `${'a'.repeat(9990)}@example.com`],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['a domain label over 63 characters', `a@${'b'.repeat(64)}.com`],
    ['a non-ASCII local part (needs SMTPUTF8)', 'jörg@example.com'],
    ['a right-to-left override', '\u202Eevil@example.com'],
    ['a domain without a dot', 'a@localhost'],
    ['an IP literal', 'a@[127.0.0.1]'],
    ['consecutive dots', 'a..b@example.com'],
    ['an underscore in the domain', 'a@exa_mple.com'],
    ['an empty string', ''],
  ])('refuses %s', (_name, input) => {
    expect(() => normaliseEmail(input)).toThrow(InvalidAddressError);
  });

  it('remembers an erased address by a keyed digest that contains no @ and is not the address', () => {
    const key = erasedMarkerKey('a@example.com', testDigest);
    expect(key).toBe(`erased#${testDigest('a@example.com')}`);
    expect(key).toMatch(/^erased#[0-9a-f]{64}$/);
  });
});
