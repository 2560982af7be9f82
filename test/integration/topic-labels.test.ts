/**
 * Topics are named by their published labels everywhere a reader or an editor sees them, against
 * DynamoDB Local and the SES emulator through the real SDK clients: a topics file gives the id
 * `nuclear-disarmament` the label "Nuclear disarmament talks", and the archive page (over real
 * HTTP), a preview and a test send (of the digest and of an alert), the confirmation and the
 * welcome all say "Nuclear disarmament talks", never the id written as a title ("Nuclear
 * Disarmament", what the renderers fall back to when no label reaches them).
 */
import { SESClient } from '@aws-sdk/client-ses';
import type { Article, Issue } from '../../lambdas/core/model';
import { publish, type SourceFile } from '../../lambdas/usecases/publish';
import { previewMessage, sendTest } from '../../lambdas/usecases/test-send';
import { documentClient, sesPorts, topicUsage } from '../../lambdas/wiring';
import { sampleSettingsFile } from '../../lib/local/sample-content';
import { MAIL, startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
let ses: SESClient;

const LABEL = 'Nuclear disarmament talks';
/** What the renderers make of the id alone: the mistake these tests catch. */
const FROM_ID = 'Nuclear Disarmament';

/** The sample topics.md with the one label changed. */
function topicsFile(): SourceFile {
  const f = sampleSettingsFile();
  const text = f.text.replace(/(id: nuclear-disarmament\n\s+label:) .*/, `$1 ${LABEL}`);
  if (!text.includes(LABEL)) throw new Error('the sample topics.md no longer lists nuclear-disarmament');
  return { ...f, text };
}

const article = (id: string, priority: Article['priority']): Article => ({
  kind: 'article',
  id,
  title: `Talks resume in Geneva (${id})`,
  summary: 'Both sides met for the first time in a year.',
  whyItMatters: 'Arms control needs the two of them.',
  keyPoints: ['A new round in spring'],
  topics: ['nuclear-disarmament', 'diplomacy'],
  source: { name: 'Example News', url: `https://news.example.net/${id}` },
  date: '2026-03-02',
  priority,
  body: '',
  publishedAt: '2026-03-02T08:00:00Z',
});

const ISSUE: Issue = {
  kind: 'issue',
  id: 'labels-1',
  newsletter: MAIL.senderName,
  number: 1,
  title: 'Talks in Geneva',
  summary: 'The week in one sentence.',
  preheader: 'Preview line',
  date: '2026-03-02',
  articleIds: ['geneva-talks'],
  publishedAt: '2026-03-02T05:00:00Z',
};

/** One line of prose however the text part folded it. */
const flat = (s: string | false | undefined) => (s || '').replace(/\s+/g, ' ');

beforeAll(async () => {
  api = await startSubscriptionApi({ allowReservedDomains: true });
  domain = uniqueDomain();
  ses = new SESClient({ endpoint: api.recorder.endpoint, maxAttempts: 1 });
  await publish(
    { content: api.content, settings: api.settings, topicUsage: topicUsage(documentClient(), api.tables.names), clock: api.clock },
    [topicsFile()],
  );
  await api.content.put(article('geneva-talks', 'normal'));
  await api.content.put(article('geneva-breaking', 'breaking'));
  await api.content.put(ISSUE);
  await api.content.markIssuePlanned(ISSUE.id, new Date('2026-03-02T06:00:00Z'));
});
afterAll(async () => {
  ses?.destroy();
  await api?.stop();
});

describe('topics by their published labels', () => {
  it("the archive page of an issue names the article's topic by its label", async () => {
    const res = await fetch(`${api.http.url}/archive/${ISSUE.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(LABEL);
    expect(html).not.toContain(FROM_ID);
  });

  it('a preview of the digest and of an alert names it by its label (topics line, alert reason)', async () => {
    const deps = { content: api.content, subscribers: api.subscribers, settings: MAIL, keys: api.keys, clock: api.clock };
    const digest = await previewMessage(deps, { issueId: ISSUE.id });
    expect(flat(digest.message.text)).toContain(LABEL);
    expect(digest.message.html).toContain(LABEL);
    expect(flat(digest.message.text)).not.toContain(FROM_ID);
    const alert = await previewMessage(deps, { articleId: 'geneva-breaking' });
    expect(flat(alert.message.text)).toContain(LABEL);
    expect(flat(alert.message.text + alert.message.html)).not.toContain(FROM_ID);
  });

  it('a test send, as received by the SES emulator, names it by its label', async () => {
    const to = `editor@${domain}`;
    const r = await sendTest(
      { content: api.content, settings: MAIL, keys: api.keys, mailer: sesPorts(ses, MAIL.configurationSet).mailer, clock: api.clock },
      { issueId: ISSUE.id, to },
    );
    expect(r.failed).toEqual([]);
    const [received] = await api.mailTo(to);
    expect(received?.subject).toMatch(/^\[Test\]/);
    expect(flat(received?.text)).toContain(LABEL);
    expect(flat(received?.text)).not.toContain(FROM_ID);
  });

  it('the confirmation says what was asked for, and the welcome what comes, each topic by its label', async () => {
    const email = `reader@${domain}`;
    const res = await api.postJson({ email, digest: true, alerts: true, topics: ['nuclear-disarmament'], timezone: 'UTC' });
    expect(res.status).toBe(202);
    const confirmation = (await api.mailTo(email)).find((m) => /^Confirm/.test(m.subject ?? ''));
    expect(flat(confirmation?.text)).toContain(`The request was for the weekly digest and breaking alerts on ${LABEL}.`);
    expect(confirmation?.html).toContain(LABEL);
    expect(flat(confirmation?.text)).not.toContain(FROM_ID);

    const token = new URL(await api.confirmLink(email), 'http://x').searchParams.get('token')!;
    expect((await api.postForm('/confirm', { token })).status).toBe(200);
    const welcome = (await api.mailTo(email)).find((m) => /^Welcome/.test(m.subject ?? ''));
    expect(flat(welcome?.text)).toContain(`Breaking alerts on ${LABEL} come as news breaks`);
    expect(flat(welcome?.text)).toContain(`breaking alerts on ${LABEL})`);
    expect(welcome?.html).toContain(LABEL);
    expect(flat(welcome?.text)).not.toContain(FROM_ID);
  });
});
