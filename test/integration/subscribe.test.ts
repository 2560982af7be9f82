/**
 * Subscribing over real HTTP, against DynamoDB Local and the SES emulator: double opt-in,
 * the same answer for every address, tokens that are reused, expired, forged or meant for
 * something else, a flood from one client, oversized bodies, hostile addresses, the
 * honeypot, CORS, and re-subscribing after leaving.
 */
import { APIGatewayProxyEventV2 } from 'aws-lambda';
import { audienceShard } from '../../lambdas/core/audience';
import { signToken } from '../../lambdas/core/tokens';
import { RESEND_AFTER_MS, DEFAULT_COOLING_MS } from '../../lambdas/usecases/subscribe';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi({ corsOrigins: ['https://partner.example.net'] });
  domain = uniqueDomain();
});
afterAll(() => api?.stop());
afterEach(() => {
  api.clock.offsetMs = 0;
});

const confirmWith = (path: string) => api.postForm('/confirm', { token: new URL(path, 'http://x').searchParams.get('token')! });

describe('double opt-in', () => {
  it('stores a pending subscriber with its consent record, sends a confirmation, and confirms only on POST', async () => {
    const email = `Ada@${domain.toUpperCase()}`;
    const res = await api.postJson(
      { email, digest: true, alerts: true, topics: ['cyber'], timezone: 'Europe/Brussels' },
      { origin: 'https://partner.example.net', 'user-agent': 'TestBrowser/1.0' },
    );
    expect(res.status).toBe(202);
    const stored = await api.subscribers.getByEmail(`Ada@${domain}`);
    expect(stored).toMatchObject({ status: 'pending', alerts: true, topics: ['cyber'], timezone: 'Europe/Brussels', source: 'web' });
    expect(stored!.consent).toMatchObject({ page: 'https://partner.example.net', userAgent: 'TestBrowser/1.0', ip: '127.0.0.1' });
    expect(stored!.consent!.wording).toMatch(/I agree/);
    // Only the hash of the link's nonce is stored, never the token.
    expect(stored!.confirmTokenHash).toMatch(/^[0-9a-f]{64}$/);
    const link = await api.confirmLink(`Ada@${domain}`);
    expect(JSON.stringify(stored)).not.toContain(new URL(link, 'http://x').searchParams.get('token'));

    // A mail scanner following the link changes nothing.
    const page = await fetch(`${api.http.url}${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/confirm"');
    expect((await api.subscribers.getByEmail(`Ada@${domain}`))!.status).toBe('pending');

    const done = await confirmWith(link);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are subscribed');
    const confirmed = await api.subscribers.getByEmail(`Ada@${domain}`);
    expect(confirmed).toMatchObject({ status: 'confirmed' });
    expect(confirmed!.confirmTokenHash).toBeUndefined();
    expect(confirmed!.consent!.confirmedAt).toBeDefined();
    // In the digest audience now, and welcomed with preference and unsubscribe links.
    const welcome = (await api.mailTo(`Ada@${domain}`)).find((m) => /^Welcome/.test(m.subject ?? ''));
    expect(welcome?.text).toMatch(/preferences\?token=/);
    // Both messages carry the RFC 8058 one-click headers, like the digest.
    const raws = api.recorder
      .raws()
      .map((r) => r.toString('latin1'))
      .filter((r) => r.includes(`To: Ada@${domain}`));
    expect(raws).toHaveLength(2);
    for (const raw of raws) expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
  });

  it('a reused confirmation link changes nothing and shows "already subscribed"', async () => {
    const email = `reuse@${domain}`;
    await api.postJson({ email });
    const link = await api.confirmLink(email);
    expect((await confirmWith(link)).status).toBe(200);
    const before = await api.subscribers.getByEmail(email);
    const again = await confirmWith(link);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are already subscribed');
    expect((await api.subscribers.getByEmail(email))!.confirmedAt).toBe(before!.confirmedAt);
  });

  it('an expired confirmation link (49 hours later) gets 410 and the expiry page, and confirms nothing', async () => {
    const email = `late@${domain}`;
    await api.postJson({ email });
    const link = await api.confirmLink(email);
    api.clock.offsetMs = 49 * 3600_000;
    const res = await confirmWith(link);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired');
    expect((await api.subscribers.getByEmail(email))!.status).toBe('pending');
  });

  it('a forged confirmation link (valid shape, wrong signature) gets 400 and confirms nothing', async () => {
    const email = `forged@${domain}`;
    await api.postJson({ email });
    const link = await api.confirmLink(email);
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    const forged = `${token.slice(0, -6)}AAAAAA`;
    const res = await api.postForm('/confirm', { token: forged });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This link does not work');
    expect((await api.subscribers.getByEmail(email))!.status).toBe('pending');
  });

  it('an unsubscribe token used to confirm (wrong purpose) gets 400 and confirms nothing', async () => {
    const email = `purpose@${domain}`;
    await api.postJson({ email });
    const s = await api.subscribers.getByEmail(email);
    const wrong = signToken(api.keys, { subscriberId: s!.subscriberId, purpose: 'unsubscribe', now: new Date() });
    expect((await api.postForm('/confirm', { token: wrong })).status).toBe(400);
    expect((await fetch(`${api.http.url}/confirm?token=${encodeURIComponent(wrong)}`)).status).toBe(400);
    expect((await api.subscribers.getByEmail(email))!.status).toBe('pending');
  });

  it('a double subscribe sends one confirmation; after an hour a new one, and only the newest link works', async () => {
    const email = `twice@${domain}`;
    await api.postJson({ email });
    const first = await api.confirmLink(email);
    await api.postJson({ email });
    expect((await api.mailTo(email)).length).toBe(1);
    api.clock.offsetMs = RESEND_AFTER_MS + 1000;
    await api.postJson({ email });
    expect((await api.mailTo(email)).length).toBe(2);
    const second = await api.confirmLink(email);
    expect(second).not.toBe(first);
    const old = await confirmWith(first);
    expect(old.status).toBe(410);
    expect((await confirmWith(second)).status).toBe(200);
  });
});

describe('the subscribe answer does not tell whether an address is known', () => {
  it('gives the same status and body for a new, pending, confirmed and unsubscribed address (JSON and form)', async () => {
    const pending = `pending@${domain}`;
    const confirmed = `confirmed@${domain}`;
    const left = `left@${domain}`;
    for (const e of [pending, confirmed, left]) await api.postJson({ email: e });
    for (const e of [confirmed, left]) await confirmWith(await api.confirmLink(e));
    const s = await api.subscribers.getByEmail(left);
    await api.subscribers.unsubscribe(s!.subscriberId, new Date());
    expect((await api.subscribers.getByEmail(left))!.status).toBe('unsubscribed');

    const answers = [];
    for (const email of [`new@${domain}`, pending, confirmed, left]) {
      const json = await api.postJson({ email });
      const form = await api.postForm('/subscribe', { email, digest: 'yes', timezone: 'UTC' });
      answers.push({ json: [json.status, await json.text()], form: [form.status, form.headers.get('location'), await form.text()] });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0].json[0]).toBe(202);
    expect(answers[0].form.slice(0, 2)).toEqual([303, '/check-inbox']);
  });
});

describe('bad input', () => {
  it.each([
    ['header injection', 'eve@example.org\r\nBcc: victim@example.org'],
    ['a very long address', `${'a'.repeat(5000)}@example.org`],
    ['a Unicode local part', 'jörg@example.org'],
    ['a display name', 'Eve <eve@example.org>'],
    ['no domain', 'eve@'],
  ])('refuses %s with 400, stores nothing and sends nothing', async (_name, email) => {
    const before = api.recorder.raws().length;
    const res = await api.postJson({ email });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid-email' });
    expect(api.recorder.raws().length).toBe(before);
    const form = await api.postForm('/subscribe', { email, digest: 'yes' });
    expect(form.status).toBe(400);
    const page = await form.text();
    expect(page).toContain('role="alert"');
    expect(page).not.toContain('\r\nBcc');
  });

  it('accepts an internationalised domain and stores and mails its ASCII form', async () => {
    const res = await api.postJson({ email: `Reader@BÜCHER.${domain}` });
    expect(res.status).toBe(202);
    const ascii = `Reader@xn--bcher-kva.${domain}`;
    expect((await api.subscribers.getByEmail(ascii))?.status).toBe('pending');
    const all = api.recorder.raws().map((r) => r.toString('latin1'));
    expect(all.some((raw) => raw.includes(`To: ${ascii}\r\n`))).toBe(true);
  });

  it('refuses unknown JSON fields, unknown topics and an unknown time zone with 400', async () => {
    expect((await api.postJson({ email: `x@${domain}`, admin: true })).status).toBe(400);
    expect((await api.postJson({ email: `x@${domain}`, topics: ['<script>'] })).status).toBe(400);
    expect((await api.postJson({ email: `x@${domain}`, timezone: 'Mars/Olympus' })).status).toBe(400);
    expect((await api.postJson({ email: `x@${domain}`, digest: false, alerts: false })).status).toBe(400);
    expect(await api.subscribers.getByEmail(`x@${domain}`)).toBeUndefined();
  });

  it('answers a filled honeypot like any other request, and stores and sends nothing', async () => {
    const res = await api.postJson({ email: `bot@${domain}`, website: 'http://spam.example' });
    expect(res.status).toBe(202);
    expect(await api.subscribers.getByEmail(`bot@${domain}`)).toBeUndefined();
    expect(await api.mailTo(`bot@${domain}`)).toEqual([]);
  });

  it('refuses an oversized body with 413, at the server and in the handler itself (as on AWS)', async () => {
    const big = JSON.stringify({ email: `big@${domain}`, website: 'x'.repeat(100 * 1024) });
    expect((await api.postJson(JSON.parse(big))).status).toBe(413);
    const event = {
      rawPath: '/subscribe',
      headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', sourceIp: '192.0.2.1' } },
      body: JSON.stringify({ email: `big@${domain}`, website: 'x'.repeat(20 * 1024) }),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    expect((await api.handler(event)).statusCode).toBe(413);
    expect(await api.subscribers.getByEmail(`big@${domain}`)).toBeUndefined();
  });

  it('allows CORS for the configured origin only, with a preflight', async () => {
    const ok = await api.postJson({ email: `cors@${domain}` }, { origin: 'https://partner.example.net' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://partner.example.net');
    const other = await api.postJson({ email: `cors@${domain}` }, { origin: 'https://evil.example.com' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${api.http.url}/subscribe`, {
      method: 'OPTIONS',
      headers: { origin: 'https://partner.example.net', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST');
  });
});

describe('a subscribe flood from one client', () => {
  it('is answered 429 with the "too many tries" page after the limit, and sends nothing more', async () => {
    const limited = await startSubscriptionApi({ rateLimit: 5 });
    try {
      const d = uniqueDomain();
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) codes.push((await limited.postForm('/subscribe', { email: `flood${i}@${d}`, digest: 'yes' })).status);
      expect(codes).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
      const page = await limited.postForm('/subscribe', { email: `flood9@${d}`, digest: 'yes' });
      expect(page.headers.get('retry-after')).toBe('300');
      expect(await page.text()).toContain('Too many tries');
      expect(limited.recorder.raws().length).toBe(5);
    } finally {
      await limited.stop();
    }
  });
});

describe('leaving and coming back', () => {
  it('re-subscribing after unsubscribing (past the cooling period) needs a new confirmation: still unsubscribed, out of the audience, the request waiting, until confirmed', async () => {
    const email = `back@${domain}`;
    await api.postJson({ email });
    await confirmWith(await api.confirmLink(email));
    const s = await api.subscribers.getByEmail(email);
    await api.subscribers.unsubscribe(s!.subscriberId, new Date());
    api.clock.offsetMs = DEFAULT_COOLING_MS + 1000;
    await api.postJson({ email, alerts: true });
    // Nothing of the reader changes until the link is used: the no stands, the request waits beside it.
    const waiting = await api.subscribers.getByEmail(email);
    expect(waiting).toMatchObject({
      status: 'unsubscribed',
      alerts: false,
      subscriberId: s!.subscriberId,
      resubscription: { choices: { alerts: true } },
    });
    expect(await inAudience(s!.subscriberId)).toBe(false);
    await confirmWith(await api.confirmLink(email));
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ status: 'confirmed', alerts: true });
    expect((await api.subscribers.getByEmail(email))!.resubscription).toBeUndefined();
    expect(await inAudience(s!.subscriberId)).toBe(true);
  });

  it('declining a sign-up made for a reader who left long ago does not reopen their "Subscribe again" window (the bad input: old links)', async () => {
    const email = `long.gone@${domain}`;
    await api.postJson({ email });
    await confirmWith(await api.confirmLink(email));
    const reader = (await api.subscribers.getByEmail(email))!;
    await api.subscribers.unsubscribe(reader.subscriberId, new Date());
    const left = (await api.subscribers.getByEmail(email))!.unsubscribedAt;
    api.clock.offsetMs = DEFAULT_COOLING_MS + 2 * 24 * 3600_000;
    await api.postJson({ email });
    // The decline, through the confirmation's "never mail this address" link.
    const never = /https:\/\/brief\.example\.org(\/unsubscribe\?token=\S+)/.exec((await api.mailTo(email)).at(-1)!.text ?? '')![1];
    expect(
      (
        await fetch(`${api.http.url}${never}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        })
      ).status,
    ).toBe(200);
    const after = (await api.subscribers.getByEmail(email))!;
    expect(after).toMatchObject({ status: 'unsubscribed', unsubscribedAt: left });
    expect(after.declinedAt).toBeDefined();
    expect(after.resubscription).toBeUndefined();
    // An old preferences link cannot bring the reader back: they left more than 30 days ago.
    const prefs = signToken(api.keys, { subscriberId: reader.subscriberId, purpose: 'preferences', now: new Date() });
    const res = await api.postForm('/preferences', { token: prefs, resubscribe: '1', choices: '1', digest: 'yes', timezone: 'UTC' });
    expect(await res.text()).not.toContain('Saved.');
    expect((await api.subscribers.getByEmail(email))!.status).toBe('unsubscribed');
  });

  it("a stranger's sign-up after the cooling period changes nothing of a reader who left, and a second one within the next period sends nothing", async () => {
    const email = `gone.for.good@${domain}`;
    await api.postJson({ email, topics: ['cyber'] }, { 'user-agent': 'Reader/1' });
    await confirmWith(await api.confirmLink(email));
    const reader = (await api.subscribers.getByEmail(email))!;
    await api.subscribers.unsubscribe(reader.subscriberId, new Date());
    api.clock.offsetMs = DEFAULT_COOLING_MS + 1000;
    // The bad input: someone else signs the address up again, with other choices, from another browser.
    await api.postJson({ email: email.toUpperCase(), topics: ['space'] }, { 'user-agent': 'stranger-bot/1.0' });
    const after = (await api.subscribers.getByEmail(email))!;
    expect(after).toMatchObject({ status: 'unsubscribed', topics: ['cyber'], consent: { userAgent: 'Reader/1' } });
    expect(after.emailAsTyped).toBeUndefined();
    expect(await api.mailTo(email)).toHaveLength(3);
    // A day later (past the hour limit), again: the address that said no gets one confirmation a period.
    api.clock.offsetMs = DEFAULT_COOLING_MS + 26 * 3600_000;
    await api.postJson({ email });
    expect(await api.mailTo(email)).toHaveLength(3);
    expect((await api.subscribers.getByEmail(email))!.status).toBe('unsubscribed');
  });
});

async function inAudience(subscriberId: string): Promise<boolean> {
  const page = await api.subscribers.digestAudiencePage(audienceShard(subscriberId), undefined, 500);
  return page.recipients.some((r) => r.subscriberId === subscriberId);
}
