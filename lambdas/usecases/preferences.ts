/**
 * The preferences page: the signed `preferences` token from any message shows what is stored
 * and lets the reader change it. Changes apply to confirmed subscribers only: someone who left
 * subscribes again from the subscribe page, with a new confirmation.
 */
import { zoneKey } from '../core/local-time';
import type { Subscriber, SubscriptionChoices } from '../core/model';
import type { Clock, SubscriberStore, SubscriptionStore } from '../core/ports';
import { verifyToken, type SigningKeys } from '../core/tokens';

export interface PreferencesDeps {
  subscribers: SubscriptionStore;
  clock: Clock;
  keys: SigningKeys;
}

export type PreferencesLookup = { ok: true; subscriber: Subscriber } | { ok: false; problem: 'bad-link' | 'unknown' | 'revoked' };

/** Reading needs only `getById`, so a page that only shows can pass a plain subscriber store. */
export async function findByPreferencesToken(
  deps: Omit<PreferencesDeps, 'subscribers'> & { subscribers: Pick<SubscriberStore, 'getById'> },
  token: unknown,
): Promise<PreferencesLookup> {
  const check = verifyToken(deps.keys, token, 'preferences', deps.clock.now());
  if (!check.ok) return { ok: false, problem: 'bad-link' };
  const s = await deps.subscribers.getById(check.subscriberId);
  if (!s) return { ok: false, problem: 'unknown' };
  // `subscribers revoke-links` turned off the links of older mail.
  if (check.linkVersion !== (s.linkVersion ?? 0)) return { ok: false, problem: 'revoked' };
  return { ok: true, subscriber: s };
}

export type UpdatePreferencesResult =
  | { status: 'saved'; subscriber: Subscriber }
  | { status: 'not-subscribed'; subscriber: Subscriber }
  | { status: 'refused'; problem: 'bad-link' | 'unknown' | 'revoked' };

export async function updatePreferences(
  deps: PreferencesDeps,
  token: unknown,
  choices: SubscriptionChoices,
): Promise<UpdatePreferencesResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findByPreferencesToken(deps, token);
    if (!found.ok) return { status: 'refused', problem: found.problem };
    const s = found.subscriber;
    if (s.status !== 'confirmed' || s.suppressed) return { status: 'not-subscribed', subscriber: s };
    const now = deps.clock.now().toISOString();
    // A move to another zone is dated, so local-time delivery can serve a reader who moved
    // into a zone whose hour had already passed (plan-local-time.ts, the closing sweep).
    const moved = zoneKey(choices.timezone) !== zoneKey(s.timezone) ? { zoneChangedAt: now } : {};
    const saved = await deps.subscribers.change(
      s,
      { ...choices, ...moved, preferencesUpdatedAt: now },
      { expect: { status: 'confirmed' } },
    );
    if (saved) return { status: 'saved', subscriber: saved };
  }
  throw new Error('preferences: the subscriber kept changing; try again');
}

/**
 * How long after leaving a reader may come back from a link in their own mail. Links never
 * expire, and a message may be forwarded or archived: after this the reader subscribes again
 * on the subscribe page, with a confirmation.
 */
export const UNDO_WINDOW_MS = 30 * 24 * 60 * 60_000;

/**
 * Whether a reader may come back from the preferences page: they left (not suppressed) after
 * having been confirmed, within {@link UNDO_WINDOW_MS}.
 */
export const canResubscribe = (s: Subscriber, now: Date) =>
  s.status === 'unsubscribed' &&
  !s.suppressed &&
  Boolean(s.confirmedAt) &&
  s.unsubscribedAt !== undefined &&
  now.getTime() - Date.parse(s.unsubscribedAt) <= UNDO_WINDOW_MS;

/**
 * "Subscribe again" on the preferences page, for a reader who unsubscribed: the link came in
 * their own mail, which proves the address as a confirmation link does, so it needs no new
 * confirmation and no cooling period (that period stops strangers' sign-ups, not the reader).
 * Only a reader who was confirmed before and left less than 30 days ago ({@link UNDO_WINDOW_MS}:
 * an old forwarded or archived message cannot bring back someone who left long ago); a declined
 * sign-up, a suppressed address or a revoked link is refused. The consent record keeps the original and notes this renewal.
 */
export async function resubscribe(
  deps: PreferencesDeps,
  token: unknown,
  choices: SubscriptionChoices,
  meta: { ip: string; userAgent: string },
): Promise<UpdatePreferencesResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findByPreferencesToken(deps, token);
    if (!found.ok) return { status: 'refused', problem: found.problem };
    const s = found.subscriber;
    if (!canResubscribe(s, deps.clock.now())) return { status: 'not-subscribed', subscriber: s };
    const now = deps.clock.now().toISOString();
    const moved = zoneKey(choices.timezone) !== zoneKey(s.timezone) ? { zoneChangedAt: now } : {};
    const consent = s.consent
      ? { ...s.consent, renewedAt: now, renewedIp: meta.ip.slice(0, 64), renewedUserAgent: meta.userAgent.slice(0, 300) }
      : undefined;
    const saved = await deps.subscribers.change(
      s,
      { ...choices, ...moved, status: 'confirmed', preferencesUpdatedAt: now, ...(consent ? { consent } : {}) },
      {
        remove: ['unsubscribedAt', 'resubscription', 'confirmTokenHash', 'confirmExpiresAt'],
        expect: { status: 'unsubscribed', suppressed: null },
      },
    );
    if (saved) return { status: 'saved', subscriber: saved };
  }
  throw new Error('preferences: the subscriber kept changing; try again');
}
