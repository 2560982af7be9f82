/**
 * Trust in every message: each kind (digest, alert, confirmation, welcome) names the sender's
 * organisation and postal address in its footer and its text part, carries the Reply-To when one
 * is set, says why the reader gets it with the day they subscribed, and only the messages a
 * reader's own action triggers are marked Auto-Submitted. The digest links its archive page.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { ALL_TOPICS } from '../../lambdas/core/audience';
import { composeMessage, HeaderInjectionError, prepareMessage } from '../../lambdas/core/mime';
import type { Article, Recipient } from '../../lambdas/core/model';
import type { Mailer } from '../../lambdas/core/ports';
import { alertReason, digestReason, formatSubscribedOn, welcomeReason } from '../../lambdas/core/render/identity';
import { prepareAlertCampaign, prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import type { MailSettings } from '../../lambdas/core/mail-settings';
import { publish } from '../../lambdas/usecases/publish';
import { sendConfirmation, sendWelcome } from '../../lambdas/usecases/subscription-mail';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent } from './fakes';
import { signingKeys } from './fixtures';

const ORG = 'Sample Publishers SRL';
const ADDRESS = 'Rue de la Loi 1, 1000 Brussels, Belgium';
const settings: MailSettings = {
  senderEmail: 'brief@example.org',
  senderName: 'Brief',
  publicBaseUrl: 'https://brief.example.org',
  organisationName: ORG,
  postalAddress: ADDRESS,
  replyToEmail: 'editors@example.org',
};
const keys = signingKeys;
const NOW = new Date('2026-11-25T12:00:00Z');
const SUBSCRIBED = '2026-11-12T08:30:00.000Z';

const article: Article = {
  kind: 'article',
  id: 'nk-icbm',
  title: 'North Korea tests a suspected new ICBM-class missile',
  summary: 'A launch on the eve of talks.',
  keyPoints: [],
  topics: ['north-korea', 'nuclear-disarmament', 'china'],
  source: { name: 'Ministry', url: 'https://example.org/' },
  date: '2026-11-24',
  priority: 'breaking',
  body: '',
  publishedAt: '2026-11-24T00:00:00Z',
};

const flat = (s: string) => s.replace(/\s+/g, ' ');

async function digestMail(r: Recipient, over: Partial<MailSettings> = {}) {
  const content = new MemoryContent();
  await publish({ content, clock: fixedClock() }, sampleIssueFiles());
  const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
  const campaign = await prepareDigestCampaign(issue, await content.getArticles(issue.articleIds), { ...settings, ...over }, keys);
  return simpleParser(campaign.compose(r, NOW));
}

async function alertMail(r: Recipient, over: Partial<MailSettings> = {}) {
  const campaign = await prepareAlertCampaign(article, { ...settings, ...over }, keys);
  return simpleParser(campaign.compose(r, NOW));
}

function capture() {
  const sent: Buffer[] = [];
  const mailer: Mailer = { sendRaw: (input) => (sent.push(input.raw), Promise.resolve({ messageId: 'm' })) };
  return { mailer, parsed: async () => simpleParser(sent[sent.length - 1]) };
}

const reader = confirmedSubscriber(
  { email: 'reader@example.com', digest: true, alerts: true, topics: ['cyber', 'space'], timezone: 'Europe/Brussels' },
  'web',
  new Date(SUBSCRIBED),
);

async function confirmationMail(over: Partial<MailSettings> = {}) {
  const { mailer, parsed } = capture();
  await sendConfirmation(
    { mailer, keys, mail: { ...settings, ...over } },
    reader,
    { token: 'tok', expiresAt: new Date('2026-11-27T12:00:00Z') },
    new Date(SUBSCRIBED),
  );
  return parsed();
}

async function welcomeMail(over: Partial<MailSettings> = {}) {
  const { mailer, parsed } = capture();
  await sendWelcome({ mailer, keys, mail: { ...settings, ...over } }, reader, NOW);
  return parsed();
}

const kinds: [string, (over?: Partial<MailSettings>) => Promise<ParsedMail>][] = [
  ['digest', (over) => digestMail({ subscriberId: 's1', email: 'reader@example.com', subscribedAt: SUBSCRIBED }, over)],
  [
    'alert',
    (over) => alertMail({ subscriberId: 's1', email: 'reader@example.com', matchedTopics: [ALL_TOPICS], subscribedAt: SUBSCRIBED }, over),
  ],
  ['confirmation', confirmationMail],
  ['welcome', welcomeMail],
];

describe('who sends it: organisation and postal address', () => {
  it.each(kinds)('the %s shows the organisation and the postal address in the HTML footer and the text part', async (_kind, mail) => {
    const m = await mail();
    const html = String(m.html);
    const footer = html.slice(html.lastIndexOf('Unsubscribe') > 0 ? html.search(/Unsubscribe|Never mail this address/) : 0);
    expect(footer).toContain(ORG);
    expect(footer).toContain(ADDRESS);
    expect(m.text).toContain(ORG);
    expect(m.text).toContain(ADDRESS);
  });
});

describe('Reply-To', () => {
  it.each(kinds)('the %s carries Reply-To when one is set, and none otherwise', async (_kind, mail) => {
    expect((await mail()).headers.get('reply-to')).toMatchObject({ text: 'editors@example.org' });
    expect((await mail({ replyToEmail: undefined })).headers.has('reply-to')).toBe(false);
  });

  it('refuses a Reply-To that carries a line break, before any message is built', async () => {
    const spec = {
      from: { name: 'Brief', address: 'brief@example.org' },
      subject: 'S',
      listId: { id: 'brief.example.org', name: 'Brief' },
    };
    const parts = { to: 'r@example.org', unsubscribeUrl: 'https://brief.example.org/u', html: '<p>x</p>', text: 'x' };
    for (const replyTo of ['editors@example.org\r\nBcc: victim@example.net', 'editors@example.org\nX: y']) {
      await expect(prepareMessage({ ...spec, replyTo })).rejects.toThrow(HeaderInjectionError);
      await expect(composeMessage({ ...spec, replyTo }, parts)).rejects.toThrow(/replyTo contains a line break/);
    }
  });
});

describe('Auto-Submitted', () => {
  it.each([
    ['confirmation', true],
    ['welcome', true],
    ['digest', false],
    ['alert', false],
  ])('the %s is marked Auto-Submitted: auto-generated: %s', async (kind, marked) => {
    const m = await kinds.find(([k]) => k === kind)![1]();
    if (marked) expect(m.headers.get('auto-submitted')).toBe('auto-generated');
    else expect(m.headers.has('auto-submitted')).toBe(false);
    // Tagged for SES alike, so its bounces and complaints stay out of the reputation brake.
    if (marked) expect(m.headers.get('x-ses-message-tags')).toBe('kind=transactional');
    else expect(m.headers.has('x-ses-message-tags')).toBe(false);
  });
});

describe('why you get this, with the day you subscribed', () => {
  it('writes the day out: 12 November 2026, never 12/11', () => {
    expect(formatSubscribedOn(SUBSCRIBED)).toBe('12 November 2026');
    expect(formatSubscribedOn(undefined)).toBeUndefined();
  });

  it('a digest reader: the subscription to the digest and its date, in both parts', async () => {
    const m = await digestMail({ subscriberId: 's1', email: 'reader@example.com', subscribedAt: SUBSCRIBED });
    // The digest names the newsletter as the issue does.
    const expected =
      'You get this digest because reader@example.com is subscribed to the EU–Japan Security Brief weekly digest. You subscribed on 12 November 2026.';
    expect(digestReason('EU–Japan Security Brief', 'reader@example.com', SUBSCRIBED)).toBe(expected);
    expect(String(m.html)).toContain(expected);
    expect(flat(m.text ?? '')).toContain(expected);
  });

  it('an alert reader of all topics is told "all topics", not the article\'s topics, with the date', async () => {
    const m = await alertMail({ subscriberId: 's1', email: 'all@example.com', matchedTopics: [ALL_TOPICS], subscribedAt: SUBSCRIBED });
    const expected =
      'You get this alert because all@example.com asked for Brief breaking alerts on all topics. You subscribed on 12 November 2026.';
    expect(String(m.html)).toContain(expected);
    expect(flat(m.text ?? '')).toContain(expected);
    expect(flat(m.text ?? '')).not.toMatch(/alerts on North Korea/);
  });

  it('an alert reader of two topics is told the two that matched, with the date', async () => {
    const m = await alertMail({
      subscriberId: 's2',
      email: 'two@example.com',
      matchedTopics: ['north-korea', 'china'],
      subscribedAt: SUBSCRIBED,
    });
    const expected =
      'You get this alert because two@example.com asked for Brief breaking alerts on North Korea and China. You subscribed on 12 November 2026.';
    expect(alertReason('Brief', 'two@example.com', ['north-korea', 'china'], SUBSCRIBED)).toBe(expected);
    expect(flat(m.text ?? '')).toContain(expected);
  });

  it('without a known date the sentence simply ends after the reason', () => {
    expect(alertReason('Brief', 'a@example.com', [ALL_TOPICS])).toBe(
      'You get this alert because a@example.com asked for Brief breaking alerts on all topics.',
    );
  });

  it('the welcome says what the reader chose and when, for each choice of topics', async () => {
    expect(welcomeReason('Brief', 'r@example.com', { digest: true, alerts: false, topics: [] }, SUBSCRIBED)).toBe(
      'You get this email because r@example.com subscribed to Brief (the weekly digest). You subscribed on 12 November 2026.',
    );
    expect(welcomeReason('Brief', 'r@example.com', { digest: false, alerts: true, topics: [] }, SUBSCRIBED)).toContain(
      '(breaking alerts on all topics)',
    );
    expect(welcomeReason('Brief', 'r@example.com', { digest: true, alerts: true, topics: ['cyber', 'space'] }, SUBSCRIBED)).toContain(
      '(the weekly digest and breaking alerts on Cyber and Space)',
    );
    const m = await welcomeMail();
    expect(flat(m.text ?? '')).toContain(
      'reader@example.com subscribed to Brief (the weekly digest and breaking alerts on Cyber and Space). You subscribed on 12 November 2026.',
    );
  });

  it('the confirmation says someone asked, on that day, to subscribe the address', async () => {
    const m = await confirmationMail();
    expect(flat(m.text ?? '')).toContain(
      'You get this email because someone, probably you, asked on 12 November 2026 to subscribe reader@example.com to Brief.',
    );
  });
});

describe('view in browser', () => {
  it("the digest links the issue's archive page in both parts", async () => {
    const m = await digestMail({ subscriberId: 's1', email: 'reader@example.com' });
    const url = `https://brief.example.org/archive/${SAMPLE_ISSUE_ID}`;
    expect(String(m.html)).toMatch(new RegExp(`<a href="${url.replace(/[.]/g, '\\.')}"[^>]*>View in browser</a>`));
    expect(m.text).toContain(`View in browser: ${url}`);
  });

  it('an alert has no page of its own in the archive, so no link', async () => {
    const m = await alertMail({ subscriberId: 's1', email: 'reader@example.com', matchedTopics: [ALL_TOPICS] });
    expect(String(m.html)).not.toContain('View in browser');
    expect(m.text).not.toContain('View in browser');
  });
});
