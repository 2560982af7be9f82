/** The address key the tests' functions and use-cases share (keyed digests of erased addresses and limited keys). */
import { randomBytes } from 'node:crypto';
import { addressDigest } from '../../lambdas/core/address';
import type { Clock, SubscriptionStore } from '../../lambdas/core/ports';

export const TEST_ADDRESS_KEY = randomBytes(32).toString('base64url');
export const testDigest = addressDigest(TEST_ADDRESS_KEY);

/** What `subscribers add` and `import` take, on a test's store and clock. */
export const operator = (subscriptions: SubscriptionStore, clock: Clock) => ({ subscribers: subscriptions, clock, digest: testDigest });
