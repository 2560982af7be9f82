/**
 * What expires, and when. DynamoDB's TTL deletes an item some time (usually within days) after
 * the epoch second in its {@link EXPIRES_AT} attribute, a Number; an item without it is kept.
 * The Subscribers and Deliveries tables have TTL on this attribute (on AWS the storage
 * construct, locally lib/local/tables.ts). Pure: the adapters write what these rules say.
 *
 * Kept for ever, on purpose: anyone who was ever confirmed (confirmed, or unsubscribed since)
 * and their consent records, anyone who said no (unsubscribed, or declined a sign-up),
 * suppressed addresses, erasure markers, ledger entries and campaign summaries. They are the truth of who
 * agreed to what and who got what; none of them may disappear on a timer.
 */
import { alertCapDayStart } from './keys';
import type { Subscriber } from './model';

/** The TTL attribute, the same on every table that has TTL. */
export const EXPIRES_AT = 'expiresAt';

const DAY_MS = 24 * 60 * 60_000;
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * A sign-up never confirmed expires with its confirmation link: past that moment the link is
 * refused as expired (by its own signed expiry, whether the item is there or not), and signing
 * up again writes a new item or a new link with a new expiry. Anyone who was ever confirmed
 * (`confirmedAt`, e.g. a reader who left and is re-subscribing), anyone who ever said no
 * (`unsubscribedAt`: left, or declined a sign-up with the confirmation's "never mail this
 * address" link) and any suppressed address never expires: the first is a real reader's
 * history, the other two stop mail to an address that refused it.
 *
 * @returns epoch seconds, or undefined: the item must not carry `expiresAt`.
 */
export function subscriberExpiresAt(
  s: Pick<Subscriber, 'status' | 'confirmedAt' | 'suppressed' | 'confirmExpiresAt' | 'unsubscribedAt'>,
): number | undefined {
  if (s.status !== 'pending' || s.confirmedAt || s.unsubscribedAt || s.suppressed || !s.confirmExpiresAt) return undefined;
  const at = Date.parse(s.confirmExpiresAt);
  return Number.isFinite(at) ? epochSeconds(at) : undefined;
}

/**
 * A reader's daily alert-cap item (keys.ts `alertCapKey`) is read only during its day, in
 * the reader's time zone. The last place that day ends is UTC−12, at 12:00 UTC the next
 * day; the item goes two days after that, so no reader's count is lost while it still counts.
 */
export function alertCapExpiresAt(day: string): number {
  return epochSeconds(alertCapDayStart(day) + DAY_MS + 12 * 60 * 60_000 + 2 * DAY_MS);
}
