/**
 * A "no" holds, however the address is typed: against DynamoDB Local and the SES emulator, a
 * reader who complained, hard-bounced, was erased, unsubscribed or declined a sign-up is then
 * tried again in other capitals through every way back in (the web sign-up, `subscribers add`,
 * `subscribers import`). Nothing is sent and nothing is re-confirmed; the table still holds one
 * item for the person; add and import say why they kept the address out.
 */
import { addressKey } from '../../lambdas/core/address';
import { signToken } from '../../lambdas/core/tokens';
import { eraseSubscriber } from '../../lambdas/usecases/privacy';
import { applySesEvents, type SesEvent } from '../../lambdas/usecases/ses-events';
import { addSubscriber, importSubscribers, upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { operator, testDigest } from '../support/address-key';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';
import { scanAll } from '../support/tables';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi();
  domain = uniqueDomain();
});
afterAll(() => api?.stop());

/** Every item of the Subscribers table whose key is this address in any capitals. */
async function itemsOf(email: string): Promise<Record<string, unknown>[]> {
  return (await scanAll(api.tables.names.subscribers)).filter(
    (i) => typeof i.email === 'string' && addressKey(i.email) === addressKey(email),
  );
}

const ses = (event: Partial<SesEvent> & { eventType: string }): SesEvent => ({ mail: { messageId: `m-${Math.random()}` }, ...event });

/** The ways a reader says no, each applied to a confirmed reader typed `Reader.<kind>@<Domain>`. */
const NO: Record<string, { expectKept: 'kept-suppressed' | 'kept-unsubscribed' | 'kept-erased'; apply(email: string): Promise<void> }> = {
  'a complaint': {
    expectKept: 'kept-suppressed',
    apply: async (email) => {
      await applySesEvents({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock }, [
        ses({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: email }] } }),
      ]);
    },
  },
  'a hard bounce': {
    expectKept: 'kept-suppressed',
    apply: async (email) => {
      await applySesEvents({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock }, [
        ses({
          eventType: 'Bounce',
          bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] },
        }),
      ]);
    },
  },
  'an erasure (asked for in lower case)': {
    expectKept: 'kept-erased',
    apply: async (email) => {
      await eraseSubscriber(
        { subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock, digest: testDigest },
        email.toLowerCase(),
      );
    },
  },
  'a one-click unsubscribe': {
    expectKept: 'kept-unsubscribed',
    apply: async (email) => {
      const s = (await api.subscribers.getByEmail(email))!;
      const token = signToken(api.keys, { subscriberId: s.subscriberId, purpose: 'unsubscribe', now: api.clock.now() });
      const res = await fetch(`${api.http.url}/unsubscribe?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
    },
  },
};

describe.each(Object.entries(NO))('after %s', (kind, no) => {
  const slug = kind.replace(/\W+/g, '-').replace(/^-|-$/g, '');
  const typed = () => `Reader.${slug}@${domain.replace(/^./, (c) => c.toUpperCase())}`;
  // The bad input: the same person's address in other capitals (the local part and the domain).
  const others = () => [typed().toUpperCase(), typed().toLowerCase(), `rEADER.${slug.toUpperCase()}@${domain.toUpperCase()}`];

  beforeAll(async () => {
    await addSubscriber(operator(api.subscribers, api.clock), { email: typed() });
    await no.apply(typed());
  });

  it('a web sign-up in other capitals answers as for anyone, sends nothing and re-confirms nothing', async () => {
    for (const email of others()) {
      const res = await api.postJson({ email });
      expect(res.status).toBe(202);
    }
    expect(await api.mailTo(typed())).toEqual([]);
    const items = await itemsOf(typed());
    expect(items.length).toBeLessThanOrEqual(1);
    for (const item of items) expect(item.status === 'confirmed' && !item.suppressed).toBe(false);
  });

  it('a web sign-up of a +tag of the same inbox sends nothing either', async () => {
    // The bad input: `reader.x+news@` reaches the inbox that said no, under another address.
    const tagged = typed().replace('@', '+news@');
    expect((await api.postJson({ email: tagged })).status).toBe(202);
    expect(await api.mailTo(tagged)).toEqual([]);
  });

  it('`subscribers add` in other capitals keeps it out and says why', async () => {
    for (const email of others()) {
      const r = await upsertSubscriber(operator(api.subscribers, api.clock), { email }, 'cli');
      expect(r.outcome).toBe(no.expectKept);
      await expect(addSubscriber(operator(api.subscribers, api.clock), { email })).rejects.toThrow(/not (re-)?added/);
    }
    const items = await itemsOf(typed());
    expect(items.length).toBeLessThanOrEqual(1);
    for (const item of items) expect(item.status === 'confirmed' && !item.suppressed).toBe(false);
  });

  it('an import in other capitals keeps every line out, counts them and lists each line', async () => {
    const r = await importSubscribers(
      operator(api.subscribers, api.clock),
      ['email,topics', ...others().map((e) => `${e},cyber`)].join('\n'),
    );
    expect(r).toMatchObject({ imported: 0, updated: 0, resubscribed: 0, errors: [] });
    expect(r.kept[no.expectKept.slice('kept-'.length) as 'unsubscribed' | 'suppressed' | 'erased']).toBe(3);
    expect(r.keptLines.map((k) => k.line)).toEqual([2, 3, 4]);
    expect(await api.mailTo(typed())).toEqual([]);
    const items = await itemsOf(typed());
    expect(items.length).toBeLessThanOrEqual(1);
    for (const item of items) expect(item.status === 'confirmed' && !item.suppressed).toBe(false);
    // An erasure leaves no item at all; the others keep the one item, without a TTL that would delete the no.
    if (no.expectKept === 'kept-erased') expect(items).toEqual([]);
    else expect(items[0]).not.toHaveProperty('expiresAt');
  });
});

describe('a declined sign-up ("never mail this address" in the confirmation)', () => {
  const email = () => `Decliner@${domain}`;

  beforeAll(async () => {
    await api.postJson({ email: email() });
    const confirmation = (await api.mailTo(email())).find((m) => /^Confirm/.test(m.subject ?? ''))!;
    const never = /https:\/\/brief\.example\.org(\/unsubscribe\?token=\S+)/.exec(confirmation.text ?? '')![1];
    const res = await fetch(`${api.http.url}${never}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
  });

  it('keeps the no without a TTL, and its confirmation link stops working', async () => {
    const [item] = await itemsOf(email());
    expect(item).toMatchObject({ status: 'unsubscribed' });
    expect(item).not.toHaveProperty('expiresAt');
    expect(item).not.toHaveProperty('confirmTokenHash');
    const link = await api.confirmLink(email());
    const res = await api.postForm('/confirm', { token: new URL(link, 'http://x').searchParams.get('token')! });
    expect(res.status).toBe(410);
    expect((await itemsOf(email()))[0]).toMatchObject({ status: 'unsubscribed' });
  });

  it('a sign-up within the cooling period, in any capitals, sends nothing; after it, one confirmation', async () => {
    for (const e of [email().toUpperCase(), email().toLowerCase()]) expect((await api.postJson({ email: e })).status).toBe(202);
    expect(await api.mailTo(email())).toHaveLength(1);
    api.clock.offsetMs = 31 * 24 * 3600_000;
    try {
      await api.postJson({ email: email().toLowerCase() });
      const mails = await api.mailTo(email());
      expect(mails).toHaveLength(2);
      // Mailed as typed this time.
      expect(JSON.stringify(mails[1].to)).toContain(email().toLowerCase());
    } finally {
      api.clock.offsetMs = 0;
    }
  });
});
