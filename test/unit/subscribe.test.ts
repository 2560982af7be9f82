/**
 * The sign-ups function's use-cases (usecases/subscribe.ts `subscribe`, `welcome`) on in-memory
 * ports, for what no emulator can stage: an invocation that dies (a timeout) between claiming a
 * confirmation and SES's answer, and a write whose answer was lost although it was applied.
 * Neither may lose the reader's mail; neither may send it twice while the first may still go.
 */
import type { Subscriber } from '../../lambdas/core/model';
import type { RateLimiter } from '../../lambdas/core/ports';
import { DEFAULT_CHOICES } from '../../lambdas/core/subscription';
import { CONFIRMATION_LEASE_MS, subscribe, welcome, type SubscriptionDeps } from '../../lambdas/usecases/subscribe';
import { canResubscribe, resubscribe, UNDO_WINDOW_MS } from '../../lambdas/usecases/preferences';
import { signToken } from '../../lambdas/core/tokens';
import { testDigest } from '../support/address-key';
import { MemorySubscribers, RecordingMailer } from './fakes';
import { plainSubscriber, senderSettings, signingKeys } from './fixtures';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const meta = { page: 'https://brief.example.org', ip: '198.51.100.7', userAgent: 'Reader/1' };

/** A limit that admits `n` and counts what it was given back. */
function limit(n: number): RateLimiter & { taken: number; given: number } {
  return {
    taken: 0,
    given: 0,
    take() {
      if (this.taken - this.given >= n) return Promise.resolve(false);
      this.taken++;
      return Promise.resolve(true);
    },
    giveBack() {
      this.given++;
      return Promise.resolve();
    },
  };
}

function deps(at: number, over: Partial<SubscriptionDeps> = {}) {
  const subscribers = new MemorySubscribers();
  const mailer = new RecordingMailer();
  const mailboxLimit = limit(1);
  const d: SubscriptionDeps & { subscribers: MemorySubscribers; mailer: RecordingMailer; mailboxLimit: ReturnType<typeof limit> } = {
    subscribers,
    mailer,
    mailboxLimit,
    clock: { now: () => new Date(at) },
    keys: signingKeys,
    mail: senderSettings,
    digest: testDigest,
    ...over,
  } as never;
  return d;
}

const request = (email: string) => ({ email, choices: DEFAULT_CHOICES, meta });

describe('a confirmation whose invocation died before SES answered', () => {
  /** The state an invocation leaves when it dies after claiming the confirmation, before SES's answer. */
  async function abandoned(claimedAgoMs: number) {
    const first = deps(T0);
    // The mailer never answers: the invocation is stopped (Lambda's timeout) while it waits.
    first.mailer.sendRaw = () => new Promise(() => undefined);
    void subscribe(first, request('Ada@example.org'));
    await new Promise((r) => setImmediate(r));
    const stored = first.subscribers.byEmail.get('ada@example.org')!;
    expect(stored).toMatchObject({ status: 'pending', confirmationSentAt: new Date(T0).toISOString() });
    expect(stored.confirmationMessageId).toBeUndefined();
    // The queue redelivers the job later, to an invocation with the same table and limit.
    const later = deps(T0 + claimedAgoMs);
    later.subscribers.byEmail = first.subscribers.byEmail;
    later.mailboxLimit.taken = first.mailboxLimit.taken;
    return later;
  }

  it('is sent by the redelivery once the claim is older than the lease, in the slot already taken', async () => {
    const later = await abandoned(CONFIRMATION_LEASE_MS + 1000);
    const r = await subscribe(later, request('Ada@example.org'));
    expect(r.outcome).toBe('resent');
    expect(later.mailer.sent.map((m) => m.to)).toEqual(['Ada@example.org']);
    expect(later.mailboxLimit.taken).toBe(1);
    expect(later.subscribers.byEmail.get('ada@example.org')!.confirmationMessageId).toBe('m-1');
  });

  it('is not sent again within the lease (the first attempt may still be answered)', async () => {
    const later = await abandoned(CONFIRMATION_LEASE_MS - 1000);
    expect((await subscribe(later, request('Ada@example.org'))).outcome).toBe('too-soon');
    expect(later.mailer.sent).toEqual([]);
  });

  it('a confirmation SES took is never re-sent by a redelivery within the hour', async () => {
    const first = deps(T0);
    expect((await subscribe(first, request('bob@example.org'))).outcome).toBe('created');
    const later = deps(T0 + CONFIRMATION_LEASE_MS + 1000);
    later.subscribers.byEmail = first.subscribers.byEmail;
    expect((await subscribe(later, request('bob@example.org'))).outcome).toBe('too-soon');
    expect(later.mailer.sent).toEqual([]);
  });
});

describe('a write whose answer was lost, though it was applied', () => {
  it('sends the confirmation of its own new item instead of taking it for someone else’s', async () => {
    const d = deps(T0);
    const create = d.subscribers.create.bind(d.subscribers);
    // The bad input: the first create is stored, but its answer reads as "condition failed".
    d.subscribers.create = async (s: Subscriber) => {
      await create(s);
      return false;
    };
    const r = await subscribe(d, request('cy@example.org'));
    expect(r.outcome).toBe('created');
    expect(d.mailer.sent).toHaveLength(1);
    expect(d.mailboxLimit.taken - d.mailboxLimit.given).toBe(1);
  });

  it('gives the slot back when the item is really someone else’s', async () => {
    const d = deps(T0);
    await d.subscribers.create({
      subscriberId: 'other',
      email: 'di@example.org',
      status: 'confirmed',
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'UTC',
      source: 'web',
      createdAt: '',
    });
    const create = d.subscribers.create.bind(d.subscribers);
    d.subscribers.create = async (s: Subscriber) => create(s);
    expect((await subscribe(d, request('di@example.org'))).outcome).toBe('already-confirmed');
    expect(d.mailboxLimit.taken - d.mailboxLimit.given).toBe(0);
  });
});

describe('the welcome', () => {
  const confirmed = (over: Partial<Subscriber> = {}) =>
    plainSubscriber('eve@example.org', { subscriberId: 'w-1', confirmedAt: '2026-12-01T00:00:00.000Z', ...over });

  it('is sent once, and a redelivery after SES took it sends nothing', async () => {
    const d = deps(T0);
    await d.subscribers.create(confirmed());
    expect(await welcome(d, 'w-1')).toBe('sent');
    expect(await welcome(deps(T0 + CONFIRMATION_LEASE_MS * 10, { subscribers: d.subscribers, mailer: d.mailer }), 'w-1')).toBe(
      'already-sent',
    );
    expect(d.mailer.sent).toHaveLength(1);
  });

  it('claimed by an invocation that died is sent by the redelivery after the lease, not before', async () => {
    const d = deps(T0);
    await d.subscribers.create(confirmed({ welcomedAt: new Date(T0).toISOString() }));
    expect(await welcome(deps(T0 + CONFIRMATION_LEASE_MS - 1000, { subscribers: d.subscribers, mailer: d.mailer }), 'w-1')).toBe(
      'already-sent',
    );
    expect(await welcome(deps(T0 + CONFIRMATION_LEASE_MS + 1000, { subscribers: d.subscribers, mailer: d.mailer }), 'w-1')).toBe('sent');
    expect(d.mailer.sent).toHaveLength(1);
  });
});

describe('"Subscribe again" from the preferences page', () => {
  const left = (unsubscribedAt: string) =>
    plainSubscriber('fay@example.org', {
      subscriberId: 'p-1',
      status: 'unsubscribed',
      confirmedAt: '2026-01-01T00:00:00.000Z',
      unsubscribedAt,
    });

  it('is offered to a reader who left within 30 days, not to one who left long ago (an old forwarded mail)', () => {
    const now = new Date(T0);
    expect(canResubscribe(left(new Date(T0 - UNDO_WINDOW_MS + 60_000).toISOString()), now)).toBe(true);
    expect(canResubscribe(left(new Date(T0 - UNDO_WINDOW_MS - 60_000).toISOString()), now)).toBe(false);
    expect(canResubscribe({ ...left(new Date(T0).toISOString()), confirmedAt: undefined }, now)).toBe(false);
    expect(canResubscribe({ ...left(new Date(T0).toISOString()), suppressed: true }, now)).toBe(false);
  });

  it('refuses the POST of a link from an old mail (the bad input: a token kept for months)', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.create(left('2026-01-01T00:00:00.000Z'));
    const token = signToken(signingKeys, { subscriberId: 'p-1', purpose: 'preferences', now: new Date(T0) });
    const r = await resubscribe({ subscribers, clock: { now: () => new Date(T0) }, keys: signingKeys }, token, DEFAULT_CHOICES, meta);
    expect(r.status).toBe('not-subscribed');
    expect(subscribers.byEmail.get('fay@example.org')!.status).toBe('unsubscribed');
  });
});
