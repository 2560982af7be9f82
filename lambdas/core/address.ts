/**
 * Email address validation and normalisation. Validation uses zod's email check (a maintained
 * pattern) plus the limits that matter for us: no control characters (a CR/LF in an address
 * must never reach a mail header), at most 254 characters.
 */
import { z } from 'zod';

export class InvalidAddressError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid email address ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}: ${reason}`);
    this.name = 'InvalidAddressError';
  }
}

const emailSchema = z.email();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Trim, refuse anything unsafe, lower-case the domain (the local part is case-sensitive by the RFCs). */
export function normaliseEmail(input: string): string {
  if (typeof input !== 'string') throw new InvalidAddressError(String(input), 'not a string');
  if (CONTROL.test(input)) throw new InvalidAddressError(input, 'contains a control character (CR, LF, ...)');
  const trimmed = input.trim();
  if (trimmed.length > 254) throw new InvalidAddressError(input, 'longer than 254 characters');
  const at = trimmed.lastIndexOf('@');
  if (at < 1) throw new InvalidAddressError(input, 'missing local part or @');
  const address = `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  if (!emailSchema.safeParse(address).success) throw new InvalidAddressError(input, 'not a valid address');
  return address;
}

/** Shorten an address for logs: never log full addresses. `alice@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}
