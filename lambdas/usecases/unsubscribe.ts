/**
 * RFC 8058 one-click unsubscribe (and the page's button): verify the signed token and the
 * reader's link version, then unsubscribe for good (core/ports.ts `unsubscribe`).
 *
 * A link turned off by `revoke-links` opens no page and changes no preference, but a mailbox
 * provider's one-click unsubscribe (`List-Unsubscribe=One-Click`) is still honoured: an opt-out in
 * mail already sent must keep working (RFC 8058; CAN-SPAM asks 30 days at least), and leaving is
 * the one thing a leaked link can do that never adds mail.
 */
import { verifyToken, type SigningKeys } from '../core/tokens';
import type { Subscriber } from '../core/model';
import type { Clock, SubscriberStore } from '../core/ports';

export type UnsubscribeResult =
  | { status: 'unsubscribed'; subscriber: Subscriber }
  | { status: 'invalid-token'; reason: string }
  | { status: 'unknown' }
  | { status: 'revoked' };

type Deps = { subscribers: SubscriberStore; clock: Clock; keys: SigningKeys };

/** The reader an unsubscribe link acts on, without changing anything (the GET page). */
export async function checkUnsubscribeToken(
  deps: Deps,
  token: unknown,
  options: { oneClick?: boolean } = {},
): Promise<{ ok: true; subscriber: Subscriber } | Exclude<UnsubscribeResult, { status: 'unsubscribed' }>> {
  const check = verifyToken(deps.keys, token, 'unsubscribe', deps.clock.now());
  if (!check.ok) return { status: 'invalid-token', reason: check.reason };
  const s = await deps.subscribers.getById(check.subscriberId);
  if (!s) return { status: 'unknown' };
  // `subscribers revoke-links` turned off the links of older mail (but not a mailbox's one-click opt-out).
  if (check.linkVersion !== (s.linkVersion ?? 0) && !options.oneClick) return { status: 'revoked' };
  return { ok: true, subscriber: s };
}

export async function unsubscribe(deps: Deps, token: unknown, options: { oneClick?: boolean } = {}): Promise<UnsubscribeResult> {
  const check = await checkUnsubscribeToken(deps, token, options);
  if (!('ok' in check)) return check;
  const found = await deps.subscribers.unsubscribe(check.subscriber.subscriberId, deps.clock.now());
  return found ? { status: 'unsubscribed', subscriber: check.subscriber } : { status: 'unknown' };
}
