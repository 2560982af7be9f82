/** What unit tests share: the sender's settings, a signing key set, plain articles and issues. */
import { parseSigningKeys } from '../../lambdas/core/tokens';
import type { Article, Issue, Subscriber } from '../../lambdas/core/model';
import type { MailSettings } from '../../lambdas/core/mail-settings';

/** A sender as the stack would configure it (no configuration set, default click tracking). */
export const senderSettings: MailSettings = {
  senderEmail: 'brief@example.org',
  senderName: 'Brief',
  publicBaseUrl: 'https://brief.example.org',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
};

/** One signing key, `k1`. */
export const signingKeys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'unit-signing-key-0123456789abcdef0123456789' }));

/** A plain article for planner tests: `id` as its title, one key point, topic `cyber`. */
export const plainArticle = (id: string, over: Partial<Article> = {}): Article => ({
  kind: 'article',
  id,
  title: id,
  summary: 's',
  keyPoints: ['k'],
  topics: ['cyber'],
  source: { name: 'n', url: 'https://example.com' },
  date: '2024-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-11-28T00:00:00Z',
  ...over,
});

/** A plain issue for planner tests, dated 2024-11-04, listing `a1` unless told otherwise. */
export const plainIssue = (id: string, over: Partial<Issue> = {}): Issue => ({
  kind: 'issue',
  id,
  newsletter: 'Brief',
  number: 1,
  title: 't',
  summary: 's',
  preheader: 'p',
  date: '2024-11-04',
  articleIds: ['a1'],
  publishedAt: '2026-11-28T00:00:00Z',
  ...over,
});

/** A confirmed web subscriber of the digest, every topic, UTC: `over` sets the rest. */
export const plainSubscriber = (email: string, over: Partial<Subscriber> = {}): Subscriber => ({
  subscriberId: `id-${email}`,
  email,
  status: 'confirmed',
  digest: true,
  alerts: false,
  topics: [],
  timezone: 'UTC',
  source: 'web',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
