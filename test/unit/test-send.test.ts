/**
 * The pure parts of `send-test` and `preview` (lambdas/usecases/test-send.ts): which addresses
 * are accepted, what a test message is (the sender's message, subject marked, links signed for
 * nobody), and that bad input sends nothing. The emulators, the tables left unchanged and the
 * CLI itself are in test/integration/send-test.test.ts.
 */
import { simpleParser } from 'mailparser';
import { verifyToken } from '../../lambdas/core/tokens';
import { prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import { publish } from '../../lambdas/usecases/publish';
import {
  MAX_TEST_RECIPIENTS,
  parseTestRecipients,
  previewMessage,
  SAMPLE_READER_EMAIL,
  sendTest,
  TEST_SUBJECT_PREFIX,
  TEST_SUBSCRIBER_ID,
  TestSendError,
} from '../../lambdas/usecases/test-send';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent, MemorySubscribers, RecordingMailer } from './fakes';
import { senderSettings, signingKeys } from './fixtures';

const settings = senderSettings;
const keys = signingKeys;
const clock = fixedClock();
/** The parts are CRLF (MIME's canonical text form); mailparser gives them back with LF. */
const lf = (s: string) => s.replace(/\r\n/g, '\n');

async function content() {
  const c = new MemoryContent();
  await publish({ content: c, clock }, sampleIssueFiles());
  return c;
}

describe('parseTestRecipients', () => {
  it('accepts a comma-separated list, trims each address, folds the domain and drops repeats', () => {
    expect(parseTestRecipients(' Editor@Example.ORG, proof@example.net ,Editor@example.org')).toEqual([
      'Editor@example.org',
      'proof@example.net',
    ]);
    expect(parseTestRecipients(['a@example.org', 'b@example.org,c@example.org'])).toEqual([
      'a@example.org',
      'b@example.org',
      'c@example.org',
    ]);
  });

  it('refuses no address at all (missing, empty, only commas)', () => {
    for (const input of [undefined, '', ' , ', []]) expect(() => parseTestRecipients(input)).toThrow(/give at least one address/);
  });

  it('refuses an empty entry between commas', () => {
    expect(() => parseTestRecipients('a@example.org,,b@example.org')).toThrow(/entry 2 is empty/);
  });

  it('refuses an invalid address with the validator’s reason', () => {
    expect(() => parseTestRecipients('a@example.org,not-an-address')).toThrow(TestSendError);
    expect(() => parseTestRecipients('a@example.org,not-an-address')).toThrow(/--to: invalid email address "not-an-address"/);
  });

  it('refuses a CR/LF header-injection attempt', () => {
    expect(() => parseTestRecipients('a@example.org\r\nBcc: everyone@example.net')).toThrow(/control character/);
    expect(() => parseTestRecipients('a@example.org\nSubject: x')).toThrow(/control character/);
  });

  it(`refuses more than ${MAX_TEST_RECIPIENTS} different addresses, and counts repeats once`, () => {
    const many = Array.from({ length: MAX_TEST_RECIPIENTS + 1 }, (_, i) => `p${i}@example.org`);
    expect(() => parseTestRecipients(many.join(','))).toThrow(
      new RegExp(`${MAX_TEST_RECIPIENTS + 1} addresses; a test goes to at most ${MAX_TEST_RECIPIENTS}`),
    );
    const repeated = [...many.slice(0, MAX_TEST_RECIPIENTS), many[0]];
    expect(parseTestRecipients(repeated.join(','))).toHaveLength(MAX_TEST_RECIPIENTS);
  });
});

describe('sendTest', () => {
  it('sends the sender’s own message to each address, subject marked, links signed for no reader, article links untracked (a tester’s clicks never count)', async () => {
    const c = await content();
    const mailer = new RecordingMailer();
    const r = await sendTest({ content: c, settings, keys, mailer, clock }, { to: 'a@example.org,b@example.org' });
    expect(mailer.sent.map((m) => m.to)).toEqual(['a@example.org', 'b@example.org']);
    expect(r).toMatchObject({ kind: 'digest', id: SAMPLE_ISSUE_ID, failed: [] });

    const issue = (await c.getIssue(SAMPLE_ISSUE_ID))!;
    const real = await prepareDigestCampaign(issue, await c.getArticles(issue.articleIds), settings, keys);
    expect(r.subject).toBe(`${TEST_SUBJECT_PREFIX}${real.subject}`);
    const mail = await simpleParser(mailer.sent[0].raw);
    expect(mail.subject).toBe(`[Test] ${real.subject}`);
    // The body is the reader's: the same HTML a subscriber at that address would get, but for the
    // links: signed for no reader, and the article links straight to their sources (no /r/).
    const untracked = await prepareDigestCampaign(
      issue,
      await c.getArticles(issue.articleIds),
      { ...settings, clickTracking: 'off' },
      keys,
    );
    const asReader = untracked.message({ subscriberId: TEST_SUBSCRIBER_ID, email: 'a@example.org' }, clock.now());
    expect(mail.html).toBe(lf(asReader.html));
    expect(mail.html).not.toContain('/r/');
    expect(real.message({ subscriberId: 's1', email: 'a@example.org' }, clock.now()).html).toContain('https://brief.example.org/r/');
    const link = new URL((mail.headers.get('list') as { unsubscribe: { url: string } }).unsubscribe.url);
    expect(verifyToken(keys, link.searchParams.get('token'), 'unsubscribe', clock.now())).toMatchObject({
      ok: true,
      subscriberId: TEST_SUBSCRIBER_ID,
    });
  });

  it("marks the editor's first subject as a test for an issue with a subject test (the subject a reader outside the test's halves could get first)", async () => {
    const c = await content();
    const issue = (await c.getIssue(SAMPLE_ISSUE_ID))!;
    await c.put({ ...issue, subjectTest: { subjects: ['First subject', 'Second subject'], sharePercent: 20, waitMinutes: 240 } });
    const mailer = new RecordingMailer();
    const r = await sendTest({ content: c, settings, keys, mailer, clock }, { to: 'a@example.org' });
    expect(r.subject).toBe(`${TEST_SUBJECT_PREFIX}First subject`);
    expect((await simpleParser(mailer.sent[0].raw)).subject).toBe('[Test] First subject');
  });

  it("sends a breaking article's alert with --article, and refuses an article that is not breaking", async () => {
    const c = await content();
    const mailer = new RecordingMailer();
    const articles = await c.getArticles((await c.getIssue(SAMPLE_ISSUE_ID))!.articleIds);
    const normal = articles.find((a) => a.priority !== 'breaking')!;
    await c.put({ ...normal, id: 'breaking-1', title: 'A breaking story', priority: 'breaking' });
    const r = await sendTest({ content: c, settings, keys, mailer, clock }, { articleId: 'breaking-1', to: 'a@example.org' });
    expect(r.kind).toBe('alert');
    expect((await simpleParser(mailer.sent[0].raw)).subject).toMatch(/^\[Test\] .*A breaking story/);
    await expect(sendTest({ content: c, settings, keys, mailer, clock }, { articleId: normal.id, to: 'a@example.org' })).rejects.toThrow(
      /is not breaking/,
    );
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends nothing for an unknown issue, an unknown article, or a bad address', async () => {
    const c = await content();
    const mailer = new RecordingMailer();
    const deps = { content: c, settings, keys, mailer, clock };
    await expect(sendTest(deps, { issueId: 'no-such-issue', to: 'a@example.org' })).rejects.toThrow('no issue "no-such-issue"');
    await expect(sendTest(deps, { articleId: 'no-such-article', to: 'a@example.org' })).rejects.toThrow('no article "no-such-article"');
    await expect(sendTest(deps, { to: 'a@example.org,b@example.org\r\nBcc: c@example.org' })).rejects.toThrow(/control character/);
    await expect(sendTest({ ...deps, content: new MemoryContent() }, { to: 'a@example.org' })).rejects.toThrow(/no issue published yet/);
    expect(mailer.calls).toBe(0);
  });

  it('reports an address the mailer refused and still sends to the others', async () => {
    const mailer = new RecordingMailer((to) => (to === 'b@example.org' ? new Error('Email address is not verified.') : undefined));
    const r = await sendTest(
      { content: await content(), settings, keys, mailer, clock },
      { to: 'a@example.org,b@example.org,c@example.org' },
    );
    expect(r.sent.map((s) => s.email)).toEqual(['a@example.org', 'c@example.org']);
    expect(r.failed).toEqual([{ email: 'b@example.org', error: 'Email address is not verified.' }]);
  });
});

describe('previewMessage', () => {
  it('renders for a sample reader by default, subject unmarked, html and text the parts of the raw message', async () => {
    const p = await previewMessage({ content: await content(), subscribers: new MemorySubscribers(), settings, keys, clock }, {});
    expect(p.reader).toBe(SAMPLE_READER_EMAIL);
    expect(p.message.subject).not.toContain('[Test]');
    const mail = await simpleParser(p.message.raw);
    expect(mail.subject).toBe(p.message.subject);
    expect(p.message.html).toContain('\r\n');
    expect(mail.html).toBe(lf(p.message.html));
    expect(mail.text).toBe(lf(p.message.text));
  });

  it('renders for a subscriber given by --email: their address and since when, and says when they are not in the audience', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.upsert({
      subscriberId: 'r-1',
      email: 'reader.one@example.org',
      status: 'unsubscribed',
      digest: true,
      alerts: false,
      topics: [],
      timezone: 'UTC',
      source: 'cli',
      createdAt: '2026-01-02T09:00:00Z',
      confirmedAt: '2026-01-03T09:00:00Z',
    });
    const p = await previewMessage({ content: await content(), subscribers, settings, keys, clock }, { email: 'reader.one@EXAMPLE.org' });
    expect(p.reader).toBe('reader.one@example.org');
    expect(p.message.text).toContain('reader.one@example.org');
    // Since confirmation, as the sender's send-time check gives it (not since creation).
    expect(p.message.text).toMatch(/You subscribed on 3 January 2026\./);
    expect(p.notInAudience).toMatch(/not in the digest audience \(unsubscribed\)/);
    const link = new URL(/^List-Unsubscribe: <([^>]+)>/m.exec(p.message.raw.toString('utf8'))![1]);
    expect(verifyToken(keys, link.searchParams.get('token'), 'unsubscribe', clock.now())).toMatchObject({ ok: true, subscriberId: 'r-1' });
  });

  it('refuses an --email that is no subscriber, or no address', async () => {
    const deps = { content: await content(), subscribers: new MemorySubscribers(), settings, keys, clock };
    await expect(previewMessage(deps, { email: 'nobody@example.org' })).rejects.toThrow('--email: no subscriber nobody@example.org');
    await expect(previewMessage(deps, { email: 'nobody' })).rejects.toThrow(/--email: invalid email address/);
  });
});
