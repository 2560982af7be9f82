/**
 * Adding subscribers by hand and by CSV import (the web sign-up with double opt-in is
 * subscribe.ts). The operator vouches for the addresses: a new one is stored confirmed.
 *
 * An address already stored is merged into (a conditional UpdateItem on what was read), never
 * replaced: the consent record, `confirmedAt` and `source` of a web sign-up survive, and only the
 * choices the operator gave change. A pending sign-up is confirmed. An address that said no
 * (unsubscribed, or declined a sign-up), was suppressed (bounce, complaint) or was erased is
 * kept out, whatever capitals it is typed in, and so is any other form of its inbox (a `+tag`,
 * Gmail's dots: inbox-keep-out.ts), unless the operator says the reader agreed again
 * (`resubscribe`, the `--resubscribe` flag); the import report counts each kind. An address an
 * import skipped because its source tool says the reader left is kept out the same way
 * (`kept-left`: a marker with the reason, import-subscribers.ts).
 */
import { randomUUID } from 'node:crypto';
import { addressKey, erasureDigests, mailboxDigest, normaliseEmail, signupAddressProblem, type AddressDigest } from '../core/address';
import type { InboxMember } from '../core/inbox';
import { addressFields, erasedKey } from '../core/keys';
import type { Subscriber, SubscriberSource, SubscriptionChoices } from '../core/model';
import type { Clock, SubscriptionStore } from '../core/ports';
import { readName } from '../core/subscriber-name';
import { knownZone } from '../core/subscription';
import { checkTopics, FALLBACK_SETTINGS, type TopicList } from '../core/topics';
import { inboxSaidNo } from './inbox-keep-out';

const TOPIC = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface NewSubscriber {
  email: string;
  digest?: boolean;
  alerts?: boolean;
  topics?: string[];
  timezone?: string;
  /** The reader's name (imports): kept, shown nowhere yet. */
  name?: string;
}

export interface OperatorDeps {
  subscribers: SubscriptionStore;
  clock: Clock;
  /** Keyed digests of addresses: the erasure markers. */
  digest: AddressDigest;
}

export interface OperatorOptions {
  /**
   * Bring back an address that unsubscribed, was suppressed or was erased, because the reader
   * agreed again (the operator holds that consent). @default false
   */
  resubscribe?: boolean;
  /** Local mode: addresses at reserved domains (.test, .example, ...) are accepted. @default false */
  allowReservedDomains?: boolean;
  /** The newsletter's published settings: the topics an address may choose. @default the topics offered before any were published */
  settings?: TopicList;
}

/** What adding one address did. `kept-*`: it was kept out (see {@link OperatorOptions.resubscribe}). */
export type AddOutcome =
  'added' | 'updated' | 'unchanged' | 'confirmed' | 'resubscribed' | 'kept-unsubscribed' | 'kept-suppressed' | 'kept-erased' | 'kept-left';

const NOTHING_CHOSEN = 'choose the weekly digest, breaking alerts, or both (a subscriber with neither would get nothing)';

/** An address the operator may not add, with the reason (a bad address, topic or zone). */
export class OperatorInputError extends Error {
  name = 'OperatorInputError';
}

/** What the operator gave: choices, and a name. */
type Given = Partial<SubscriptionChoices> & { name?: string };

/** Check operator input and return the address as typed (normalised) and the choices given. */
export function readOperatorInput(input: NewSubscriber, options: OperatorOptions = {}): { email: string; given: Given } {
  const email = normaliseEmail(input.email);
  const problem = signupAddressProblem(email, options);
  if (problem) throw new OperatorInputError(`${email}: ${problem}`);
  const given: Given = {};
  if (input.name !== undefined && input.name.trim() !== '') {
    const read = readName(input.name);
    if ('problem' in read) throw new OperatorInputError(read.problem);
    given.name = read.name;
  }
  if (input.topics !== undefined) {
    const badTopic = input.topics.find((t) => !TOPIC.test(t));
    if (badTopic !== undefined) throw new OperatorInputError(`invalid topic ${JSON.stringify(badTopic)}: use lower-case words joined by -`);
    const unknown = checkTopics(options.settings ?? FALLBACK_SETTINGS, input.topics);
    if (unknown) throw new OperatorInputError(unknown);
    given.topics = [...new Set(input.topics)];
  }
  if (input.timezone !== undefined) {
    // Stored as the pages offer it, so the reader's preferences page shows it selected.
    const zone = knownZone(input.timezone);
    if (zone === undefined)
      throw new OperatorInputError(`unknown time zone ${JSON.stringify(input.timezone)}: use an IANA name such as Europe/Brussels`);
    given.timezone = zone;
  }
  if (input.digest !== undefined) given.digest = input.digest;
  if (input.alerts !== undefined) given.alerts = input.alerts;
  return { email, given };
}

/** A new confirmed subscriber from operator input (defaults: the digest, no alerts, every topic, UTC). */
export function confirmedSubscriber(
  input: NewSubscriber,
  source: SubscriberSource,
  now: Date,
  options: OperatorOptions = { allowReservedDomains: true },
): Subscriber {
  const { email, given } = readOperatorInput(input, options);
  const at = now.toISOString();
  return {
    subscriberId: randomUUID(),
    ...addressFields(email),
    status: 'confirmed',
    digest: given.digest ?? true,
    alerts: given.alerts ?? false,
    topics: given.topics ?? [],
    timezone: given.timezone ?? 'UTC',
    ...(given.name !== undefined && { name: given.name }),
    source,
    createdAt: at,
    confirmedAt: at,
  };
}

/**
 * Add one address, or merge into the stored one (see the module comment). Throws
 * {@link OperatorInputError} for bad input; a kept-out address is an outcome, not an error.
 */
export async function upsertSubscriber(
  deps: OperatorDeps,
  input: NewSubscriber,
  source: SubscriberSource,
  options: OperatorOptions = {},
): Promise<{ outcome: AddOutcome; subscriber?: Subscriber; inbox?: string; said?: InboxMember; saidNo?: string }> {
  const { email, given } = readOperatorInput(input, options);
  const now = deps.clock.now();
  // Bringing an address back also brings back its inbox when only another form of it was erased.
  const inboxMarker = mailboxDigest(email, deps.digest);
  const markers = erasureDigests(email, deps.digest);
  const erased = await deps.subscribers.isErased(options.resubscribe ? [...markers, inboxMarker] : markers);
  if (erased?.saidNo && !options.resubscribe) return { outcome: 'kept-left', saidNo: erased.saidNo };
  if (erased && !options.resubscribe) return { outcome: 'kept-erased' };
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await deps.subscribers.getByEmail(email);
    // Only where the address would start receiving: a new one, or a pending sign-up confirmed now.
    if ((!existing || existing.status === 'pending') && !options.resubscribe) {
      const kept = await keptByInbox(deps, email);
      if (kept) return { ...kept, ...(existing ? { subscriber: existing } : {}) };
    }
    if (!existing) {
      const made = confirmedSubscriber(input, source, now, options);
      // Brought back on the reader's new consent: the operator's word is on record.
      const s: Subscriber = erased ? { ...made, reconfirmedAt: now.toISOString(), reconfirmedBy: source } : made;
      if (!s.digest && !s.alerts) throw new OperatorInputError(NOTHING_CHOSEN);
      if (!(await deps.subscribers.create(s))) continue;
      // Brought back on the reader's new consent: the marker would refuse their next sign-up, and
      // the inbox's marker (written by every erasure) every other form of it.
      if (erased) for (const d of new Set([erased.digest, inboxMarker])) await deps.subscribers.remove(erasedKey(d));
      return { outcome: erased ? 'resubscribed' : 'added', subscriber: s };
    }
    const change = mergeInto(existing, given, now, source, options);
    if (change.outcome.startsWith('kept-') || change.outcome === 'unchanged') return { outcome: change.outcome, subscriber: existing };
    const after = { ...existing, ...change.patch };
    if (!after.digest && !after.alerts) throw new OperatorInputError(NOTHING_CHOSEN);
    const saved = await deps.subscribers.change(existing, change.patch, {
      remove: change.remove,
      expect: { status: existing.status, suppressed: existing.suppressed ?? null },
    });
    if (saved) return { outcome: change.outcome, subscriber: saved };
  }
  throw new Error(`${email}: the subscriber kept changing while being added; try again`);
}

/**
 * A new address, or a pending one, that is another form of an inbox that said no (`bob+news@`
 * after `bob@` complained, bounced, unsubscribed or was erased; Gmail's dots, either way round) is
 * kept out as that inbox is, as the web sign-up keeps it out: the mail would reach the same person.
 */
async function keptByInbox(deps: OperatorDeps, email: string): Promise<KeptByInbox | undefined> {
  const no = await inboxSaidNo(deps, email);
  if (!no) return undefined;
  if (no.kind === 'erased') return { outcome: 'kept-erased', inbox: no.inbox };
  if (no.kind === 'left') return { outcome: 'kept-left', inbox: no.inbox, saidNo: no.saidNo };
  if (no.kind === 'suppressed') return { outcome: 'kept-suppressed', said: no.member, inbox: no.inbox };
  return { outcome: 'kept-unsubscribed', said: no.members[0], inbox: no.inbox };
}

type KeptByInbox = { outcome: AddOutcome; said?: InboxMember; inbox: string; saidNo?: string };

/** How operator input merges into a stored subscriber. */
function mergeInto(
  s: Subscriber,
  given: Given,
  now: Date,
  source: SubscriberSource,
  options: OperatorOptions,
): { outcome: AddOutcome; patch: Partial<Subscriber>; remove: (keyof Subscriber)[] } {
  const at = now.toISOString();
  const choices = Object.fromEntries(
    Object.entries(given).filter(([k, v]) => JSON.stringify(s[k as keyof Subscriber]) !== JSON.stringify(v)),
  ) as Partial<Subscriber>;
  if (s.suppressed || s.status === 'unsubscribed') {
    if (!options.resubscribe) return { outcome: s.suppressed ? 'kept-suppressed' : 'kept-unsubscribed', patch: {}, remove: [] };
    return {
      outcome: 'resubscribed',
      patch: {
        ...choices,
        status: 'confirmed',
        confirmedAt: s.confirmedAt ?? at,
        reconfirmedAt: at,
        reconfirmedBy: source,
        softBounces: 0,
      },
      remove: ['suppressed', 'suppressedReason', 'suppressedAt', 'suppressedVia', 'unsubscribedAt', 'confirmTokenHash', 'confirmExpiresAt'],
    };
  }
  if (s.status === 'pending') {
    // The operator vouches for a sign-up that was waiting for its confirmation.
    return {
      outcome: 'confirmed',
      patch: { ...choices, status: 'confirmed', confirmedAt: at, reconfirmedAt: at, reconfirmedBy: source },
      remove: ['confirmTokenHash', 'confirmExpiresAt'],
    };
  }
  return Object.keys(choices).length ? { outcome: 'updated', patch: choices, remove: [] } : { outcome: 'unchanged', patch: {}, remove: [] };
}

/** `subscribers add`: as {@link upsertSubscriber}, but an address kept out is an error that says why and how. */
export async function addSubscriber(
  deps: OperatorDeps,
  input: NewSubscriber,
  source: SubscriberSource = 'cli',
  options: OperatorOptions = {},
): Promise<Subscriber> {
  const r = await upsertSubscriber(deps, input, source, options);
  if (r.subscriber && !r.outcome.startsWith('kept-')) return r.subscriber;
  throw new OperatorInputError(keptMessage(normaliseEmail(input.email), r.outcome, r.said ?? r.subscriber, r.inbox, r.saidNo));
}

/**
 * Why an address was kept out, and what brings it back; `inbox`: the inbox it is another form of,
 * which said no; `saidNo`: where it left (`kept-left`), e.g. "unsubscribed in Mailchimp".
 */
export function keptMessage(
  given: string,
  outcome: AddOutcome,
  stored?: Pick<Subscriber, 'suppressedReason'>,
  inbox?: string,
  saidNo?: string,
): string {
  const same = inbox !== undefined && addressKey(inbox) === addressKey(given);
  const email = inbox ? `${given} (${same ? 'the same inbox' : `the inbox ${inbox}`} under another form)` : given;
  const how = 'add it with --resubscribe only if the reader agreed again';
  if (outcome === 'kept-erased') return `${email} was erased at the reader's request: not added (${how})`;
  if (outcome === 'kept-left') return `${email} ${saidNo ?? 'left the tool it was imported from'} before the import: not added (${how})`;
  if (outcome === 'kept-suppressed') {
    const why =
      stored?.suppressedReason === 'complaint'
        ? 'the reader marked a message as spam'
        : stored?.suppressedReason
          ? 'mail to it bounced: a new consent does not fix a mailbox that does not exist'
          : 'bounce or complaint';
    return `${email} is suppressed (${why}): not added (${how})`;
  }
  return `${email} unsubscribed earlier: not re-added without their own confirmation (${how})`;
}

// The CSV import (each tool's export, --map, the per-line report) lives in its own module.
export { importSubscribers, type ImportReport, type ImportLine } from './import-subscribers';
