/**
 * `subscribers revoke-links <email>`: turn off every link in the mail a reader got so far, at
 * once (a forwarded message, a leaked mailbox), without rotating the key for everyone. Raises the
 * reader's link version (core/tokens.ts); unsubscribe, preference and confirmation links of an
 * older version answer "this link no longer works", and the next message is signed with the new one.
 */
import { normaliseEmail } from '../core/address';
import type { Subscriber } from '../core/model';
import type { SubscriptionStore } from '../core/ports';

export async function revokeLinks(deps: { subscribers: SubscriptionStore }, input: string): Promise<Subscriber | undefined> {
  const email = normaliseEmail(input);
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = await deps.subscribers.getByEmail(email);
    if (!s) return undefined;
    const saved = await deps.subscribers.change(
      s,
      { linkVersion: (s.linkVersion ?? 0) + 1 },
      { expect: { linkVersion: s.linkVersion ?? null } },
    );
    if (saved) return saved;
  }
  throw new Error('revoke-links: the subscriber kept changing; try again');
}
