/**
 * Data lifecycle against DynamoDB Local: the tables have TTL on `expiresAt` as on AWS, and the
 * items with a natural end carry it (epoch seconds, a Number): a sign-up never confirmed ends
 * with its confirmation link, a daily alert-cap item two days after its day. Confirming (or
 * suppressing) removes it, or DynamoDB would delete a real reader; the ledger, the campaign
 * summary and erasure markers never carry it.
 */
import { DescribeTimeToLiveCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SUMMARY_KEY } from '../../lambdas/core/keys';
import { CONFIRM_TOKEN_TTL_SECONDS } from '../../lambdas/core/tokens';
import { DEFAULT_COOLING_MS, RESEND_AFTER_MS } from '../../lambdas/usecases/subscribe';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi();
  domain = uniqueDomain();
});
afterAll(() => api?.stop());
afterEach(() => {
  api.clock.offsetMs = 0;
});

/** The item as DynamoDB stores it (attribute types included), or undefined. */
async function rawItem(table: string, key: Record<string, string>) {
  const Key = Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }]));
  return (await api.tables.client.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }))).Item;
}
const subscriberItem = (email: string) => rawItem(api.tables.names.subscribers, { email });
const confirmWith = (path: string) => api.postForm('/confirm', { token: new URL(path, 'http://x').searchParams.get('token')! });
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('TTL on the local tables', () => {
  it.each([
    ['subscribers', 'ENABLED'],
    ['deliveries', 'ENABLED'],
  ] as const)('the %s table has TTL %s on expiresAt', async (table, status) => {
    const out = await api.tables.client.send(new DescribeTimeToLiveCommand({ TableName: api.tables.names[table] }));
    expect(out.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: status, AttributeName: 'expiresAt' });
  });

  it('the content table has none: articles and issues do not expire', async () => {
    const out = await api.tables.client.send(new DescribeTimeToLiveCommand({ TableName: api.tables.names.content }));
    expect(out.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED').toBe('DISABLED');
  });
});

describe('sign-ups', () => {
  it('a new sign-up carries expiresAt (a Number) at its confirmation link’s expiry, 48 hours on', async () => {
    const email = `new@${domain}`;
    const before = Math.floor(Date.now() / 1000);
    expect((await api.postJson({ email })).status).toBe(202);

    const item = await subscriberItem(email);
    expect(item?.status).toEqual({ S: 'pending' });
    expect(item?.expiresAt?.N).toBeDefined();
    const expiresAt = Number(item!.expiresAt.N);
    expect(expiresAt).toBe(seconds(item!.confirmExpiresAt.S!));
    expect(expiresAt).toBeGreaterThanOrEqual(before + CONFIRM_TOKEN_TTL_SECONDS);
    expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + CONFIRM_TOKEN_TTL_SECONDS);
    // The domain object never shows the storage attribute.
    expect(await api.subscribers.getByEmail(email)).not.toHaveProperty('expiresAt');
  });

  it('confirming removes expiresAt, so TTL never deletes a real reader', async () => {
    const email = `confirms@${domain}`;
    await api.postJson({ email });
    expect((await subscriberItem(email))?.expiresAt).toBeDefined();

    expect((await confirmWith(await api.confirmLink(email))).status).toBe(200);

    const item = await subscriberItem(email);
    expect(item?.status).toEqual({ S: 'confirmed' });
    expect(item).not.toHaveProperty('expiresAt');
  });

  it('a fresh link for a still-pending sign-up moves expiresAt to the new link’s expiry', async () => {
    const email = `again@${domain}`;
    await api.postJson({ email });
    const first = Number((await subscriberItem(email))!.expiresAt.N);

    api.clock.offsetMs = RESEND_AFTER_MS + 60_000;
    await api.postJson({ email });

    const item = await subscriberItem(email);
    expect(Number(item!.expiresAt.N)).toBe(seconds(item!.confirmExpiresAt.S!));
    expect(Number(item!.expiresAt.N)).toBeGreaterThanOrEqual(first + Math.floor((RESEND_AFTER_MS + 60_000) / 1000));
  });

  it('a reader who was confirmed, left, and signs up again (after the cooling period) keeps no expiresAt while the sign-up waits (their history stays)', async () => {
    const email = `returns@${domain}`;
    await api.postJson({ email });
    await confirmWith(await api.confirmLink(email));
    const reader = await api.subscribers.getByEmail(email);
    await api.subscribers.unsubscribe(reader!.subscriberId, new Date());
    expect(await subscriberItem(email)).not.toHaveProperty('expiresAt');

    api.clock.offsetMs = DEFAULT_COOLING_MS + 60_000;
    await api.postJson({ email });

    const item = await subscriberItem(email);
    // The no stands until the new link is used; the sign-up waits beside it.
    expect(item?.status).toEqual({ S: 'unsubscribed' });
    expect(item?.resubscription).toBeDefined();
    expect(item?.confirmExpiresAt).toBeDefined();
    expect(item).not.toHaveProperty('expiresAt');
  });

  it('a pending address that gets suppressed (its confirmation bounced) loses expiresAt: the suppression is kept', async () => {
    const email = `bounced@${domain}`;
    await api.postJson({ email });
    const pending = await api.subscribers.getByEmail(email);
    // What the SES events use-case writes for a permanent bounce.
    await api.subscribers.change(pending!, { suppressed: true, suppressedReason: 'bounce', suppressedAt: new Date().toISOString() });

    const item = await subscriberItem(email);
    expect(item?.suppressed).toEqual({ BOOL: true });
    expect(item).not.toHaveProperty('expiresAt');
  });

  it('an erasure marker does not expire', async () => {
    await api.subscribers.markErased('ab'.repeat(32), new Date());
    const item = await subscriberItem(`erased#${'ab'.repeat(32)}`);
    expect(item?.erasedAt).toBeDefined();
    expect(item).not.toHaveProperty('expiresAt');
  });
});

describe('the Deliveries table', () => {
  it('daily alert-cap items expire two days after the last place their day ends (12:00 UTC the next day)', async () => {
    const { caps } = dynamoPorts(documentClient(), api.tables.names);
    expect(await caps.admit('reader-1', '2026-11-30', 'article-a', 3)).toBe(true);
    const many = await caps.admitMany([{ subscriberId: 'reader-2', day: '2026-12-01' }], 'article-a', 3);
    expect([...many.admitted]).toEqual(['reader-2']);

    const one = await rawItem(api.tables.names.deliveries, { campaignId: 'alertcap#2026-11-30', subscriberId: 'reader-1' });
    const two = await rawItem(api.tables.names.deliveries, { campaignId: 'alertcap#2026-12-01', subscriberId: 'reader-2' });
    expect(one?.expiresAt).toEqual({ N: String(Date.parse('2026-12-03T12:00:00Z') / 1000) });
    expect(two?.expiresAt).toEqual({ N: String(Date.parse('2026-12-04T12:00:00Z') / 1000) });
  });

  it('ledger entries and the campaign summary never carry expiresAt: they are the record of what was sent', async () => {
    const { ledger, counters } = dynamoPorts(documentClient(), api.tables.names);
    const at = new Date();
    expect(await ledger.claim('issue-x', 'reader-1', at)).toBe('claimed');
    expect(await ledger.claim('issue-x', 'reader-2', at)).toBe('claimed');
    await ledger.markSent('issue-x', 'reader-1', 'ses-1', at, at);
    await counters.add('issue-x', { sent: 1 }, at);

    for (const subscriberId of ['reader-1', 'reader-2', SUMMARY_KEY]) {
      const item = await rawItem(api.tables.names.deliveries, { campaignId: 'issue-x', subscriberId });
      expect(item).toBeDefined();
      expect(item).not.toHaveProperty('expiresAt');
    }
  });
});
