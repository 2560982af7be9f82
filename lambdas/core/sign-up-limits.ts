/**
 * The limits on sign-ups, which hold across every function instance (the store is DynamoDB,
 * lambdas/adapters/dynamodb/rate-limits.ts): per client network, on `POST /subscribe`, and per
 * target mailbox, on the confirmations actually sent. Pure: the rules, and how one limited key's
 * recent times admit one more.
 *
 * Each key keeps the times of its last few admitted requests (as many as its largest `max`), so
 * a window is a true sliding window: "one an hour" means no two within any 60 minutes, not one
 * per clock hour.
 */
import ipaddr from 'ipaddr.js';

/** At most `max` admitted in any `windowMs`. */
export interface LimitRule {
  windowMs: number;
  max: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Sign-up requests one client network may make (`subscribeRateLimit`, default 5 a minute) and, in any case, an hour. */
export const clientRules = (perMinute = 5): LimitRule[] => [
  { windowMs: MINUTE, max: perMinute },
  { windowMs: HOUR, max: Math.max(perMinute, 30) },
];

/** Confirmations one mailbox gets: at most one an hour and three a day, whoever asks. */
export const ADDRESS_RULES: readonly LimitRule[] = [
  { windowMs: HOUR, max: 1 },
  { windowMs: DAY, max: 3 },
];

/** How long a key's times matter: its longest window. */
export const keepFor = (rules: readonly LimitRule[]) => Math.max(...rules.map((r) => r.windowMs));

/**
 * The times to store when one more request at `now` is admitted, or undefined when a rule
 * refuses it. `times` are epoch ms of the requests admitted before (any order, any age).
 */
export function admit(times: readonly number[], now: number, rules: readonly LimitRule[]): number[] | undefined {
  const recent = times.filter((t) => t > now - keepFor(rules) && t <= now);
  for (const rule of rules) {
    if (recent.filter((t) => t > now - rule.windowMs).length >= rule.max) return undefined;
  }
  const largest = Math.max(...rules.map((r) => r.max));
  return [...recent, now].sort((a, b) => a - b).slice(-largest);
}

/**
 * The network a client is limited as: an IPv4 address itself, an IPv6 address by its /64 (one
 * home or phone gets a whole /64, and any address in it at will), an IPv4-mapped IPv6 address as
 * the IPv4 one. Anything unreadable is one network of its own, `unknown`.
 */
export function clientNetwork(sourceIp: string): string {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(sourceIp.trim());
  } catch {
    return 'unknown';
  }
  if (addr.kind() === 'ipv4') return addr.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${addr.toNormalizedString()}/64`).toRFC5952String()}/64`;
}

// The mailbox a confirmation limit counts lives beside the address rules (core/address.ts), which
// the storage keys use too; it is one of the limits' rules as well.
export { mailboxDigest, mailboxOf } from './address';
