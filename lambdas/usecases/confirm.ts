/**
 * The confirmation of a web sign-up (see subscribe.ts for the request): `confirm` proves the
 * address by the token's signature, purpose, expiry and link version, then the nonce's hash
 * against the one stored (so a link works once and only the latest one works); the welcome goes
 * through the sign-up queue.
 */
import { maskEmail } from '../core/address';
import { zoneKey } from '../core/local-time';
import type { ConsentRecord, Subscriber } from '../core/model';
import type { SignupQueue } from '../core/ports';
import { nonceHash, sameHash, verifyToken } from '../core/tokens';
import { clip, type RequestMeta, type SubscriptionDeps } from './subscribe';

export type TokenProblem = 'bad-link' | 'expired' | 'used' | 'revoked';

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
  if (check.linkVersion !== (s.linkVersion ?? 0)) return { ok: false, problem: 'revoked' };
  const hash = nonceHash(check.nonce);
  if (!sameHash(s.confirmTokenHash, hash)) return { ok: false, problem: 'used', alreadyConfirmed: s.status === 'confirmed' };
  if (s.confirmExpiresAt && Date.parse(s.confirmExpiresAt) < deps.clock.now().getTime()) return { ok: false, problem: 'expired' };
  return { ok: true, subscriber: s, hash };
}

export type ConfirmResult =
  | { status: 'confirmed'; subscriber: Subscriber; welcomeQueued: boolean }
  | { status: 'refused'; problem: TokenProblem; alreadyConfirmed?: boolean };

/** What the confirmation POST needs: the store, and the queue the welcome goes through. */
export interface ConfirmDeps extends Pick<SubscriptionDeps, 'subscribers' | 'clock' | 'keys' | 'log'> {
  signups: SignupQueue;
}

/** The confirmation POST: confirm, record how, and queue the welcome message. */
export async function confirm(deps: ConfirmDeps, token: unknown, meta: RequestMeta): Promise<ConfirmResult> {
  const check = await checkConfirmToken(deps, token);
  if (!check.ok) return { status: 'refused', problem: check.problem, alreadyConfirmed: check.alreadyConfirmed };
  const s = check.subscriber;
  if (s.suppressed) return { status: 'refused', problem: 'bad-link' };
  const at = deps.clock.now().toISOString();
  const proof = { confirmedAt: at, confirmedIp: clip(meta.ip, 64), confirmedUserAgent: clip(meta.userAgent, 300) };
  // A reader who had said no and signed up again: what that sign-up asked for takes effect now.
  const re = s.resubscription;
  const base = re?.consent ?? s.consent;
  const consent: ConsentRecord | undefined = base ? { ...base, ...proof } : undefined;
  // The consent a new sign-up replaces is kept, as every consent record is.
  const previousConsents = re && s.consent ? { previousConsents: [...(s.previousConsents ?? []), s.consent] } : {};
  const moved = re && zoneKey(re.choices.timezone) !== zoneKey(s.timezone) ? { zoneChangedAt: at } : {};
  const confirmed = await deps.subscribers.change(
    s,
    {
      status: 'confirmed',
      confirmedAt: at,
      ...(consent ? { consent } : {}),
      ...previousConsents,
      softBounces: 0,
      ...(re ? { ...re.choices, ...moved, ...(re.emailAsTyped ? { emailAsTyped: re.emailAsTyped } : {}) } : {}),
    },
    {
      remove: [
        'confirmTokenHash',
        'confirmExpiresAt',
        'unsubscribedAt',
        'welcomedAt',
        'welcomeMessageId',
        'resubscription',
        'declinedAt',
        ...(re && !re.emailAsTyped && s.emailAsTyped ? (['emailAsTyped'] as const) : []),
      ],
      expect: { confirmTokenHash: check.hash },
    },
  );
  // Someone used the same link a moment earlier.
  if (!confirmed) return { status: 'refused', problem: 'used', alreadyConfirmed: true };
  deps.log?.('confirmed', { email: maskEmail(s.email) });
  try {
    await deps.signups.enqueue({ kind: 'welcome', subscriberId: confirmed.subscriberId, at });
  } catch (e) {
    // The reader is confirmed either way; the welcome is the one thing lost, and the page says so.
    deps.log?.('welcome not queued', { error: (e as Error).name, email: maskEmail(s.email) });
    return { status: 'confirmed', subscriber: confirmed, welcomeQueued: false };
  }
  return { status: 'confirmed', subscriber: confirmed, welcomeQueued: true };
}
