/**
 * Privacy requests (GDPR articles 15 and 17) for one address, in any capitals: export everything
 * stored about it, or erase it everywhere. Erasure keeps only a keyed digest of the address (an
 * HMAC with the stack's address key, core/address.ts), so the address is never mailed again by
 * accident (a sign-up, an import or an add of it is refused) and a leaked table or backup does
 * not give it back.
 *
 * Point-in-time recovery keeps every table's earlier state for 35 days: an erased address stays
 * in those backups until then (docs/operations.md, "Privacy requests").
 */
import { addressKey, erasureDigests, mailboxDigest, maskEmail, normaliseEmail, type AddressDigest } from '../core/address';
import { mergedKey } from '../core/keys';
import type { Delivery, Subscriber } from '../core/model';
import type { Clock, DeliveryEvents, SubscriptionStore } from '../core/ports';
import { otherStoredForms } from './inbox-forms';

export interface PrivacyDeps {
  subscribers: SubscriptionStore;
  deliveries: DeliveryEvents;
  clock: Clock;
  /** Keyed digests of addresses (the erasure marker). */
  digest: AddressDigest;
  /** The account-wide sending pause, whose reason may quote an address SES named. @default not scrubbed */
  pause?: { scrub(address: string, replacement: string): Promise<boolean> };
}

export interface SubscriberExport {
  email: string;
  subscriber?: Subscriber;
  deliveries: Delivery[];
  /** Set when the address was erased earlier: all that is left is its digest. */
  erased?: { erasedAt: string; addressHash: string };
  /**
   * When the address is not stored: the other forms its inbox is stored under (`m.a.r.y@gmail.com`
   * for `mary@gmail.com`). The request names another address than the one stored: nothing of
   * theirs is shown until the operator gives that one.
   */
  sameInbox?: string[];
  /** Set when an import skipped it because its source tool says the reader left: the digest and where. */
  leftElsewhere?: { at: string; saidNo: string; addressHash: string };
}

/** Every id a subscriber's ledger entries may be under: its own and those merged into it. */
const idsOf = (s: Subscriber) => [s.subscriberId, ...(s.mergedIds ?? [])];

export async function exportSubscriber(deps: PrivacyDeps, input: string): Promise<SubscriberExport> {
  const email = normaliseEmail(input);
  const [subscriber, erased] = await Promise.all([
    deps.subscribers.getByEmail(email),
    deps.subscribers.isErased(erasureDigests(email, deps.digest)),
  ]);
  // The stored confirmation hash is a secret of the service, not data about the reader.
  const shown = subscriber ? (({ confirmTokenHash: _h, ...rest }) => rest as Subscriber)(subscriber) : undefined;
  const deliveries = subscriber ? (await Promise.all(idsOf(subscriber).map((id) => deps.deliveries.listForSubscriber(id)))).flat() : [];
  const sameInbox = subscriber ? [] : await otherStoredForms(deps.subscribers, email);
  return {
    email: subscriber?.email ?? addressKey(email),
    subscriber: shown,
    deliveries,
    erased: erased && !erased.saidNo ? { erasedAt: erased.erasedAt, addressHash: erased.digest } : undefined,
    ...(erased?.saidNo && { leftElsewhere: { at: erased.erasedAt, saidNo: erased.saidNo, addressHash: erased.digest } }),
    ...(sameInbox.length ? { sameInbox } : {}),
  };
}

export interface EraseReport {
  email: string;
  subscriberRemoved: boolean;
  deliveriesRemoved: number;
  /** The keyed digest the address is remembered by. */
  addressHash: string;
  /** Whether the sending pause's reason named the address (it now shows it masked). */
  pauseScrubbed: boolean;
  /**
   * The other forms the address's inbox is still stored under: not erased (each is erased by
   * name, when the request covers it), though no form of the inbox can be added again.
   */
  sameInbox: string[];
}

/**
 * Erase in an order that a crash cannot make unsafe: the suppression marker first (from then
 * on the address is refused), then the ledger entries, then the subscriber (and the items that
 * forward merged ids to it), then the address in the sending pause's reason. Running it again
 * finishes an interrupted erasure.
 */
export async function eraseSubscriber(deps: PrivacyDeps, input: string): Promise<EraseReport> {
  const email = normaliseEmail(input);
  const key = addressKey(email);
  const digest = deps.digest(key);
  // Overwrites a marker an import left for it (core/ports.ts markSaidNo): same digest, the stronger no.
  await deps.subscribers.markErased(digest, deps.clock.now());
  // And its inbox: no other form of it (`johndoe@gmail.com` after `john.doe+x@gmail.com`) is added again.
  await deps.subscribers.markErased(mailboxDigest(key, deps.digest), deps.clock.now());
  let deliveriesRemoved = 0;
  let subscriberRemoved = false;
  // Before `migrate-addresses` has run, the address may also be stored in other capitals: remove each.
  for (let s = await deps.subscribers.getByEmail(email), n = 0; s && n < 6; s = await deps.subscribers.getByEmail(email), n++) {
    for (const id of idsOf(s)) deliveriesRemoved += await deps.deliveries.deleteForSubscriber(id);
    for (const id of s.mergedIds ?? []) await deps.subscribers.remove(mergedKey(id));
    await deps.subscribers.remove(s.email);
    subscriberRemoved = true;
  }
  const pauseScrubbed = (await deps.pause?.scrub(key, maskEmail(key))) ?? false;
  const sameInbox = await otherStoredForms(deps.subscribers, key);
  return { email: key, subscriberRemoved, deliveriesRemoved, addressHash: digest, pauseScrubbed, sameInbox };
}
