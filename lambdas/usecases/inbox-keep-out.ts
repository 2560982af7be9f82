/**
 * Whether another form of an address's inbox said no (core/inbox.ts): the check the web sign-up
 * (subscribe.ts) and the operator's add and import (subscribers.ts) make before an address may
 * start receiving mail. `john.doe@gmail.com` unsubscribed: `j.o.h.n.d.o.e+z@gmail.com` reaches
 * the same person, and is kept out as that inbox is.
 */
import { addressKey, erasureDigests, mailboxDigest, mailboxOf, type AddressDigest } from '../core/address';
import { otherFormsSaidNo, type InboxMember } from '../core/inbox';
import type { SubscriptionStore } from '../core/ports';
import { storedInboxForms } from './inbox-forms';

/**
 * What another form of the inbox said: erased, left in the tool an import came from (`saidNo`:
 * e.g. "unsubscribed in Mailchimp"), suppressed (bounce, complaint), or unsubscribed.
 */
export type InboxNo =
  | { kind: 'erased'; inbox: string }
  | { kind: 'left'; inbox: string; saidNo: string }
  | { kind: 'suppressed'; inbox: string; member: InboxMember }
  | { kind: 'unsubscribed'; inbox: string; members: InboxMember[] };

/**
 * The "no" another form of the inbox of `email` (normalised) said, if any. Erased: the inbox's
 * own marker (every erasure writes one, core/address.ts `mailboxDigest`), or the marker of the
 * inbox's plain form (erasures made before inbox markers); a marker an import wrote for a row its
 * source tool says left is the same item with a reason (kind `left`). Otherwise every stored form of the
 * inbox (inbox-forms.ts). `inbox` names the inbox for the operator: the form that
 * said no when one is stored, else the inbox's plain form.
 */
export async function inboxSaidNo(
  deps: { subscribers: Pick<SubscriptionStore, 'isErased' | 'inboxMembers' | 'getByEmail'>; digest: AddressDigest },
  email: string,
): Promise<InboxNo | undefined> {
  const key = addressKey(email);
  const inbox = mailboxOf(key);
  const markers = [mailboxDigest(key, deps.digest), ...(inbox === key ? [] : erasureDigests(inbox, deps.digest))];
  const marker = await deps.subscribers.isErased(markers);
  if (marker?.saidNo) return { kind: 'left', inbox, saidNo: marker.saidNo };
  if (marker) return { kind: 'erased', inbox };
  const members = await storedInboxForms(deps.subscribers, key);
  const no = otherFormsSaidNo(members, key);
  if (!no) return undefined;
  if ('suppressed' in no) return { kind: 'suppressed', inbox: no.suppressed.email, member: no.suppressed };
  return { kind: 'unsubscribed', inbox: no.unsubscribed[0].email, members: no.unsubscribed };
}
