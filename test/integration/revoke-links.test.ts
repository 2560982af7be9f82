/**
 * `subscribers revoke-links` against DynamoDB Local, with links taken from real messages: after
 * it, the unsubscribe and preferences links of the mail a reader got so far answer "this link no
 * longer works" and change nothing, while the links in the next digest work. A mailbox's RFC 8058
 * one-click unsubscribe of an old message is still honoured: an opt-out in mail already sent must
 * keep working.
 */
import { simpleParser } from 'mailparser';
import { publish } from '../../lambdas/usecases/publish';
import { revokeLinks } from '../../lambdas/usecases/revoke-links';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { systemClock } from '../../lambdas/wiring';
import { operator } from '../support/address-key';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';

let p: Awaited<ReturnType<typeof startPipeline>>;
let domain: string;

beforeAll(async () => {
  p = await startPipeline();
  domain = uniqueDomain();
});
afterAll(() => p?.stop());

/** The unsubscribe and preferences links of the latest digest of `issueId` to `email`, on this test's server. */
async function linksOf(email: string, issueNumber: number): Promise<{ unsubscribe: string; preferences: string }> {
  const mails = await Promise.all(p.recorder.raws().map((r) => simpleParser(r)));
  const mail = mails
    .filter((m) => JSON.stringify(m.to).toLowerCase().includes(email.toLowerCase()) && (m.subject ?? '').endsWith(`No. ${issueNumber}`))
    .at(-1);
  if (!mail) throw new Error(`no issue ${issueNumber} to ${email}`);
  const local = (url: string) => {
    const u = new URL(url);
    return `${p.http.url}${u.pathname}${u.search}`;
  };
  const list = mail.headers.get('list') as { unsubscribe: { url: string } };
  const preferences = /(https?:\/\/\S+\/preferences\?token=[^\s)>\]]+)/.exec(mail.text ?? '')![1];
  return { unsubscribe: local(list.unsubscribe.url), preferences: local(preferences) };
}

async function sendIssue(n: number) {
  const files = sampleFiles().map((f) =>
    f.name.includes('/issues/')
      ? { ...f, text: f.text.replace(/^id: .*$/m, `id: revoke-${n}`).replace(/^number: .*$/m, `number: ${n}`) }
      : f,
  );
  await publish({ content: p.content, clock: systemClock }, files);
  await p.planner({ issueId: `revoke-${n}` });
  await p.queue.drain(60_000);
}

const oneClick = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

it("revoke-links turns off the links of the mail sent so far; the next digest's links work", async () => {
  const email = `Leaky.Reader@${domain}`;
  await addSubscriber(operator(p.subscriptions, systemClock), { email });
  await sendIssue(1);
  const old = await linksOf(email, 1);
  expect((await fetch(old.preferences)).status).toBe(200);

  const revoked = await revokeLinks({ subscribers: p.subscriptions }, email.toLowerCase());
  expect(revoked).toMatchObject({ linkVersion: 1 });

  // The bad input: the links of a message sent before (e.g. forwarded to someone else), opened
  // in a browser, and the page's own buttons (a preferences change, the unsubscribe button).
  const token = (url: string) => new URL(url).searchParams.get('token')!;
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${p.http.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  for (const res of [
    await fetch(old.unsubscribe),
    await fetch(old.preferences),
    await form('/unsubscribe', { token: token(old.unsubscribe) }),
    await form('/preferences', { token: token(old.preferences), choices: '1', digest: 'yes', alerts: 'yes', timezone: 'UTC' }),
  ]) {
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link no longer works');
  }
  expect(await p.subscribers.getByEmail(email)).toMatchObject({ status: 'confirmed', alerts: false });

  await sendIssue(2);
  const next = await linksOf(email, 2);
  expect(next.unsubscribe).not.toBe(old.unsubscribe);
  expect((await fetch(next.preferences)).status).toBe(200);
  const res = await oneClick(next.unsubscribe);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('You are unsubscribed');
  expect((await p.subscribers.getByEmail(email))?.status).toBe('unsubscribed');
});

it("a mailbox's one-click unsubscribe of a message sent before revoke-links still unsubscribes (an opt-out in mail already sent must work)", async () => {
  const email = `Second.Reader@${domain}`;
  await addSubscriber(operator(p.subscriptions, systemClock), { email });
  await sendIssue(3);
  const old = await linksOf(email, 3);
  await revokeLinks({ subscribers: p.subscriptions }, email);
  expect((await fetch(old.unsubscribe)).status).toBe(410);
  const res = await oneClick(old.unsubscribe);
  expect(res.status).toBe(200);
  expect((await p.subscribers.getByEmail(email))?.status).toBe('unsubscribed');
  // Its answer offers no way back in: a link signed now would undo revoke-links for whoever holds the old one.
  expect(await res.text()).not.toMatch(/preferences\?token=/);
});

it('revoke-links of an address nobody has changes nothing and says so', async () => {
  expect(await revokeLinks({ subscribers: p.subscriptions }, `nobody@${domain}`)).toBeUndefined();
});
