/**
 * One inbox, many forms: `john.doe@gmail.com`, `johndoe+news@gmail.com` and `JohnDoe@googlemail.com`
 * reach the same person (core/sign-up-limits.ts `mailboxOf`). A "no" said under one form (an
 * unsubscribe, a declined sign-up, a bounce, a complaint, an erasure) holds for every other:
 * the Subscribers table finds every stored form of an inbox through its `byMailbox` index, and an
 * erasure also leaves a keyed marker of the inbox (`mailboxDigest`). Pure: what a form of an
 * inbox tells, and which forms said no.
 */
import type { Subscriber } from './model';

/** What the `byMailbox` index holds of each stored form of an inbox: enough to tell a "no" and its age. */
export const INBOX_MEMBER_FIELDS = [
  'status',
  'suppressed',
  'suppressedReason',
  'unsubscribedAt',
  'declinedAt',
  'confirmationSentAt',
] as const;

/** One stored form of an inbox, as the index gives it. */
export type InboxMember = Pick<Subscriber, 'email' | 'status'> & Partial<Pick<Subscriber, (typeof INBOX_MEMBER_FIELDS)[number]>>;

/**
 * The "no" the other forms of an inbox said, for an address keyed `key`: a suppressed form first
 * (a bounce or complaint outlasts any consent), else the forms that unsubscribed or declined.
 * The address's own item is left out: its own state is its own use-case's business.
 */
export function otherFormsSaidNo(
  members: readonly InboxMember[],
  key: string,
): { suppressed: InboxMember } | { unsubscribed: InboxMember[] } | undefined {
  const others = members.filter((m) => m.email !== key);
  const suppressed = others.find((m) => m.suppressed);
  if (suppressed) return { suppressed };
  const unsubscribed = others.filter((m) => m.status === 'unsubscribed');
  return unsubscribed.length ? { unsubscribed } : undefined;
}
