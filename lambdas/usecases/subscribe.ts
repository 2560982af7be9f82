/**
 * Web sign-up with double opt-in, and its confirmation.
 *
 * `subscribe` answers the same (`accepted`) for a new, pending, confirmed, unsubscribed,
 * suppressed or erased address, so the answer never tells whether an address is known. What
 * it does differs: a new address is stored as pending and gets a confirmation; a pending or
 * unsubscribed one gets a fresh confirmation at most once per {@link RESEND_AFTER_MS}; a
 * confirmed, suppressed or erased one gets nothing. Only a malformed address or bad choices
 * are refused, which says nothing about the list.
 *
 * `confirm` proves the address: the token's signature, purpose and expiry, then the nonce's
 * hash against the one stored (so a link works once and only the latest one works).
 */
import { randomUUID } from 'node:crypto';
import { addressHash, InvalidAddressError, maskEmail, normaliseEmail } from '../core/address';
import type { ConsentRecord, Subscriber, SubscriptionChoices } from '../core/model';
import type { Clock, ContentStore, Mailer, SubscriptionStore } from '../core/ports';
import { CONSENT_WORDING } from '../core/subscription';
import { newConfirmToken, nonceHash, sameHash, verifyToken, type SigningKeys } from '../core/tokens';
import { sendConfirmation, sendWelcome, type MailSettings } from './subscription-mail';

/** A confirmation is re-sent to the same address at most this often. */
export const RESEND_AFTER_MS = 10 * 60_000;

export interface SubscriptionDeps {
  subscribers: SubscriptionStore;
  mailer: Mailer;
  clock: Clock;
  keys: SigningKeys;
  mail: MailSettings;
  /** Where the welcome finds the latest issue to link; without it the welcome links the archive only. */
  content?: Pick<ContentStore, 'latestIssue'>;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** Where a request came from, for the consent record. */
export interface RequestMeta {
  page: string;
  ip: string;
  userAgent: string;
}

export interface SubscribeRequest {
  email: string;
  choices: SubscriptionChoices;
  meta: RequestMeta;
  /** The honeypot field's value: people leave it empty. */
  honeypot?: string;
}

export type SubscribeResult = { status: 'accepted' } | { status: 'invalid-address'; reason: string };

/** What actually happened, for logs and tests; never shown to the requester. */
export type SubscribeOutcome = 'created' | 'resent' | 'too-soon' | 'already-confirmed' | 'suppressed' | 'erased' | 'honeypot' | 'mail-failed';

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

export async function subscribe(deps: SubscriptionDeps, req: SubscribeRequest): Promise<SubscribeResult & { outcome?: SubscribeOutcome }> {
  let email: string;
  try {
    email = normaliseEmail(req.email);
  } catch (e) {
    if (e instanceof InvalidAddressError) return { status: 'invalid-address', reason: e.reason };
    throw e;
  }
  const accepted = (outcome: SubscribeOutcome) => {
    deps.log?.('subscribe', { outcome, email: maskEmail(email) });
    return { status: 'accepted' as const, outcome };
  };
  if (req.honeypot) return accepted('honeypot');
  if (await deps.subscribers.isErased(addressHash(email))) return accepted('erased');

  const now = deps.clock.now();
  const consent: ConsentRecord = {
    at: now.toISOString(),
    page: clip(req.meta.page, 300),
    ip: clip(req.meta.ip, 64),
    userAgent: clip(req.meta.userAgent, 300),
    wording: CONSENT_WORDING,
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await deps.subscribers.getByEmail(email);
    if (!existing) {
      const subscriberId = randomUUID();
      const confirm = newConfirmToken(deps.keys, { subscriberId, now });
      const pending: Subscriber = {
        subscriberId,
        email,
        status: 'pending',
        ...req.choices,
        source: 'web',
        createdAt: now.toISOString(),
        consent,
        confirmTokenHash: confirm.hash,
        confirmExpiresAt: confirm.expiresAt.toISOString(),
        confirmationSentAt: now.toISOString(),
      };
      // Lost a race with another request for the same address: go round and treat it as known.
      if (!(await deps.subscribers.create(pending))) continue;
      return accepted(await mailConfirmation(deps, pending, confirm, 'created'));
    }
    if (existing.suppressed) return accepted('suppressed');
    if (existing.status === 'confirmed') return accepted('already-confirmed');
    const lastSent = existing.confirmationSentAt ? Date.parse(existing.confirmationSentAt) : 0;
    if (now.getTime() - lastSent < RESEND_AFTER_MS) return accepted('too-soon');
    const confirm = newConfirmToken(deps.keys, { subscriberId: existing.subscriberId, now });
    // Re-subscribing after leaving: the reader's new choices and consent wait for the new confirmation.
    const updated = await deps.subscribers.change(
      existing,
      {
        status: 'pending',
        ...req.choices,
        consent,
        confirmTokenHash: confirm.hash,
        confirmExpiresAt: confirm.expiresAt.toISOString(),
        confirmationSentAt: now.toISOString(),
      },
      { expect: { status: existing.status, confirmationSentAt: existing.confirmationSentAt ?? null } },
    );
    if (!updated) continue;
    return accepted(await mailConfirmation(deps, updated, confirm, 'resent'));
  }
  // Three lost races in a row: someone else is handling this address right now.
  return accepted('too-soon');
}

async function mailConfirmation(deps: SubscriptionDeps, s: Subscriber, confirm: { token: string; expiresAt: Date }, outcome: SubscribeOutcome): Promise<SubscribeOutcome> {
  try {
    await sendConfirmation(deps, s, confirm, deps.clock.now());
    return outcome;
  } catch (e) {
    // The answer stays the same; forgetting the send time lets the reader try again at once.
    deps.log?.('confirmation not sent', { error: (e as Error).name, email: maskEmail(s.email) });
    await deps.subscribers.change(s, {}, { remove: ['confirmationSentAt'], expect: { confirmTokenHash: s.confirmTokenHash } });
    return 'mail-failed';
  }
}

export type TokenProblem = 'bad-link' | 'expired' | 'used';

/** Check a confirmation link without changing anything (the GET page). */
export async function checkConfirmToken(
  deps: Pick<SubscriptionDeps, 'subscribers' | 'clock' | 'keys'>,
  token: unknown,
): Promise<{ ok: true; subscriber: Subscriber; hash: string } | { ok: false; problem: TokenProblem; alreadyConfirmed?: boolean }> {
  const check = verifyToken(deps.keys, token, 'confirm', deps.clock.now());
  if (!check.ok) return { ok: false, problem: check.reason === 'expired' ? 'expired' : 'bad-link' };
  if (!check.nonce) return { ok: false, problem: 'bad-link' };
  const s = await deps.subscribers.getById(check.subscriberId);
  if (!s) return { ok: false, problem: 'bad-link' };
  const hash = nonceHash(check.nonce);
  if (!sameHash(s.confirmTokenHash, hash)) return { ok: false, problem: 'used', alreadyConfirmed: s.status === 'confirmed' };
  if (s.confirmExpiresAt && Date.parse(s.confirmExpiresAt) < deps.clock.now().getTime()) return { ok: false, problem: 'expired' };
  return { ok: true, subscriber: s, hash };
}

export type ConfirmResult = { status: 'confirmed'; subscriber: Subscriber } | { status: 'refused'; problem: TokenProblem; alreadyConfirmed?: boolean };

/** The confirmation POST: confirm, record how, send the welcome message. */
export async function confirm(deps: SubscriptionDeps, token: unknown, meta: RequestMeta): Promise<ConfirmResult> {
  const check = await checkConfirmToken(deps, token);
  if (!check.ok) return { status: 'refused', problem: check.problem, alreadyConfirmed: check.alreadyConfirmed };
  const s = check.subscriber;
  if (s.suppressed) return { status: 'refused', problem: 'bad-link' };
  const at = deps.clock.now().toISOString();
  const consent: ConsentRecord | undefined = s.consent ? { ...s.consent, confirmedAt: at, confirmedIp: clip(meta.ip, 64), confirmedUserAgent: clip(meta.userAgent, 300) } : undefined;
  const confirmed = await deps.subscribers.change(
    s,
    { status: 'confirmed', confirmedAt: at, ...(consent ? { consent } : {}), softBounces: 0 },
    { remove: ['confirmTokenHash', 'confirmExpiresAt', 'unsubscribedAt'], expect: { confirmTokenHash: check.hash } },
  );
  // Someone used the same link a moment earlier.
  if (!confirmed) return { status: 'refused', problem: 'used', alreadyConfirmed: true };
  deps.log?.('confirmed', { email: maskEmail(s.email) });
  try {
    await sendWelcome(deps, confirmed, deps.clock.now());
  } catch (e) {
    deps.log?.('welcome not sent', { error: (e as Error).name, email: maskEmail(s.email) });
  }
  return { status: 'confirmed', subscriber: confirmed };
}
