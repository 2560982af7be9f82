/**
 * Checks on everything that becomes a mail header. A CR or LF in a header value would let
 * whoever controls the value add headers (or a whole body) of their own, so such values are
 * refused outright, never cleaned up.
 */

/** Base class of the errors raised for unusable message input; `field` names the input. */
export class MessageInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessageInputError';
  }
}

/** A header value (subject, display name, address, URL) contains CR, LF or another control character. */
export class HeaderInjectionError extends MessageInputError {
  constructor(field: string) {
    super(field, `${field} contains a line break or another control character; refusing to build the message`);
    this.name = 'HeaderInjectionError';
  }
}

/** A header value is not acceptable for another reason (not an address, not an http(s) URL, ...). */
export class InvalidHeaderValueError extends MessageInputError {
  constructor(field: string, reason: string) {
    super(field, `${field} ${reason}`);
    this.name = 'InvalidHeaderValueError';
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Refuse control characters (CR and LF above all) in a header value. */
export function assertNoControl(field: string, value: string): void {
  if (typeof value !== 'string') throw new InvalidHeaderValueError(field, 'is not a string');
  if (CONTROL.test(value)) throw new HeaderInjectionError(field);
}

/**
 * A strict, simple address check, stricter than RFC 5321 on purpose: printable ASCII only,
 * exactly one @, a non-empty local part, a domain of letters, digits, hyphens and dots, no
 * spaces, no quotes, brackets or other specials, at most 254 characters. Such an address is
 * written into a header exactly as it is, with nothing to quote or encode.
 */
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function assertAddress(field: string, value: string): void {
  assertNoControl(field, value);
  if (value.length > 254) throw new InvalidHeaderValueError(field, 'is longer than 254 characters');
  if (!ADDRESS.test(value)) throw new InvalidHeaderValueError(field, 'is not a plain email address (local@domain, ASCII, no spaces or <>)');
}

/** An absolute http(s) URL of printable ASCII without spaces or angle brackets, short enough for one header line. */
const HTTP_URL = /^https?:\/\/[\x21-\x3b\x3d\x3f-\x7e]+$/i;

export function assertHttpUrl(field: string, value: string): void {
  assertNoControl(field, value);
  if (value.length > 900) throw new InvalidHeaderValueError(field, 'is longer than 900 characters');
  if (!HTTP_URL.test(value))
    throw new InvalidHeaderValueError(field, 'is not an absolute http(s) URL of printable ASCII without spaces or <>');
}

/** A List-Id identifier (RFC 2919): a dot-atom such as `weekly.news.example.org`. */
const LIST_ID = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)+$/;

export function assertListId(field: string, value: string): void {
  assertNoControl(field, value);
  if (value.length > 255 || !LIST_ID.test(value))
    throw new InvalidHeaderValueError(field, 'is not a dot-atom list identifier (e.g. weekly.news.example.org)');
}

/** SES configuration set names: letters, digits, hyphens and underscores, at most 64. */
export function assertConfigurationSet(field: string, value: string): void {
  assertNoControl(field, value);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new InvalidHeaderValueError(field, 'is not a valid SES configuration set name');
}
