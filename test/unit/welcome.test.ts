/**
 * The welcome says what arrives and when: the digest on the reader's own clock (computed from
 * the deployed schedule and the reader's time zone), alerts as news breaks; it links the latest
 * issue already sent and the archive, and invites a reply. Both parts.
 */
import { simpleParser } from 'mailparser';
import type { Issue, Subscriber } from '../../lambdas/core/model';
import type { Mailer } from '../../lambdas/core/ports';
import { digestArrivalSentence, type DigestSchedule } from '../../lambdas/core/schedule';
import { renderWelcome } from '../../lambdas/core/render/transactional';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { archiveLink } from '../../lambdas/usecases/digest-campaign';
import { sendWelcome } from '../../lambdas/usecases/subscription-mail';
import type { MailSettings } from '../../lambdas/core/mail-settings';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';

/** The default schedule: Mondays 07:00 in Brussels (cdk.json's scheduleCron and timeZone). */
const MONDAY_7_BRUSSELS: DigestSchedule = { cron: 'cron(0 7 ? * MON *)', timeZone: 'Europe/Brussels' };
/** A Wednesday in November: Brussels on winter time (UTC+1). */
const NOVEMBER = new Date('2026-11-25T12:00:00Z');
/** A Wednesday in June: Brussels on summer time (UTC+2); Tokyo never changes its clocks. */
const JUNE = new Date('2026-06-10T12:00:00Z');

describe("when the digest arrives, on the reader's clock", () => {
  it("in local-time mode: the hour on their own clock, whatever the planner's cron; UTC for a reader without a known zone", () => {
    const localTime: DigestSchedule = { cron: 'cron(0/15 * * * ? *)', timeZone: 'Etc/UTC', localTime: '07:00' };
    expect(digestArrivalSentence(localTime, 'Asia/Kathmandu', NOVEMBER)).toBe(
      'Each issue arrives at 07:00 your time (Asia/Kathmandu), on the day it comes out.',
    );
    expect(digestArrivalSentence(localTime, 'Not/AZone', NOVEMBER)).toBe('Each issue arrives at 07:00 UTC, on the day it comes out.');
  });

  it('in Tokyo: Mondays at 15:00 in winter, and the hour it moves to in summer', () => {
    expect(digestArrivalSentence(MONDAY_7_BRUSSELS, 'Asia/Tokyo', NOVEMBER)).toBe(
      'The digest arrives on Mondays at 15:00 your time (Asia/Tokyo), or 14:00 for part of the year, as clocks change; the next one on Monday 30 November.',
    );
    expect(digestArrivalSentence(MONDAY_7_BRUSSELS, 'Asia/Tokyo', JUNE)).toMatch(
      /^The digest arrives on Mondays at 14:00 your time \(Asia\/Tokyo\), or 15:00 for part of the year/,
    );
  });

  it('in New York: Sunday night when the Brussels Monday morning is still Sunday there', () => {
    const schedule: DigestSchedule = { cron: 'cron(0 5 ? * MON *)', timeZone: 'Europe/Brussels' };
    expect(digestArrivalSentence(schedule, 'America/New_York', NOVEMBER)).toBe(
      'The digest arrives on Sundays at 23:00 your time (America/New_York); the next one on Sunday 29 November.',
    );
  });

  it("in the schedule's own zone: the configured time, with no clock-change note", () => {
    expect(digestArrivalSentence(MONDAY_7_BRUSSELS, 'Europe/Brussels', JUNE)).toBe(
      'The digest arrives on Mondays at 07:00 your time (Europe/Brussels); the next one on Monday 15 June.',
    );
  });

  it("reads the local mode's five-field cron the same way", () => {
    expect(digestArrivalSentence({ cron: '0 7 * * MON', timeZone: 'Europe/Brussels' }, 'Asia/Tokyo', NOVEMBER)).toBe(
      digestArrivalSentence(MONDAY_7_BRUSSELS, 'Asia/Tokyo', NOVEMBER),
    );
  });

  it('names several days, or every day', () => {
    expect(digestArrivalSentence({ cron: 'cron(30 6 ? * MON,THU *)', timeZone: 'Asia/Tokyo' }, 'Asia/Tokyo', NOVEMBER)).toBe(
      'The digest arrives on Mondays and Thursdays at 06:30 your time (Asia/Tokyo); the next one on Thursday 26 November.',
    );
    expect(digestArrivalSentence({ cron: 'cron(0 6 ? * * *)', timeZone: 'UTC' }, 'UTC', NOVEMBER)).toMatch(
      /^The digest arrives every day at 06:00 your time \(UTC\)/,
    );
  });

  it("falls back to the schedule's zone for a reader whose zone is unknown, and says nothing for a schedule that never runs", () => {
    expect(digestArrivalSentence(MONDAY_7_BRUSSELS, 'Not/AZone', NOVEMBER)).toBe(
      'The digest arrives on Mondays at 07:00 Europe/Brussels time; the next one on Monday 30 November.',
    );
    expect(digestArrivalSentence({ cron: 'cron(0 7 ? * MON 2020)', timeZone: 'UTC' }, 'UTC', NOVEMBER)).toBeUndefined();
  });
});

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'welcome-test-signing-key-0123456789abcdef0123' }));
const mail: MailSettings = {
  senderEmail: 'brief@briefing.example.org',
  senderName: 'Sample Brief',
  publicBaseUrl: 'https://briefing.example.org/',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
  digestSchedule: MONDAY_7_BRUSSELS,
};
const issue: Issue = {
  kind: 'issue',
  id: 'sample-brief-007',
  newsletter: 'Sample Brief',
  number: 7,
  title: 'Seven & counting',
  summary: 's',
  preheader: 'p',
  date: '2026-11-23',
  articleIds: ['a'],
  publishedAt: '2026-11-20T00:00:00Z',
  plannedAt: '2026-11-23T06:00:00Z',
};

async function welcome(s: Subscriber, latest: Issue | undefined, settings = mail) {
  let raw: Buffer | undefined;
  const mailer: Mailer = { sendRaw: (input) => ((raw = input.raw), Promise.resolve({ messageId: 'm' })) };
  await sendWelcome({ mailer, keys, mail: settings, content: { latestIssue: () => Promise.resolve(latest) } }, s, NOVEMBER);
  const parsed = await simpleParser(raw!);
  return { html: String(parsed.html), text: (parsed.text ?? '').replace(/\s*\n\s*/g, ' ') };
}

const reader = (over: Partial<Parameters<typeof confirmedSubscriber>[0]>) =>
  confirmedSubscriber(
    { email: 'reader@example.com', digest: true, alerts: false, topics: [], timezone: 'Asia/Tokyo', ...over },
    'web',
    NOVEMBER,
  );

describe('the welcome mail', () => {
  it('tells a digest reader in Tokyo when the digest arrives on their clock, in both parts', async () => {
    const { html, text } = await welcome(reader({}), issue);
    const sentence = digestArrivalSentence(MONDAY_7_BRUSSELS, 'Asia/Tokyo', NOVEMBER)!;
    expect(sentence).toContain('Mondays at 15:00 your time (Asia/Tokyo)');
    expect(html).toContain(sentence.replace(/'/g, '&#x27;'));
    expect(text).toContain(sentence);
    expect(text).not.toContain('BREAKING ALERTS');
  });

  it('tells the same reader in New York the New York time', async () => {
    const { text } = await welcome(reader({ timezone: 'America/New_York' }), issue);
    expect(text).toContain('The digest arrives on Mondays at 01:00 your time (America/New_York)');
  });

  it('tells an alert reader that alerts come as news breaks, on their topics', async () => {
    const { html, text } = await welcome(reader({ digest: false, alerts: true, topics: ['north-korea', 'cyber'] }), issue);
    expect(text).toContain('Breaking alerts on North Korea and Cyber come as news breaks, whatever the hour.');
    expect(html).toContain('Breaking alerts on North Korea and Cyber come as news breaks');
    expect(text).not.toContain('The digest arrives');
  });

  it('links the latest issue sent and the archive, and invites a reply', async () => {
    const { html, text } = await welcome(reader({ alerts: true }), issue);
    expect(archiveLink('https://briefing.example.org/', issue.id)).toBe('https://briefing.example.org/archive/sample-brief-007');
    expect(html).toContain(
      '<a href="https://briefing.example.org/archive/sample-brief-007" style="color: #1d4ed8; font-weight: 600;">Seven &amp; counting</a> (No.&nbsp;7)',
    );
    expect(html).toContain('<a href="https://briefing.example.org/archive" style="color: #1d4ed8; font-weight: 600;">archive</a>');
    expect(text).toContain('The latest issue: Seven & counting (No. 7): https://briefing.example.org/archive/sample-brief-007');
    expect(text).toContain('Every issue is in the archive: https://briefing.example.org/archive');
    expect(html).toContain('Reply to this email');
    expect(text).toContain('Reply to this email');
  });

  it('links no issue before the first one has gone out, and still links the archive', async () => {
    const { html, text } = await welcome(reader({}), { ...issue, plannedAt: undefined });
    expect(text).not.toContain('The latest issue');
    expect(html).not.toContain('/archive/');
    expect(text).toContain('https://briefing.example.org/archive');
  });

  it('without a configured schedule, says the digest comes weekly', async () => {
    const { text } = await welcome(reader({}), undefined, { ...mail, digestSchedule: undefined });
    expect(text).toContain('The digest comes once a week.');
  });

  it('a reader of every topic is told so', () => {
    const { text } = renderWelcome({
      newsletter: 'B',
      email: 'reader@example.org',
      subscribedAt: '2026-11-12T08:00:00Z',
      digest: true,
      alerts: true,
      topics: [],
      archiveUrl: 'https://b.example/archive',
      preferencesUrl: 'https://b.example/p',
      unsubscribeUrl: 'https://b.example/u',
    });
    expect(text.replace(/\s+/g, ' ')).toContain('Breaking alerts on every topic we cover come as news breaks');
  });
});
