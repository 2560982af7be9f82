/**
 * RFC 8058 one-click unsubscribe over real HTTP, with the link taken from a real message:
 * the POST unsubscribes, a GET changes nothing, a forged or garbled token changes nothing,
 * and the next digest leaves the reader out.
 */
import { simpleParser } from 'mailparser';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { systemClock } from '../../lambdas/wiring';
import { signToken, parseSigningKeys } from '../../lambdas/core/tokens';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';

let p: Awaited<ReturnType<typeof startPipeline>>;
let domain: string;
let link: URL;

beforeAll(async () => {
  p = await startPipeline();
  domain = uniqueDomain();
  await publish({ content: p.content, clock: systemClock }, sampleFiles());
  for (const name of ['una', 'val']) await addSubscriber(operator(p.subscriptions, systemClock), { email: `${name}@${domain}` });
  await p.planner({ issueId: 'eu-japan-security-brief-001' });
  await p.queue.drain(60_000);
  const mails = await Promise.all(p.recorder.raws().map((r) => simpleParser(r)));
  const una = mails.find((m) => m.to && JSON.stringify(m.to).includes(`una@${domain}`))!;
  const list = una.headers.get('list') as { unsubscribe: { url: string } };
  // The message links to the public base URL; send the same path and query to this test's server.
  const fromMail = new URL(list.unsubscribe.url);
  link = new URL(`${p.http.url}${fromMail.pathname}${fromMail.search}`);
});
afterAll(() => p?.stop());

const status = async (email: string) => (await p.subscribers.getByEmail(email))?.status;
const oneClick = (url: URL | string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

describe('one-click unsubscribe', () => {
  it('a GET of the link (a mail scanner) shows a page and changes nothing', async () => {
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<form method="post"');
    expect(await status(`una@${domain}`)).toBe('confirmed');
  });

  it('a forged token (signed with another key) gets 400 and changes nothing', async () => {
    const una = await p.subscribers.getByEmail(`una@${domain}`);
    const attacker = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'x'.repeat(43) }));
    const forged = signToken(attacker, { subscriberId: una!.subscriberId, purpose: 'unsubscribe', now: new Date() });
    const res = await oneClick(`${p.http.url}/unsubscribe?token=${encodeURIComponent(forged)}`);
    expect(res.status).toBe(400);
    expect(await status(`una@${domain}`)).toBe('confirmed');
  });

  it('a garbled token, a missing token and a preferences token used to unsubscribe all get 400', async () => {
    const garbled = link.searchParams.get('token')!.slice(0, -4) + 'AAAA';
    expect((await oneClick(`${p.http.url}/unsubscribe?token=${encodeURIComponent(garbled)}`)).status).toBe(400);
    expect((await oneClick(`${p.http.url}/unsubscribe`)).status).toBe(400);
    const una = await p.subscribers.getByEmail(`una@${domain}`);
    const prefs = signToken(p.keys, { subscriberId: una!.subscriberId, purpose: 'preferences', now: new Date() });
    expect((await oneClick(`${p.http.url}/unsubscribe?token=${encodeURIComponent(prefs)}`)).status).toBe(400);
    expect(await status(`una@${domain}`)).toBe('confirmed');
  });

  it('the RFC 8058 POST unsubscribes with 200, and is safe to repeat', async () => {
    const res = await oneClick(link);
    expect(res.status).toBe(200);
    expect(await status(`una@${domain}`)).toBe('unsubscribed');
    expect((await oneClick(link)).status).toBe(200);
    expect(await status(`val@${domain}`)).toBe('confirmed');
  });

  it('the next digest goes to the others but not to the reader who left', async () => {
    const files = sampleFiles().map((f) =>
      f.name.includes('/issues/')
        ? { ...f, text: f.text.replace(/^id: .*$/m, 'id: eu-japan-security-brief-002').replace(/^number: .*$/m, 'number: 2') }
        : f,
    );
    await publish({ content: p.content, clock: systemClock }, files);
    const r = await p.planner({ issueId: 'eu-japan-security-brief-002' });
    expect(r).toMatchObject({ status: 'queued', recipients: 1 });
    await p.queue.drain(60_000);
    const sent = await p.ledger.list('eu-japan-security-brief-002');
    const emails = await Promise.all(sent.map(async (d) => (await p.subscribers.getById(d.subscriberId))!.email));
    expect(emails).toEqual([`val@${domain}`]);
  });

  it('a body over the size limit is refused with 413 before the handler runs', async () => {
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x'.repeat(200 * 1024),
    });
    expect(res.status).toBe(413);
  });
});
