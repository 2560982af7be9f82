/**
 * Web sign-up with double opt-in, and its confirmation. Two halves, on two functions:
 *
 * `requestSignup` (the API, on `POST /subscribe`) checks the address and the choices and puts
 * the sign-up on the sign-up queue. It reads nothing about the address, so its answer, and the
 * time it takes, are the same for a new, pending, confirmed, unsubscribed, suppressed or erased
 * address. Only a malformed address or bad choices are refused, which says nothing about the list.
 *
 * `subscribe` (the sign-ups function, from the queue) does the rest: a new address is stored as
 * pending and gets a confirmation; a pending one, or one that left long enough ago, gets a fresh
 * confirmation; a confirmed, suppressed or erased one gets nothing; one that declined a sign-up
 * or unsubscribed within the cooling period (`signupCoolingDays`, 30 days) gets nothing, and so
 * does any other form of an inbox that said no (inbox-keep-out.ts: a `+tag`, Gmail's dots); and
 * whatever the state, a mailbox gets at most one confirmation an hour and three a day (the
 * limit is kept in DynamoDB, so it holds across function instances).
 *
 * `confirm` (confirm.ts) proves the address; the welcome it queues is sent by `welcome` here.
 */
import { randomUUID } from 'node:crypto';
import {
  erasureDigests,
  InvalidAddressError,
  mailboxDigest,
  maskEmail,
  normaliseEmail,
  signupAddressProblem,
  type AddressDigest,
} from '../core/address';
import { addressFields } from '../core/keys';
import type { ConsentRecord, Subscriber, SubscriptionChoices } from '../core/model';
import type { Clock, ContentStore, Mailer, RateLimiter, SignupQueue, SubscriptionStore } from '../core/ports';
import { ADDRESS_RULES } from '../core/sign-up-limits';
import { CONSENT_WORDING } from '../core/subscription';
import { newConfirmToken, type SigningKeys } from '../core/tokens';
import { inboxSaidNo } from './inbox-keep-out';
import { sendConfirmation, sendWelcome } from './subscription-mail';
import type { MailSettings } from '../core/mail-settings';
import type { NewsletterSettings } from '../core/topics';

/** A confirmation is re-sent to the same address at most this often (the mailbox limit's first rule). */
export const RESEND_AFTER_MS = ADDRESS_RULES[0].windowMs;

/**
 * A confirmation claimed (`confirmationSentAt`) this long ago and never recorded as sent
 * (`confirmationMessageId`) was abandoned: the invocation that claimed it died before SES
 * answered. Longer than the sign-ups function's timeout (30 s), shorter than the queue's
 * visibility timeout (six times that), after which SQS redelivers the job.
 */
export const CONFIRMATION_LEASE_MS = 2 * 60_000;

/** After a reader declines a sign-up or unsubscribes, web sign-ups send them nothing for this long. @default 30 days */
export const DEFAULT_COOLING_MS = 30 * 24 * 60 * 60_000;

export interface SubscriptionDeps {
  subscribers: SubscriptionStore;
  mailer: Mailer;
  clock: Clock;
  keys: SigningKeys;
  mail: MailSettings;
  /** Keyed digests of addresses: erasure markers and the mailbox limit's keys. */
  digest: AddressDigest;
  /** Confirmations per mailbox (core/sign-up-limits.ts ADDRESS_RULES); none: only the per-item resend time applies. */
  mailboxLimit?: RateLimiter;
  /** See {@link DEFAULT_COOLING_MS}. */
  coolingMs?: number;
  /** Local mode: addresses at reserved domains (.test, .example, ...) may sign up. @default false */
  allowReservedDomains?: boolean;
  /** Where the welcome finds the latest issue to link; without it the welcome links the archive only. */
  content?: Pick<ContentStore, 'latestIssue'>;
  /**
   * The newsletter's settings (usecases/newsletter-settings.ts): the confirmation and the welcome
   * name topics by their labels. @default the ids written as titles
   */
  settings?: () => Promise<NewsletterSettings>;
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
  /** When the request arrived (the consent record's time). @default now */
  at?: Date;
}

export type SubscribeResult = { status: 'accepted' } | { status: 'invalid-address'; reason: string };

/** What actually happened, for logs and tests; never shown to the requester. */
export type SubscribeOutcome =
  | 'queued'
  | 'created'
  | 'resent'
  | 'too-soon'
  | 'limited'
  | 'cooling'
  | 'already-confirmed'
  | 'suppressed'
  | 'erased'
  | 'left-elsewhere'
  | 'honeypot'
  | 'mail-failed';

export const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** The address as stored and mailed, or why it may not sign up (the same check for the API, the function, add and import). */
export function checkSignupAddress(
  input: string,
  options: { allowReservedDomains?: boolean },
): { ok: true; email: string } | { ok: false; reason: string } {
  let email: string;
  try {
    email = normaliseEmail(input);
  } catch (e) {
    if (e instanceof InvalidAddressError) return { ok: false, reason: e.reason };
    throw e;
  }
  const problem = signupAddressProblem(email, options);
  return problem ? { ok: false, reason: problem } : { ok: true, email };
}

/**
 * The API's half: check the address, then queue the sign-up (a filled honeypot is answered the
 * same and queues nothing). Reads and writes nothing about the address.
 */
export async function requestSignup(
  deps: { signups: SignupQueue; clock: Clock; allowReservedDomains?: boolean },
  req: SubscribeRequest,
): Promise<SubscribeResult & { outcome?: SubscribeOutcome }> {
  const checked = checkSignupAddress(req.email, deps);
  if (!checked.ok) return { status: 'invalid-address', reason: checked.reason };
  if (req.honeypot) return { status: 'accepted', outcome: 'honeypot' };
  await deps.signups.enqueue({
    kind: 'subscribe',
    email: checked.email,
    choices: req.choices,
    meta: req.meta,
    at: (req.at ?? deps.clock.now()).toISOString(),
  });
  return { status: 'accepted', outcome: 'queued' };
}

/** The sign-ups function's half: see the module comment. */
export async function subscribe(deps: SubscriptionDeps, req: SubscribeRequest): Promise<SubscribeResult & { outcome?: SubscribeOutcome }> {
  const checked = checkSignupAddress(req.email, deps);
  if (!checked.ok) return { status: 'invalid-address', reason: checked.reason };
  const email = checked.email;
  const accepted = (outcome: SubscribeOutcome) => {
    deps.log?.('subscribe', { outcome, email: maskEmail(email) });
    return { status: 'accepted' as const, outcome };
  };
  if (req.honeypot) return accepted('honeypot');
  // Erased, or skipped by an import because the tool it came from says the reader left there.
  const marker = await deps.subscribers.isErased(erasureDigests(email, deps.digest));
  if (marker) return accepted(marker.saidNo ? 'left-elsewhere' : 'erased');
  const key = addressFields(email).email;

  const now = deps.clock.now();
  const consent: ConsentRecord = {
    at: (req.at ?? now).toISOString(),
    page: clip(req.meta.page, 300),
    ip: clip(req.meta.ip, 64),
    userAgent: clip(req.meta.userAgent, 300),
    wording: CONSENT_WORDING,
  };
  const coolingMs = deps.coolingMs ?? DEFAULT_COOLING_MS;
  // Another form of an inbox that said no (`bob+news@` after `bob@` complained, unsubscribed or
  // was erased; `jsmith@gmail.com` after `j.smith+x@gmail.com`) gets no confirmation either. The
  // requester sees nothing of it: the API answered before this function ran.
  const no = await inboxSaidNo(deps, email);
  if (no?.kind === 'erased') return accepted('erased');
  if (no?.kind === 'left') return accepted('left-elsewhere');
  if (no?.kind === 'suppressed') return accepted('suppressed');
  if (no?.kind === 'unsubscribed' && no.members.some((m) => now.getTime() - quietSinceOf(m) < coolingMs)) return accepted('cooling');
  // The mailbox limit's key (core/address.ts mailboxDigest).
  const mailbox = mailboxDigest(key, deps.digest);

  // A write of this call whose answer was lost (a retry of it then finds its own item): the
  // confirmation it made, so it is sent instead of taken for someone else's.
  let mine: { confirm: ReturnType<typeof newConfirmToken>; outcome: SubscribeOutcome } | undefined;
  // Whether this call holds a slot of the mailbox limit it has not used yet.
  let holding = false;
  const release = async () => {
    if (holding) await deps.mailboxLimit?.giveBack?.(mailbox);
    holding = false;
  };
  const takeSlot = async () => {
    if (holding || !deps.mailboxLimit) return true;
    holding = await deps.mailboxLimit.take(mailbox);
    return holding;
  };

  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await deps.subscribers.getByEmail(email);
    if (existing && mine && existing.confirmTokenHash === mine.confirm.hash)
      return accepted(await mailConfirmation(deps, existing, mine.confirm, mine.outcome, mailbox));
    if (!existing) {
      if (!(await takeSlot())) return accepted('limited');
      const subscriberId = randomUUID();
      const confirm = newConfirmToken(deps.keys, { subscriberId, now });
      const pending: Subscriber = {
        subscriberId,
        ...addressFields(email),
        status: 'pending',
        ...req.choices,
        source: 'web',
        createdAt: now.toISOString(),
        consent,
        confirmTokenHash: confirm.hash,
        confirmExpiresAt: confirm.expiresAt.toISOString(),
        confirmationSentAt: now.toISOString(),
      };
      // Lost a race with another request for the same address (or our own write's answer was
      // lost): go round and see whose item it is.
      if (!(await deps.subscribers.create(pending))) {
        mine = { confirm, outcome: 'created' };
        continue;
      }
      return accepted(await mailConfirmation(deps, pending, confirm, 'created', mailbox));
    }
    // Someone else's item: a slot taken for our own write goes back.
    await release();
    mine = undefined;
    if (existing.suppressed) return accepted('suppressed');
    if (existing.status === 'confirmed') return accepted('already-confirmed');
    // A "no" lasts: a declined sign-up or an unsubscribe is not undone by a stranger's form. The
    // cooling period runs from the no, and again from each confirmation sent since (so an address
    // that said no gets at most one confirmation a period, however often it is signed up).
    const leaving = existing.status === 'unsubscribed';
    const quietSince = quietSinceOf(existing);
    const lastSent = existing.confirmationSentAt ? Date.parse(existing.confirmationSentAt) : 0;
    // A confirmation claimed but never recorded as sent, longer ago than any invocation runs: the
    // function that claimed it died (a timeout) before SES answered. The queue's redelivery sends
    // it now, in the slot that attempt took; a second copy is possible, a lost link is not.
    const waiting = existing.status === 'pending' || existing.resubscription !== undefined;
    const abandoned = waiting && lastSent > 0 && !existing.confirmationMessageId && now.getTime() - lastSent > CONFIRMATION_LEASE_MS;
    if (!abandoned) {
      if (leaving && now.getTime() - quietSince < coolingMs) return accepted('cooling');
      if (now.getTime() - lastSent < RESEND_AFTER_MS) return accepted('too-soon');
      if (!(await takeSlot())) return accepted('limited');
    }
    const confirm = newConfirmToken(deps.keys, { subscriberId: existing.subscriberId, now, linkVersion: existing.linkVersion });
    // The address as typed this time is where this confirmation (and, once confirmed, the mail) goes.
    const typed = addressFields(email).emailAsTyped;
    const link = {
      confirmTokenHash: confirm.hash,
      confirmExpiresAt: confirm.expiresAt.toISOString(),
      confirmationSentAt: now.toISOString(),
    };
    const expect = { status: existing.status, confirmationSentAt: existing.confirmationSentAt ?? null };
    const updated = leaving
      ? // Someone who said no: what this sign-up asks for waits beside the reader, untouched, until confirmed.
        await deps.subscribers.change(
          existing,
          { ...link, resubscription: { choices: req.choices, consent, ...(typed ? { emailAsTyped: typed } : {}) } },
          { remove: ['confirmationMessageId'], expect },
        )
      : // A sign-up nobody has confirmed yet: the newest request's choices and consent.
        await deps.subscribers.change(
          existing,
          { status: 'pending', ...req.choices, consent, ...link, ...(typed ? { emailAsTyped: typed } : {}) },
          {
            remove: [...(typed || existing.emailAsTyped === undefined ? [] : (['emailAsTyped'] as const)), 'confirmationMessageId'],
            expect,
          },
        );
    if (!updated) {
      mine = { confirm, outcome: 'resent' };
      continue;
    }
    // The confirmation goes to the address as typed in this sign-up.
    if (leaving) updated.emailAsTyped = typed;
    return accepted(await mailConfirmation(deps, updated, confirm, 'resent', mailbox));
  }
  // Three lost races in a row: someone else is handling this address right now.
  await release();
  return accepted('too-soon');
}

/**
 * When the cooling period of an address that said no starts: its latest no (leaving, or declining
 * a sign-up made since) or the latest confirmation sent to it since, whichever came last.
 */
function quietSinceOf(s: Pick<Subscriber, 'status' | 'unsubscribedAt' | 'declinedAt' | 'confirmationSentAt'>): number {
  const at = (v?: string) => (v ? Date.parse(v) : 0);
  return Math.max(at(s.unsubscribedAt), at(s.declinedAt), s.status === 'unsubscribed' ? at(s.confirmationSentAt) : 0);
}

async function mailConfirmation(
  deps: SubscriptionDeps,
  s: Subscriber,
  confirm: { token: string; hash: string; expiresAt: Date },
  outcome: SubscribeOutcome,
  mailbox: string,
): Promise<SubscribeOutcome> {
  let messageId: string;
  try {
    messageId = (await sendConfirmation(deps, s, confirm, deps.clock.now())).messageId;
  } catch (e) {
    // Nothing went out: forget the send time and give the mailbox's slot back, so a retry of
    // the job (the queue redelivers it) or the reader's next try sends at once.
    deps.log?.('confirmation not sent', { error: (e as Error).name, email: maskEmail(s.email) });
    await deps.subscribers.change(s, {}, { remove: ['confirmationSentAt'], expect: { confirmTokenHash: confirm.hash } });
    await deps.mailboxLimit?.giveBack?.(mailbox);
    return 'mail-failed';
  }
  // Sent: from now on a redelivery of the job is "too soon", never "abandoned".
  await deps.subscribers.change(s, { confirmationMessageId: messageId }, { expect: { confirmTokenHash: confirm.hash } });
  return outcome;
}

/**
 * The sign-ups function's welcome, once an address is confirmed: sent once per confirmation
 * (`welcomedAt` is claimed with a conditional write before sending, and given back when the
 * send fails, so the queue's retry sends it), and only while the reader is still confirmed.
 */
export async function welcome(deps: SubscriptionDeps, subscriberId: string): Promise<'sent' | 'already-sent' | 'not-confirmed'> {
  const s = await deps.subscribers.getById(subscriberId);
  if (!s || s.status !== 'confirmed' || s.suppressed) return 'not-confirmed';
  const now = deps.clock.now();
  // Claimed but never recorded as sent, longer ago than any invocation runs: the claimer died
  // before SES answered (see CONFIRMATION_LEASE_MS); this redelivery sends it.
  const abandoned = s.welcomedAt !== undefined && !s.welcomeMessageId && now.getTime() - Date.parse(s.welcomedAt) > CONFIRMATION_LEASE_MS;
  if (s.welcomedAt && !abandoned) return 'already-sent';
  const claimed = await deps.subscribers.change(
    s,
    { welcomedAt: now.toISOString() },
    { expect: { welcomedAt: s.welcomedAt ?? null, status: 'confirmed' } },
  );
  if (!claimed) return 'already-sent';
  let messageId: string;
  try {
    messageId = (await sendWelcome(deps, claimed, now)).messageId;
  } catch (e) {
    await deps.subscribers.change(claimed, {}, { remove: ['welcomedAt'], expect: { welcomedAt: claimed.welcomedAt } });
    throw e;
  }
  await deps.subscribers.change(claimed, { welcomeMessageId: messageId }, { expect: { welcomedAt: claimed.welcomedAt } });
  deps.log?.('welcomed', { email: maskEmail(s.email) });
  return 'sent';
}
