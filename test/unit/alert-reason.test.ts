/**
 * "Why you get this" in a breaking alert, from the planner's matched topics to the sent
 * message: a reader who chose every topic is told so, not "you follow" the article's topics
 * as if they had picked them; a reader of chosen topics is told the ones that matched.
 */
import { simpleParser } from 'mailparser';
import { ALL_TOPICS } from '../../lambdas/core/audience';
import type { Article } from '../../lambdas/core/model';
import { alertReason, topicList } from '../../lambdas/core/render/identity';
import { prepareAlertCampaign } from '../../lambdas/usecases/digest-campaign';
import { planAlert } from '../../lambdas/usecases/plan-alert';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { fixedClock, MemoryAlertCaps, MemoryAlertHistory, MemoryContent, MemoryLedger, MemoryQueue, MemorySubscribers } from './fakes';
import { senderSettings, signingKeys } from './fixtures';

const article: Article = {
  kind: 'article',
  id: 'nk-icbm',
  title: 'North Korea tests a suspected new ICBM-class missile',
  summary: 'A launch on the eve of talks.',
  keyPoints: ['Point one.'],
  topics: ['north-korea', 'nuclear-disarmament'],
  source: { name: 'Ministry', url: 'https://example.org/' },
  date: '2024-10-31',
  priority: 'breaking',
  body: '',
  publishedAt: '2026-11-28T00:00:00Z',
};
const settings = senderSettings;
const keys = signingKeys;

/** Plan the alert for three readers and compose each one's message, as the sender would. */
async function sentAlerts() {
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  const queue = new MemoryQueue();
  const ledger = new MemoryLedger();
  await content.put(article);
  const now = new Date();
  for (const [email, topics] of [
    ['all@example.com', []],
    ['nk@example.com', ['north-korea', 'cyber']],
    ['both@example.com', ['nuclear-disarmament', 'north-korea']],
  ] as const) {
    await subscribers.upsert(confirmedSubscriber({ email, alerts: true, topics: [...topics] }, 'web', now));
  }
  await planAlert(
    { content, subscribers, queue, clock: fixedClock(), caps: new MemoryAlertCaps(), history: new MemoryAlertHistory(ledger) },
    article.id,
  );
  const campaign = await prepareAlertCampaign(article, settings, keys);
  const out = new Map<string, { html: string; text: string }>();
  for (const r of queue.jobs.flatMap((j) => j.recipients)) {
    const mail = await simpleParser(campaign.compose(r, now));
    out.set(r.email, { html: String(mail.html), text: mail.text ?? '' });
  }
  return out;
}

describe('why a reader gets an alert', () => {
  it("a reader of all topics is told they asked for alerts on all topics, and the article's topics are not named as their choice", async () => {
    const mail = (await sentAlerts()).get('all@example.com')!;
    for (const part of [mail.html, mail.text.replace(/\s+/g, ' ')]) {
      expect(part).toContain('You get this alert because all@example.com asked for Brief breaking alerts on all topics.');
      expect(part).not.toMatch(/North Korea and|Nuclear Disarmament\./);
      expect(part).not.toMatch(/you follow/i);
    }
  });

  it('a reader of chosen topics is told only the ones this article matched', async () => {
    const mails = await sentAlerts();
    const text = (email: string) => mails.get(email)!.text.replace(/\s+/g, ' ');
    expect(text('nk@example.com')).toContain('You get this alert because nk@example.com asked for Brief breaking alerts on North Korea.');
    expect(text('nk@example.com')).not.toContain('Cyber');
    expect(text('both@example.com')).toContain(
      'You get this alert because both@example.com asked for Brief breaking alerts on North Korea and Nuclear Disarmament.',
    );
  });

  it('writes the line for every shape of matched topics, including a job queued without them', () => {
    const reason = (m?: string[]) => alertReason('Brief', 'r@example.com', m);
    expect(reason([ALL_TOPICS])).toBe('You get this alert because r@example.com asked for Brief breaking alerts on all topics.');
    expect(reason(['cyber'])).toBe('You get this alert because r@example.com asked for Brief breaking alerts on Cyber.');
    expect(reason(undefined)).toBe('You get this alert because r@example.com asked for Brief breaking alerts.');
    expect(reason([])).toBe('You get this alert because r@example.com asked for Brief breaking alerts.');
    expect(topicList(['cyber', 'space', 'north-korea'])).toBe('Cyber, Space and North Korea');
  });
});
