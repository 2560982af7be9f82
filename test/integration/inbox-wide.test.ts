/**
 * A "no" SES reports and a privacy or unsubscribe request reach every form of an inbox, against
 * DynamoDB Local through the real SDK: `k.l.m@gmail.com` and `klm+news@googlemail.com` are one
 * inbox. A complaint or a permanent bounce under one form suppresses every other stored form (same
 * reason, the form the event was for noted), once however often the event comes; a soft bounce
 * stays with its address. `subscribers unsubscribe`, `export` and `erase` given a form that is not
 * stored name the forms that are. Before, each of these looked at the exact address only: the other
 * forms kept being mailed, and a request from another form did nothing yet reported success.
 */
import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { maskEmail } from '../../lambdas/core/address';
import { toSubscriberItem } from '../../lambdas/adapters/dynamodb/subscriber-store';
import { eraseSubscriber, exportSubscriber } from '../../lambdas/usecases/privacy';
import { applySesEvents, type SesEvent } from '../../lambdas/usecases/ses-events';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient } from '../../lambdas/wiring';
import { operator, testDigest } from '../support/address-key';
import { runCli, strictTarget } from '../support/cli-in-process';
import { plainSubscriber } from '../unit/fixtures';
import { startSubscriptionApi } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
/** This file's own part of Gmail's address space. */
const run = randomBytes(3).toString('hex');
beforeAll(async () => {
  api = await startSubscriptionApi();
});
afterAll(() => api?.stop());

const add = (email: string) => addSubscriber(operator(api.subscribers, api.clock), { email });
const get = (email: string) => api.subscribers.getByEmail(email);
const apply = (event: Omit<SesEvent, 'mail'>) =>
  applySesEvents({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock }, [
    { mail: { messageId: `m-${randomBytes(4).toString('hex')}` }, ...event },
  ]);
const complaint = (email: string) => apply({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: email }] } });
const bounce = (email: string, bounceType: 'Permanent' | 'Transient') =>
  apply({
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: email }],
      feedbackId: `f-${randomBytes(4).toString('hex')}`,
    },
  });

describe('SES events: a complaint or a permanent bounce holds for every form of the inbox', () => {
  it('a complaint under k.l.m@gmail.com suppresses klm+news@googlemail.com too, once however often it comes', async () => {
    const said = `k.l.m.${run}@gmail.com`;
    const other = `klm${run}+news@googlemail.com`;
    await add(said);
    await add(other);
    // The mistake tried: only the address the event names is suppressed, the other form stays confirmed and mailed.
    const first = await complaint(said);
    expect(first).toMatchObject({ complaints: 1, suppressed: 1, inboxFormsSuppressed: 1 });
    expect(await get(said)).toMatchObject({ suppressed: true, suppressedReason: 'complaint', status: 'unsubscribed' });
    const suppressed = await get(other);
    expect(suppressed).toMatchObject({
      suppressed: true,
      suppressedReason: 'complaint',
      suppressedVia: maskEmail(said),
      status: 'confirmed',
    });
    // The event again (SNS and Lambda retry), then a bounce: the other form is not counted nor changed again.
    api.clock.offsetMs += 60_000;
    expect(await complaint(said)).toMatchObject({ inboxFormsSuppressed: 0 });
    expect(await bounce(said, 'Permanent')).toMatchObject({ inboxFormsSuppressed: 0 });
    expect(await get(other)).toEqual(suppressed);
  });

  it('a permanent bounce under a +tag suppresses the plain form, also one stored before the byMailbox index', async () => {
    const plain = `bounced${run}@gmail.com`;
    const older = toSubscriberItem(plainSubscriber(plain, { subscriberId: `old-${run}` }));
    // As the code before the index wrote it: no inbox, so only a read by its key finds it.
    delete older.mailbox;
    await documentClient().send(new PutCommand({ TableName: api.tables.names.subscribers, Item: older }));
    const tagged = `b.o.u.n.c.e.d${run}+x@gmail.com`;
    await add(tagged);
    expect(await bounce(tagged, 'Permanent')).toMatchObject({ suppressed: 1, inboxFormsSuppressed: 1 });
    expect(await get(plain)).toMatchObject({ suppressed: true, suppressedReason: 'bounce', suppressedVia: maskEmail(tagged) });
  });

  it('a soft bounce, and a not-spam report, stay with their own address', async () => {
    const said = `soft.${run}@gmail.com`;
    const other = `soft${run}+news@gmail.com`;
    await add(said);
    await add(other);
    // The mistake tried: spreading what does not say the inbox is gone.
    for (let i = 0; i < 3; i++) await bounce(said, 'Transient');
    await apply({
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: said }], complaintFeedbackType: 'not-spam' },
    });
    expect(await get(said)).toMatchObject({ suppressed: true, suppressedReason: 'soft-bounces' });
    const untouched = await get(other);
    expect(untouched?.suppressed).toBeUndefined();
    expect(untouched?.softBounces).toBeUndefined();
  });
});

describe('operator requests given a form of the inbox that is not stored', () => {
  const stored = `m.a.r.y.${run}@gmail.com`;
  const asked = `mary${run}@gmail.com`;
  const deps = () => ({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock, digest: testDigest });
  beforeAll(() => add(stored));

  it('`subscribers unsubscribe` exits 1, names the stored form and unsubscribes nothing', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    const before = process.exitCode;
    let exitCode: typeof process.exitCode;
    try {
      await runCli(strictTarget({ subscriptions: api.subscribers, clock: api.clock }), 'subscribers', 'unsubscribe', asked);
      exitCode = process.exitCode;
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
    // The mistake tried: "no subscriber" with no hint, or unsubscribing a form the request did not name.
    expect(exitCode).toBe(1);
    expect(errors.join('\n')).toContain(`no subscriber ${asked}; the same inbox is stored as ${stored}: give that address`);
    expect(await get(stored)).toMatchObject({ status: 'confirmed' });
  });

  it('`subscribers export` names the stored form and shows nothing of it', async () => {
    const out = await exportSubscriber(deps(), asked);
    expect(out).toMatchObject({ subscriber: undefined, deliveries: [], sameInbox: [stored] });
    // An address stored itself names no other form, even when its inbox has none.
    expect((await exportSubscriber(deps(), stored)).sameInbox).toBeUndefined();
  });

  it('`subscribers erase` erases the typed address as before, names the stored form and leaves it for the operator', async () => {
    const r = await eraseSubscriber(deps(), asked);
    expect(r).toMatchObject({ email: asked, subscriberRemoved: false, sameInbox: [stored] });
    // Not erased silently: the operator erases it by name when the request covers it.
    expect(await get(stored)).toMatchObject({ status: 'confirmed' });
  });
});
