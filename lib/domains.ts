/** Domain names as the stack settings check them: placeholders, an address's domain, zones. Pure. */

/**
 * Domains reserved for documentation and testing (RFC 2606, RFC 6761): mail from them can
 * never be delivered, and SES can never verify them.
 */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|org|net)|example|test|invalid|localhost)$/i;

/** Whether `domain` is a reserved placeholder (example.com, *.example, *.test, *.invalid, localhost). */
export function isPlaceholderDomain(domain: string): boolean {
  return PLACEHOLDER_DOMAIN.test(domain.replace(/\.$/, ''));
}

/** The domain part of an address, lower case. */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Whether `name` is `zone` or a name inside it. */
export function isWithin(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  return n === z || n.endsWith(`.${z}`);
}
