/**
 * Privacy requests (GDPR articles 15 and 17) for one address: export everything stored about
 * it, or erase it everywhere. Erasure keeps only the SHA-256 of the address, so the address
 * is never mailed again by accident (an import or a sign-up of it is ignored).
 */
import { addressHash, normaliseEmail } from '../core/address';
import type { Delivery, Subscriber } from '../core/model';
import type { Clock, DeliveryEvents, SubscriptionStore } from '../core/ports';

export interface PrivacyDeps {
  subscribers: SubscriptionStore;
  deliveries: DeliveryEvents;
  clock: Clock;
}

export interface SubscriberExport {
  email: string;
  subscriber?: Subscriber;
  deliveries: Delivery[];
  /** Set when the address was erased earlier: all that is left is its hash. */
  erased?: { erasedAt: string; addressHash: string };
}

export async function exportSubscriber(deps: PrivacyDeps, input: string): Promise<SubscriberExport> {
  const email = normaliseEmail(input);
  const hash = addressHash(email);
  const [subscriber, erased] = await Promise.all([deps.subscribers.getByEmail(email), deps.subscribers.isErased(hash)]);
  // The stored confirmation hash is a secret of the service, not data about the reader.
  const shown = subscriber ? (({ confirmTokenHash: _h, ...rest }) => rest as Subscriber)(subscriber) : undefined;
  return {
    email,
    subscriber: shown,
    deliveries: subscriber ? await deps.deliveries.listForSubscriber(subscriber.subscriberId) : [],
    erased: erased ? { ...erased, addressHash: hash } : undefined,
  };
}

export interface EraseReport {
  email: string;
  subscriberRemoved: boolean;
  deliveriesRemoved: number;
  addressHash: string;
}

/**
 * Erase in an order that a crash cannot make unsafe: the suppression marker first (from then
 * on the address is refused), then the ledger entries, then the subscriber. Running it again
 * finishes an interrupted erasure.
 */
export async function eraseSubscriber(deps: PrivacyDeps, input: string): Promise<EraseReport> {
  const email = normaliseEmail(input);
  const hash = addressHash(email);
  await deps.subscribers.markErased(hash, deps.clock.now());
  const s = await deps.subscribers.getByEmail(email);
  let deliveriesRemoved = 0;
  if (s) {
    deliveriesRemoved = await deps.deliveries.deleteForSubscriber(s.subscriberId);
    await deps.subscribers.remove(email);
  }
  return { email, subscriberRemoved: Boolean(s), deliveriesRemoved, addressHash: hash };
}
