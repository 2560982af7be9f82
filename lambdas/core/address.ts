/**
 * Email address validation and normalisation.
 *
 * Validation is `@hapi/address` (RFC 5321/5322 rules: lengths of the whole address, the local
 * part and each domain label, dot placement, allowed characters). Normalisation:
 * - surrounding white space is trimmed; any control character (a CR/LF would let the value
 *   add mail headers) is refused before anything else looks at the input;
 * - the domain is case-folded and converted to its ASCII (IDNA/punycode) form with the WHATWG
 *   URL rules built into Node (`domainToASCII`): `Reader@BÜCHER.de` is stored and mailed as
 *   `Reader@xn--bcher-kva.de`, so one mailbox has one key and the MIME layer, which writes
 *   plain ASCII addresses only, can address it;
 * - the local part keeps its case (RFC 5321 says only the receiving host may interpret it)
 *   and must be ASCII: a non-ASCII local part needs SMTPUTF8 end to end, which this pipeline
 *   does not offer, so such an address is refused with a clear reason rather than accepted and
 *   never delivered.
 */
import { analyzeEmail } from '@hapi/address';
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';

export class InvalidAddressError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid email address ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}: ${reason}`);
    this.name = 'InvalidAddressError';
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Longest address SMTP allows (RFC 5321 path limit less the angle brackets). */
export const MAX_ADDRESS_LENGTH = 254;

/** Trim, refuse anything unsafe or invalid, and return the address in its stored, ASCII form. */
export function normaliseEmail(input: string): string {
  if (typeof input !== 'string') throw new InvalidAddressError(String(input), 'not a string');
  if (CONTROL.test(input)) throw new InvalidAddressError(input, 'contains a control character (CR, LF, ...)');
  const trimmed = input.trim();
  // Checked before any parsing, so a megabyte of input costs nothing.
  if (trimmed.length > MAX_ADDRESS_LENGTH * 2) throw new InvalidAddressError(input, `longer than ${MAX_ADDRESS_LENGTH} characters`);
  const at = trimmed.lastIndexOf('@');
  if (at < 1 || at === trimmed.length - 1) throw new InvalidAddressError(input, 'missing local part, @ or domain');
  const local = trimmed.slice(0, at);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[^\x00-\x7f]/.test(local)) throw new InvalidAddressError(input, 'the part before @ must be ASCII (internationalised mailbox names are not supported)');
  const domain = domainToASCII(
    trimmed
      .slice(at + 1)
      .normalize('NFC')
      .toLowerCase(),
  );
  if (!domain) throw new InvalidAddressError(input, 'the domain is not a valid (internationalised) domain name');
  const address = `${local}@${domain}`;
  if (address.length > MAX_ADDRESS_LENGTH) throw new InvalidAddressError(input, `longer than ${MAX_ADDRESS_LENGTH} characters`);
  const problem = analyzeEmail(address, { allowUnicode: false, minDomainSegments: 2 });
  if (problem) throw new InvalidAddressError(input, problem.error);
  return address;
}

/** Normalise, or undefined when the input is not a usable address. */
export function tryNormaliseEmail(input: unknown): string | undefined {
  try {
    return normaliseEmail(input as string);
  } catch {
    return undefined;
  }
}

/** Shorten an address for logs: never log full addresses. `alice@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/**
 * The hash an erased address is remembered by (SHA-256 of the normalised address, hex).
 * Enough to refuse the address again; not enough to mail it.
 */
export function addressHash(normalisedEmail: string): string {
  return createHash('sha256').update(normalisedEmail, 'utf8').digest('hex');
}
