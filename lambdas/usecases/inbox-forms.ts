/**
 * The stored forms of an address's inbox (core/inbox.ts): `mary@gmail.com`, `m.a.r.y@gmail.com` and
 * `mary+news@googlemail.com` are one inbox. What the SES events spread a bounce or complaint to, and
 * what the operator's privacy and unsubscribe commands name when the address typed is not the one stored.
 */
import { addressKey, mailboxOf } from '../core/address';
import type { InboxMember } from '../core/inbox';
import type { SubscriptionStore } from '../core/ports';

/**
 * Every stored form of the inbox of `email`, through the byMailbox index, plus the inbox's plain
 * form read by its key: an item written before the index (no `mailbox` until `migrate-addresses`
 * runs) is not in it, and the plain form is the one most often stored. The address's own item
 * may be missing (the index is eventually consistent): every caller reads it by its key.
 */
export async function storedInboxForms(
  subscribers: Pick<SubscriptionStore, 'inboxMembers' | 'getByEmail'>,
  email: string,
): Promise<InboxMember[]> {
  const key = addressKey(email);
  const inbox = mailboxOf(key);
  const members = await subscribers.inboxMembers(inbox);
  if (inbox !== key && !members.some((m) => m.email === inbox)) {
    const plain = await subscribers.getByEmail(inbox);
    if (plain) members.push(plain);
  }
  return members;
}

/** The addresses under which the inbox of `email` is stored, the address itself left out. */
export async function otherStoredForms(
  subscribers: Pick<SubscriptionStore, 'inboxMembers' | 'getByEmail'>,
  email: string,
): Promise<string[]> {
  const key = addressKey(email);
  return [...new Set((await storedInboxForms(subscribers, email)).map((m) => m.email))].filter((e) => e !== key).sort();
}

/** For an address not stored whose inbox is stored under other forms: what to tell the operator. */
export function sameInboxMessage(given: string, forms: readonly string[]): string {
  return `no subscriber ${given}; the same inbox is stored as ${forms.join(', ')}: give ${forms.length === 1 ? 'that address' : 'one of those addresses'}`;
}
