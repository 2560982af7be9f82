/**
 * Topics and page text as settings, against DynamoDB Local over real HTTP: publish a topics
 * file, and the subscribe page shows its blurb, its digest wording for the delivery mode and
 * its topics; the web form, the JSON API and the preferences form refuse an unknown topic with a
 * "did you mean" and store nothing; a topic an article and a reader use cannot be removed.
 */
import { expect } from '@jest/globals';
import { makeApiHandler } from '../../lambdas/api/handler';
import { signToken } from '../../lambdas/core/tokens';
import { publish, type SourceFile } from '../../lambdas/usecases/publish';
import { upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient, topicUsage } from '../../lambdas/wiring';
import { serveHttp } from '../../lib/local/http';
import { sampleSettingsFile } from '../../lib/local/sample-content';
import { testDigest } from '../support/address-key';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
beforeAll(async () => {
  api = await startSubscriptionApi();
  domain = uniqueDomain();
});
afterAll(() => api?.stop());

const BLURB = 'A test blurb, the week in the Arctic, from the settings.';
const ARCTIC = '  - id: arctic\n    label: Arctic\n    description: Shipping lanes and bases in the far north.\n';

/** The sample topics.md with its blurb replaced, and the Arctic topic when `arctic`. */
function topicsFile(arctic: boolean): SourceFile {
  const f = sampleSettingsFile();
  const text = f.text.replace(/^blurb: .*$/m, `blurb: ${BLURB}`).replace(/---\s*$/, `${arctic ? ARCTIC : ''}---\n`);
  return { ...f, text };
}

const deps = () => ({
  content: api.content,
  settings: api.settings,
  topicUsage: topicUsage(documentClient(), api.tables.names),
  clock: api.clock,
});

const page = async (url: string) => (await fetch(url)).text();

describe('the subscribe page from the settings', () => {
  beforeAll(() => publish(deps(), [topicsFile(true)]));

  it('shows the blurb, the schedule wording and every topic with its description (schedule mode)', async () => {
    const html = await page(`${api.http.url}/`);
    expect(html).toContain(BLURB);
    // The sample's {schedule}, with no schedule given to this API: the words for an unknown one.
    expect(html).toContain('The weekly digest (once a week)');
    expect(html).toContain('id="topic-arctic"');
    expect(html).toContain('Shipping lanes and bases in the far north.');
    expect(html).not.toContain("Summaries of the week's security news");
  });

  it('in local-time mode says the local hour, not "every Monday morning"', async () => {
    const http = await serveHttp(makeApiHandler({ ...api.deps, delivery: { mode: 'local-time', localTime: '07:30' } }), { port: 0 });
    try {
      const html = await page(`${http.url}/`);
      expect(html).toContain('The weekly digest (at 07:30 your own time, on the day each issue comes out)');
      expect(html).not.toContain('every Monday morning');
      expect(html).toContain(BLURB);
    } finally {
      await http.close();
    }
  });
});

describe('the schedule wording follows the configured schedule', () => {
  it('a Thursday-evening schedule in Tokyo reads as such on the page, with no "Monday" anywhere in the wording', async () => {
    const schedule = { cron: 'cron(0 18 ? * THU *)', timeZone: 'Asia/Tokyo' };
    const http = await serveHttp(makeApiHandler({ ...api.deps, delivery: { mode: 'schedule', schedule } }), { port: 0 });
    try {
      const html = await page(`${http.url}/`);
      expect(html).toContain('The weekly digest (on Thursdays at 18:00, Asia/Tokyo time)');
      expect(html).not.toMatch(/Monday/);
    } finally {
      await http.close();
    }
  });

  it('mistake: publishing a wording that names a day is refused with its line and the fix, and the stored wording stays', async () => {
    const monday = topicsFile(true);
    const fixed = { ...monday, text: monday.text.replace('({schedule})', '(every Monday morning)') };
    await expect(publish(deps(), [fixed])).rejects.toThrow(
      /topics\.md:\d+: digestWording\.schedule: names a day \("Monday"\): write \{schedule\} instead/,
    );
    expect((await api.settings.getSettings())?.digestWording.schedule).toBe('The weekly digest ({schedule})');
  });
});

describe('an unknown topic is refused with "did you mean", and nothing is stored', () => {
  it('mistake: the web form POST /subscribe with a misspelt topic', async () => {
    const email = `form@${domain}`;
    const res = await api.postForm('/subscribe', { email, choices: '1', digest: 'yes', topics: ['arctic', 'artic'], timezone: 'UTC' });
    expect(res.status).toBe(400);
    const html = (await res.text()).replaceAll('&quot;', '"');
    expect(html).toContain('unknown topic "artic" (did you mean "arctic"?)');
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
  });

  it('mistake: the JSON API with a misspelt topic', async () => {
    const email = `json@${domain}`;
    const res = await api.postJson({ email, topics: ['maritime-securty'] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('(did you mean "maritime-security"?)');
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
  });

  it('a topic added by the settings is accepted by the form', async () => {
    const email = `arctic@${domain}`;
    const res = await api.postForm('/subscribe', { email, choices: '1', digest: 'yes', topics: 'arctic', timezone: 'UTC' });
    expect(res.status).toBe(303);
    expect(await api.subscribers.getByEmail(email)).toMatchObject({ status: 'pending', topics: ['arctic'] });
  });

  it('mistake: the preferences form with a misspelt topic; the stored choices stay', async () => {
    const r = await upsertSubscriber(
      { subscribers: api.subscribers, clock: api.clock, digest: testDigest },
      { email: `prefs@${domain}`, topics: ['cyber'] },
      'cli',
      { allowReservedDomains: true },
    );
    const token = signToken(api.keys, { subscriberId: r.subscriber!.subscriberId, purpose: 'preferences', now: new Date() });
    const res = await api.postForm('/preferences', { token, choices: '1', digest: 'yes', topics: ['cybr'], timezone: 'UTC' });
    expect(res.status).toBe(400);
    expect((await res.text()).replaceAll('&quot;', '"')).toContain('unknown topic "cybr" (did you mean "cyber"?)');
    expect((await api.subscribers.getByEmail(`prefs@${domain}`))?.topics).toEqual(['cyber']);
  });
});

describe('a topic sent twice by a form is named, in words, and nothing is stored', () => {
  it('mistake: the web form with every topic ticked and one of them twice (zod\'s "Too big" before)', async () => {
    const email = `twice@${domain}`;
    const every = (await api.settings.getSettings())!.topics.map((t) => t.id);
    const res = await api.postForm('/subscribe', { email, choices: '1', digest: 'yes', topics: [...every, 'cyber'], timezone: 'UTC' });
    expect(res.status).toBe(400);
    const html = (await res.text()).replaceAll('&quot;', '"');
    expect(html).toContain('topics: "cyber" chosen more than once: choose each topic once');
    expect(html).not.toMatch(/too big/i);
    expect(await api.subscribers.getByEmail(email)).toBeUndefined();
  });

  it('mistake: the preferences form with one topic twice; the stored choices stay', async () => {
    const r = await upsertSubscriber(
      { subscribers: api.subscribers, clock: api.clock, digest: testDigest },
      { email: `prefs-twice@${domain}`, topics: ['space'] },
      'cli',
      { allowReservedDomains: true },
    );
    const token = signToken(api.keys, { subscriberId: r.subscriber!.subscriberId, purpose: 'preferences', now: new Date() });
    const res = await api.postForm('/preferences', { token, choices: '1', digest: 'yes', topics: ['cyber', 'cyber'], timezone: 'UTC' });
    expect(res.status).toBe(400);
    expect((await res.text()).replaceAll('&quot;', '"')).toContain('topics: "cyber" chosen more than once');
    expect((await api.subscribers.getByEmail(`prefs-twice@${domain}`))?.topics).toEqual(['space']);
  });
});

describe('a topic in use cannot be removed', () => {
  it('mistake: publishing topics.md without a topic an article and a reader use names them, and the settings stay', async () => {
    const article: SourceFile = {
      name: 'content/test/articles/ice.md',
      text: [
        '---',
        'type: article',
        'id: ice-route',
        'title: A new route through the ice',
        'summary: Ships cross earlier each year.',
        'keyPoints:',
        '  - The season is longer.',
        'topics: [arctic]',
        'source:',
        '  name: A source',
        '  url: https://example.org/ice',
        'date: 2024-11-01',
        '---',
      ].join('\n'),
    };
    await publish(deps(), [article]);
    // Two readers chose it (the pending sign-up above, and this one); one who left does not count.
    await upsertSubscriber(
      { subscribers: api.subscribers, clock: api.clock, digest: testDigest },
      { email: `north@${domain}`, topics: ['arctic', 'cyber'] },
      'cli',
      { allowReservedDomains: true, settings: await api.settings.getSettings() },
    );
    await expect(publish(deps(), [topicsFile(false)])).rejects.toThrow(
      'topics: topic arctic is still used by article ice-route and 2 readers: keep it, or change those first',
    );
    expect((await api.settings.getSettings())?.topics.map((t) => t.id)).toContain('arctic');
  });
});
