/**
 * SES events applied for real: notifications in the format SES publishes them (the fixtures
 * under test/fixtures/ses, in their SNS envelope) go through the ses-events handler into
 * DynamoDB Local. A permanent bounce suppresses at once and takes the address out of the
 * digest audience; a complaint also unsubscribes; transient bounces suppress on the third in
 * a row, and a delivery in between starts the count over; the ledger entry of the message
 * gets the outcome; a recipient nobody knows changes nothing.
 */
import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { audienceShard } from '../../lambdas/core/audience';
import { makeSesEventsHandler } from '../../lambdas/ses-events/handler';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let handle: ReturnType<typeof makeSesEventsHandler>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi();
  handle = makeSesEventsHandler({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock });
  domain = uniqueDomain();
});
afterAll(() => api?.stop());

/** A fixture with its placeholders replaced, wrapped as Lambda receives it from SNS. */
function notification(file: string, email: string, messageId: string) {
  // Each notification SES sends has its own feedback id, as each real bounce does.
  const text = readFileSync(`test/fixtures/ses/${file}`, 'utf8')
    .replaceAll('RECIPIENT@example.org', email)
    .replaceAll('SES-MESSAGE-ID', messageId)
    .replaceAll('0102018a-EXAMPLE-000001', `0102018a-${randomUUID()}`);
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:t:s',
        Sns: JSON.parse(text) as Record<string, unknown>,
      },
    ],
  };
}

/** A confirmed subscriber with one sent digest in the ledger. */
async function subscriberWithDelivery(name: string) {
  const email = `${name}@${domain}`;
  await api.postJson({ email });
  await api.postForm('/confirm', { token: new URL(await api.confirmLink(email), 'http://x').searchParams.get('token')! });
  const s = (await api.subscribers.getByEmail(email))!;
  const messageId = `0102018a-${name}-000000`;
  await api.ledger.claim('issue-1', s.subscriberId, new Date());
  await api.ledger.markSent('issue-1', s.subscriberId, messageId, new Date());
  return { email, s, messageId };
}

async function inAudience(subscriberId: string) {
  const page = await api.subscribers.digestAudiencePage(audienceShard(subscriberId), undefined, 500);
  return page.recipients.some((r) => r.subscriberId === subscriberId);
}

describe('SES events', () => {
  it('a permanent bounce suppresses at once, leaves the audience, and is written on the ledger entry', async () => {
    const { email, s, messageId } = await subscriberWithDelivery('hard');
    expect(await inAudience(s.subscriberId)).toBe(true);
    const report = await handle(notification('bounce-permanent.json', email, messageId));
    expect(report).toMatchObject({ bounces: 1, suppressed: 1, ledgerEntriesUpdated: 1, unknownRecipients: 0 });
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ suppressed: true, suppressedReason: 'bounce', status: 'confirmed' });
    expect(await inAudience(s.subscriberId)).toBe(false);
    expect(await api.ledger.get('issue-1', s.subscriberId)).toMatchObject({
      status: 'sent',
      bounceType: 'Permanent/General',
      bouncedAt: expect.any(String),
    });
  });

  it('a complaint suppresses and unsubscribes', async () => {
    const { email, s, messageId } = await subscriberWithDelivery('spam');
    await handle(notification('complaint.json', email, messageId));
    expect(await api.subscribers.getByEmail(email)).toMatchObject({
      suppressed: true,
      suppressedReason: 'complaint',
      status: 'unsubscribed',
    });
    expect(await inAudience(s.subscriberId)).toBe(false);
    expect((await api.ledger.get('issue-1', s.subscriberId))!.complainedAt).toBeDefined();
  });

  it('transient bounces suppress on the third in a row; a delivery in between resets the count', async () => {
    const { email, s, messageId } = await subscriberWithDelivery('soft');
    await handle(notification('bounce-transient.json', email, messageId));
    await handle(notification('bounce-transient.json', email, messageId));
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ softBounces: 2 });
    await handle(notification('delivery.json', email, messageId));
    expect((await api.subscribers.getByEmail(email))!.softBounces).toBe(0);
    expect((await api.ledger.get('issue-1', s.subscriberId))!.deliveredAt).toBeDefined();
    await handle(notification('bounce-transient.json', email, messageId));
    await handle(notification('bounce-transient.json', email, messageId));
    expect((await api.subscribers.getByEmail(email))!.suppressed).toBeUndefined();
    expect(await inAudience(s.subscriberId)).toBe(true);
    await handle(notification('bounce-transient.json', email, messageId));
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ suppressed: true, suppressedReason: 'soft-bounces', softBounces: 3 });
    expect(await inAudience(s.subscriberId)).toBe(false);
  });

  it('the same transient bounce delivered again (SNS at least once, Lambda retrying a failed event) is counted once', async () => {
    const { email, messageId } = await subscriberWithDelivery('again');
    const once = notification('bounce-transient.json', email, messageId);
    await handle(once);
    await handle(once);
    await handle(once);
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ softBounces: 1 });
    expect((await api.subscribers.getByEmail(email))!.suppressed).toBeUndefined();
  });

  it('a bounce for an unknown address changes nothing and is counted', async () => {
    const stranger = `nobody@${domain}`;
    const report = await handle(notification('bounce-permanent.json', stranger, 'no-such-message'));
    expect(report).toMatchObject({ bounces: 1, unknownRecipients: 1, suppressed: 0, ledgerEntriesUpdated: 0 });
    expect(await api.subscribers.getByEmail(stranger)).toBeUndefined();
  });

  it('a suppressed address gets no confirmation when it subscribes again, and the answer is the same', async () => {
    const { email } = await subscriberWithDelivery('again');
    await handle(notification('bounce-permanent.json', email, 'x'));
    api.clock.offsetMs = 60 * 60_000;
    const before = (await api.mailTo(email)).length;
    const res = await api.postJson({ email });
    api.clock.offsetMs = 0;
    expect(res.status).toBe(202);
    expect((await api.mailTo(email)).length).toBe(before);
  });
});
