/**
 * Sign-ups nobody can forge or use against a reader, against DynamoDB Local and the SES emulator:
 * a form posted from another site is refused with a page that says so and nothing is sent; a
 * mailbox gets at most one confirmation an hour (three a day), whoever asks and from how many
 * clients; a client network's limit holds across two API handler instances (the limit lives in
 * DynamoDB, not in an instance's memory).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { makeApiHandler } from '../../lambdas/api/handler';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
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

const form = (email: string) => new URLSearchParams({ email, digest: 'yes', choices: '1', timezone: 'UTC' }).toString();

/** A POST /subscribe as API Gateway delivers it, from `sourceIp`, handed to `handler` (an instance of the API function). */
function apiEvent(sourceIp: string, email: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/subscribe',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'brief.example.org', ...headers },
    requestContext: { http: { method: 'POST', path: '/subscribe', protocol: 'HTTP/1.1', sourceIp, userAgent: 'Browser/1' } },
    body: Buffer.from(form(email)).toString('base64'),
    isBase64Encoded: true,
  } as unknown as APIGatewayProxyEventV2;
}

describe('a sign-up posted from another site', () => {
  it.each([
    ["a form on another site's page (its Origin)", { origin: 'https://evil.example.net' }],
    ['a form in a sandboxed frame (Origin: null)', { origin: 'null' }],
    ['a request the browser marks cross-site, without an Origin', { 'sec-fetch-site': 'cross-site' }],
    ['a form on a sibling subdomain (same-site is not same-origin)', { 'sec-fetch-site': 'same-site' }],
  ])('%s gets the 403 page; nothing is queued, stored or sent', async (_name, headers) => {
    const email = `victim.${Object.values(headers)[0].replace(/\W/g, '')}@${domain}`;
    const res = await fetch(`${api.http.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: form(email),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form was sent from another site');
    expect(api.signupQueue.stats().visible + api.signupQueue.stats().inFlight).toBe(0);
    expect(await api.mailTo(email)).toEqual([]);
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
  });

  it('the JSON endpoint refuses another site with 403 JSON, and takes the configured partner and the page itself', async () => {
    const evil = await fetch(`${api.http.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example.net' },
      body: JSON.stringify({ email: `json@${domain}` }),
    });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: 'cross-site' });
    expect(await api.mailTo(`json@${domain}`)).toEqual([]);
    expect((await api.postJson({ email: `partner@${domain}` }, { origin: 'https://partner.example.net' })).status).toBe(202);
    expect(await api.mailTo(`partner@${domain}`)).toHaveLength(1);
    const own = await fetch(`${api.http.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.http.url, 'sec-fetch-site': 'same-origin' },
      body: form(`own@${domain}`),
      redirect: 'manual',
    });
    expect(own.status).toBe(303);
    expect(await api.mailTo(`own@${domain}`)).toHaveLength(1);
  });
});

describe('one mailbox, many requests', () => {
  it('20 sign-ups for one address from 20 clients within an hour, through two API instances, send one confirmation', async () => {
    const second = makeApiHandler(api.deps);
    const email = `target@${domain}`;
    // The bad input: the same address (in other capitals too) from 20 clients, to both instances:
    // ten at once (handled together, in one batch of the sign-ups function), then ten more over
    // the next 50 minutes, each handled before the clock moves on.
    const ask = (i: number) => (i % 2 ? api.handler : second)(apiEvent(`203.0.113.${i + 1}`, i % 3 === 0 ? email.toUpperCase() : email));
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i)));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(10).fill(303));
    await api.settled();
    for (let i = 10; i < 20; i++) {
      api.clock.offsetMs = (i - 9) * 5 * 60_000;
      expect((await ask(i)).statusCode).toBe(303);
      await api.settled();
    }
    expect(await api.mailTo(email)).toHaveLength(1);
  });

  it('counts +tags of one mailbox together', async () => {
    for (let i = 1; i <= 5; i++) await api.postJson({ email: `tagged+${i}@${domain}` });
    const mails = await Promise.all([1, 2, 3, 4, 5].map((i) => api.mailTo(`tagged+${i}@${domain}`)));
    expect(mails.flat()).toHaveLength(1);
  });

  it('allows one an hour and three a day: the fourth within the day is refused, the next day it goes', async () => {
    const email = `patient@${domain}`;
    const at = async (hours: number) => {
      api.clock.offsetMs = hours * 3600_000;
      await api.postJson({ email });
      return (await api.mailTo(email)).length;
    };
    expect(await at(0)).toBe(1);
    expect(await at(0.5)).toBe(1);
    expect(await at(1.1)).toBe(2);
    expect(await at(2.2)).toBe(3);
    expect(await at(3.3)).toBe(3);
    expect(await at(24.1)).toBe(4);
  });
});

describe("a client network's limit holds across instances", () => {
  let limited: Awaited<ReturnType<typeof startSubscriptionApi>>;
  beforeAll(async () => {
    limited = await startSubscriptionApi({ rateLimit: 5 });
  });
  afterAll(() => limited?.stop());

  it('five sign-ups a minute from one IPv6 /64, spread over two instances and several addresses in it; the sixth gets 429; another network is not affected', async () => {
    // A second instance: its own handler and limiter object, on the same table.
    const other = makeApiHandler({
      ...limited.deps,
      limiter: dynamoPorts(documentClient(), limited.tables.names).clientLimit(limited.clock, 5),
    });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const handler = i % 2 ? limited.handler : other;
      statuses.push((await handler(apiEvent(`2001:db8:77:1::${(i + 1).toString(16)}`, `n${i}@${domain}`))).statusCode!);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
    expect((await other(apiEvent('2001:db8:77:2::1', `elsewhere@${domain}`))).statusCode).toBe(303);
    limited.clock.offsetMs = 61_000;
    expect((await limited.handler(apiEvent('2001:db8:77:1::99', `later@${domain}`))).statusCode).toBe(303);
  });

  it('when the sign-up queue does not take a request, the reader gets our own 503 page and the try is given back', async () => {
    limited.clock.offsetMs = 10 * 60_000;
    // The bad input: the queue refuses every message (SQS down, throttled).
    const broken = makeApiHandler({
      ...limited.deps,
      signups: { enqueue: () => Promise.reject(Object.assign(new Error('down'), { name: 'ServiceUnavailable' })) },
    });
    for (let i = 0; i < 6; i++) {
      const res = await broken(apiEvent('198.51.100.200', `queue${i}@${domain}`));
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('Something went wrong on our side');
    }
    // Six failed tries did not use up the client's five a minute: the next one goes through.
    expect((await limited.handler(apiEvent('198.51.100.200', `queue-ok@${domain}`))).statusCode).toBe(303);
    expect(await limited.mailTo(`queue0@${domain}`)).toEqual([]);
  });
});
