/**
 * Privacy requests against DynamoDB Local: export shows everything stored about an address
 * (subscriber, consent record, ledger entries, but not the confirmation hash); erase removes
 * the subscriber and its ledger entries and keeps only the address's keyed digest (an HMAC with
 * the address key, not a bare hash), after which a sign-up of the address sends nothing and an
 * import refuses it.
 */
import { addressKey } from '../../lambdas/core/address';
import { operator, testDigest } from '../support/address-key';
import { eraseSubscriber, exportSubscriber } from '../../lambdas/usecases/privacy';
import { addSubscriber, importSubscribers } from '../../lambdas/usecases/subscribers';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';
import { scanAll } from '../support/tables';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi();
  domain = uniqueDomain();
});
afterAll(() => api?.stop());

const deps = () => ({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock, digest: testDigest });
/** The digest an erased address is kept as: keyed, of its lower-cased form. */
const addressHash = (email: string) => testDigest(addressKey(email));

describe('privacy requests', () => {
  it('exports the subscriber with its consent record and ledger entries, without the confirmation hash', async () => {
    const email = `ex@${domain}`;
    await api.postJson({ email, topics: ['space'] }, { 'user-agent': 'Reader/2.0' });
    const s = (await api.subscribers.getByEmail(email))!;
    await api.ledger.claim('issue-7', s.subscriberId, new Date());
    await api.ledger.markSent('issue-7', s.subscriberId, 'm-7', new Date());
    const out = await exportSubscriber(deps(), `EX@${domain.toUpperCase()}`.replace('EX@', 'ex@'));
    expect(out.subscriber).toMatchObject({ email, topics: ['space'], consent: { userAgent: 'Reader/2.0', ip: '127.0.0.1' } });
    expect(out.subscriber).not.toHaveProperty('confirmTokenHash');
    expect(out.deliveries).toEqual([expect.objectContaining({ campaignId: 'issue-7', sesMessageId: 'm-7' })]);
  });

  it('erases the subscriber and its ledger entries everywhere, keeping only the hash', async () => {
    const email = `gone@${domain}`;
    const s = await addSubscriber(operator(api.subscribers, api.clock), { email });
    for (const c of ['issue-1', 'issue-2']) {
      await api.ledger.claim(c, s.subscriberId, new Date());
      await api.ledger.markSent(c, s.subscriberId, `m-${c}`, new Date());
    }
    const report = await eraseSubscriber(deps(), email);
    expect(report).toMatchObject({ subscriberRemoved: true, deliveriesRemoved: 2, addressHash: addressHash(email) });
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
    expect(await api.subscribers.getById(s.subscriberId)).toBeUndefined();
    expect(await api.ledger.get('issue-1', s.subscriberId)).toBeUndefined();
    const after = await exportSubscriber(deps(), email);
    expect(after).toMatchObject({ subscriber: undefined, deliveries: [], erased: { addressHash: addressHash(email) } });
    // Everything either table still holds, read raw: the address is nowhere, its hash is kept.
    // (The erased marker's port answer carries only `erasedAt`, so asking it proves nothing.)
    const stored = JSON.stringify(await scanAll(api.tables.names.subscribers)) + JSON.stringify(await scanAll(api.tables.names.deliveries));
    expect(stored.toLowerCase()).not.toContain(email.toLowerCase());
    expect(stored).toContain(addressHash(email));
  });

  it('after erasure, a sign-up sends nothing (same answer) and an import or add refuses the address', async () => {
    const email = `never@${domain}`;
    await eraseSubscriber(deps(), email);
    const res = await api.postJson({ email });
    expect(res.status).toBe(202);
    expect(await api.mailTo(email)).toEqual([]);
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
    const report = await importSubscribers(operator(api.subscribers, api.clock), `email\n${email}\n`);
    expect(report.imported).toBe(0);
    expect(report.kept.erased).toBe(1);
    expect(report.keptLines[0].message).toMatch(/erased/);
    await expect(addSubscriber(operator(api.subscribers, api.clock), { email })).rejects.toThrow(/erased/);
  });

  it('refuses a malformed address instead of erasing something else', async () => {
    await expect(eraseSubscriber(deps(), 'not an address')).rejects.toThrow(/invalid email address/);
  });
});
