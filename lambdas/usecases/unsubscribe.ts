/** RFC 8058 one-click unsubscribe (and the page's button): verify the signed token, then unsubscribe. */
import { verifyToken, type SigningKeys } from '../core/tokens';
import type { Clock, SubscriberStore } from '../core/ports';

export type UnsubscribeResult = { status: 'unsubscribed' } | { status: 'invalid-token'; reason: string } | { status: 'unknown' };

export async function unsubscribe(deps: { subscribers: SubscriberStore; clock: Clock; keys: SigningKeys }, token: unknown): Promise<UnsubscribeResult> {
  const check = verifyToken(deps.keys, token, 'unsubscribe', deps.clock.now());
  if (!check.ok) return { status: 'invalid-token', reason: check.reason };
  const found = await deps.subscribers.unsubscribe(check.subscriberId, deps.clock.now());
  return found ? { status: 'unsubscribed' } : { status: 'unknown' };
}
