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
 * - the local part keeps its case for sending (RFC 5321 says only the receiving host may
 *   interpret it) and must be ASCII: a non-ASCII local part needs SMTPUTF8 end to end, which
 *   this pipeline does not offer, so such an address is refused with a clear reason rather than
 *   accepted and never delivered.
 *
 * One person, one address: `Reader@Example.com`, `reader@example.com` and `READER@EXAMPLE.COM`
 * are one subscriber. Addresses are compared, keyed and hashed by {@link addressKey} (the whole
 * normalised address lower-cased; every provider of note treats the local part without regard
 * to case), while mail goes to the form the reader typed. Dots and `+tags` are not folded: they
 * are real, distinct mailboxes at many providers.
 */
import { analyzeEmail } from '@hapi/address';
import { createHash, createHmac } from 'node:crypto';
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
  if (/[^\x00-\x7f]/.test(local))
    throw new InvalidAddressError(input, 'the part before @ must be ASCII (internationalised mailbox names are not supported)');
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

/**
 * The form addresses are compared by, and the Subscribers table's key: the normalised address
 * (see {@link normaliseEmail}) lower-cased. Idempotent. Only ASCII is left after normalising,
 * so lower-casing has no locale or Unicode pitfalls.
 */
export function addressKey(normalisedEmail: string): string {
  return normalisedEmail.toLowerCase();
}

/** {@link normaliseEmail} then {@link addressKey}: the key of whatever the reader typed. */
export const emailKey = (input: string): string => addressKey(normaliseEmail(input));

/**
 * Top-level domains reserved for testing and documentation (RFC 2606, RFC 6761): mail to them
 * never arrives. Accepted only in local mode, where the samples and tests use them.
 */
export const RESERVED_TLDS = ['test', 'invalid', 'example', 'localhost'] as const;

/**
 * Why an address may not be added by a sign-up, `subscribers add` or an import, beyond being
 * valid (undefined: it may). A leading `=`, `+`, `-` or `@` would run as a formula when the
 * list is exported and opened in a spreadsheet (CSV injection); a reserved top-level domain
 * never receives mail.
 */
export function signupAddressProblem(normalisedEmail: string, options: { allowReservedDomains?: boolean } = {}): string | undefined {
  if (/^[=+\-@]/.test(normalisedEmail)) return 'it starts with =, +, - or @ (refused: a spreadsheet would read it as a formula)';
  const tld = normalisedEmail.slice(normalisedEmail.lastIndexOf('.') + 1).toLowerCase();
  if (!options.allowReservedDomains && (RESERVED_TLDS as readonly string[]).includes(tld))
    return `.${tld} is a reserved domain that never receives mail`;
  return undefined;
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
 * Mask every address in a text (an error message to be stored or shown), `a***@example.com`,
 * but those in `keep` (in any capitals; e.g. the sender's own address, which the operator needs to see).
 */
export function maskAddresses(text: string, keep: readonly string[] = []): string {
  const kept = new Set(keep.map((k) => k.toLowerCase()));
  return text.replace(/[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g, (m) =>
    kept.has(m.toLowerCase().replace(/\.$/, '')) ? m : maskEmail(m),
  );
}

/**
 * The bare SHA-256 (hex) that erasure markers were made of before they were keyed: kept only to
 * recognise those older markers (see {@link erasureDigests}). A bare hash of an address is
 * reversed by hashing candidate addresses; new markers use {@link AddressDigest}.
 */
export function legacyAddressHash(normalisedEmail: string): string {
  return createHash('sha256').update(normalisedEmail, 'utf8').digest('hex');
}

/**
 * A keyed digest (HMAC-SHA256, hex) with a secret the stack keeps (`<stack>/address-key`, never
 * rotated): what an erased address, a client's network and a target address of the sign-up
 * limits are stored as. Without the secret a leaked table or backup says nothing about who they are.
 */
export type AddressDigest = (value: string) => string;

/** What {@link verifyAddressKey} stores the digest of: the same text for every table. */
export const ADDRESS_KEY_CHECK_TEXT = 'briefing address key check v1';

/** Thrown when the address key in use is not the one a table's erasure markers were made with. */
export class AddressKeyMismatchError extends Error {
  name = 'AddressKeyMismatchError';
}

/**
 * Refuse to go on with an address key that is not the one the table was first used with: every
 * erasure marker would miss, and erased addresses could be added again. The first use stores the
 * check. Locally this catches a CLI run with another data folder than `npm start`'s; on AWS a
 * deploy that imported the wrong `addressKeySecretName`.
 */
export async function verifyAddressKey(
  store: { checkAddressKey(check: string): Promise<'stored' | 'matches' | 'differs'> },
  digest: AddressDigest,
): Promise<void> {
  if ((await store.checkAddressKey(digest(ADDRESS_KEY_CHECK_TEXT))) === 'differs') {
    throw new AddressKeyMismatchError(
      'the address key in use is not the one this Subscribers table was used with: erasure markers would not match. ' +
        'Locally, run the CLI with the same BRIEFING_DATA_DIR as `npm start` (the key is <data folder>/address-key); ' +
        'on AWS, deploy with -c addressKeySecretName=<the AddressKeySecretName output of the stack that made the table>.',
    );
  }
}

/** The {@link AddressDigest} of a secret key. */
export function addressDigest(secret: string | Buffer): AddressDigest {
  if (Buffer.byteLength(secret) < 32) throw new Error('address key: at least 32 bytes');
  return (value) => createHmac('sha256', secret).update(value, 'utf8').digest('hex');
}

/**
 * The ways a person commonly capitalises the part of their address before `@` (older code kept
 * that part as typed and lower-cased the domain): all lower, all upper, the first letter, and the
 * first letter of each part between dots, hyphens, underscores and plus signs (`John.Smith`).
 */
export function capitalisations(key: string): string[] {
  const at = key.lastIndexOf('@');
  const local = key.slice(0, at);
  const domain = key.slice(at);
  const first = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return [
    ...new Set([
      local,
      local.toUpperCase(),
      first(local),
      local.replace(/(^|[._+-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase()),
    ]),
  ].map((l) => l + domain);
}

/**
 * The digests an erasure marker of this address may be stored under, newest form first: the
 * keyed digest of its {@link addressKey} (the only one written now), then the bare SHA-256 that
 * erasures wrote before markers were keyed, of the address as it was typed then: the form given
 * here, and the usual capitalisations of it ({@link capitalisations}), since the same person may
 * have been erased as `Eve@example.com` and sign up again as `eve@example.com`.
 */
export function erasureDigests(normalisedEmail: string, digest: AddressDigest): string[] {
  const key = addressKey(normalisedEmail);
  return [...new Set([digest(key), ...[normalisedEmail, ...capitalisations(key)].map(legacyAddressHash)])];
}

/** Providers that ignore dots in the part before `@`: `j.smith@` and `jsmith@` are one inbox there. */
const DOTLESS_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox a confirmation limit counts, and whose "no" a sign-up of a variant respects: the
 * address's key form without a `+tag` (`ada+1@`, `ada+2@` and `ada@` reach one inbox at most
 * providers) and, at Gmail, without dots, so a stranger cannot flood one inbox, or reach one
 * that said no, through its variants. Used for the limit and that check only: the subscriber is
 * still the address as given. Every address item carries its inbox (core/keys.ts `MAILBOX`), so
 * all the forms of one inbox are found.
 */
export function mailboxOf(addressKey: string): string {
  const at = addressKey.lastIndexOf('@');
  let local = addressKey.slice(0, at);
  const domain = addressKey.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  // googlemail.com is gmail.com: one inbox answers at both.
  if (DOTLESS_DOMAINS.has(domain)) return `${local.replace(/\./g, '') || local}@gmail.com`;
  return `${local}@${domain}`;
}

/**
 * The keyed digest of an address's inbox ({@link mailboxOf}): the key of the mailbox limit's item,
 * and of the erasure marker every erasure also writes for the inbox, so that no form of an erased
 * inbox (`johndoe@gmail.com` after `john.doe+x@gmail.com`) is added again. Its own prefix: no
 * digest of an address is ever equal to it.
 */
export const mailboxDigest = (key: string, digest: AddressDigest): string => digest(`mailbox:${mailboxOf(addressKey(key))}`);
