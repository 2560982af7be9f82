/**
 * The newsletter's settings that editors own: its topics (id, label, description), the subscribe
 * page's blurb, and how the page words the digest's schedule in each delivery mode. Written in
 * `content/<newsletter>/topics.md` (front matter), published like the articles into the Content
 * table, read by the pages, the forms, `subscribers add|import`, publish and the alert reasons.
 * Pure.
 */
import { didYouMean } from './did-you-mean';
import type { DigestDelivery } from './local-time';

export interface Topic {
  id: string;
  label: string;
  description: string;
}

export interface NewsletterSettings {
  topics: Topic[];
  /** The paragraph under the subscribe page's heading. */
  blurb: string;
  /**
   * The digest's line on the pages, per delivery mode; `{time}` is the local hour in local-time
   * mode, `{schedule}` the configured schedule in words (`on Mondays at 07:00, Europe/Brussels
   * time`). Neither may name a weekday itself (topics-file.ts): the stack's schedule decides it.
   */
  digestWording: Record<DigestDelivery, string>;
}

/** Anything that carries the topic list (the settings, the pages' text). */
export interface TopicList {
  readonly topics: readonly Topic[];
}

/** The file publish reads as the settings (by its name, in any folder given). */
export const SETTINGS_FILE = 'topics.md';

/**
 * What the pages show before any settings are published (a stack deployed, nothing published
 * yet): the topics the sample newsletter started with, so no page breaks. Publishing a topics
 * file replaces all of it.
 */
export const FALLBACK_SETTINGS: NewsletterSettings = {
  topics: [
    ['diplomacy', 'Diplomacy'],
    ['defence-industry', 'Defence industry'],
    ['maritime-security', 'Maritime security'],
    ['cyber', 'Cyber'],
    ['space', 'Space'],
    ['intelligence-sharing', 'Intelligence sharing'],
    ['nuclear-disarmament', 'Nuclear disarmament'],
    ['north-korea', 'North Korea'],
    ['china', 'China'],
    ['russia', 'Russia'],
    ['ukraine', 'Ukraine'],
  ].map(([id, label]) => ({ id, label, description: '' })),
  blurb: 'Summaries of the week’s news, and alerts when something breaks. Free; leave any time.',
  digestWording: { schedule: 'The weekly digest ({schedule})', 'local-time': 'The weekly digest (at {time}, your time)' },
};

/**
 * The one check of topic ids, wherever they come from (an article, `subscribers add`, an
 * import's line, a form): undefined when every id is a topic of `settings`, else the message,
 * with a "did you mean" for each unknown id near a known one.
 */
export function checkTopics(settings: TopicList, topics: readonly string[]): string | undefined {
  const ids = settings.topics.map((t) => t.id);
  const unknown = [...new Set(topics.filter((t) => !ids.includes(t)))];
  if (!unknown.length) return undefined;
  const each = unknown.map((t) => `${JSON.stringify(t)}${didYouMean(t, ids)}`).join(', ');
  return `unknown topic ${each}: choose from ${ids.join(', ')}`;
}

/** What the digest wording's placeholders may be, per delivery mode. */
export const WORDING_PLACEHOLDERS: Record<DigestDelivery, readonly string[]> = { schedule: ['{schedule}'], 'local-time': ['{time}'] };

/** `{schedule}` when the configured schedule is not known (a deployment without it). */
export const UNKNOWN_SCHEDULE = 'once a week';

/**
 * The digest's line for the delivery mode, with the local hour (`{time}`) and the configured
 * schedule in words (`{schedule}`, core/schedule.ts scheduleInWords) filled in.
 */
export function digestWording(settings: NewsletterSettings, delivery: DigestDelivery, localTime = '07:00', schedule?: string): string {
  return settings.digestWording[delivery].replaceAll('{time}', localTime).replaceAll('{schedule}', schedule ?? UNKNOWN_SCHEDULE);
}

/** Where the topics a new settings file drops are still used; one line each, or none. */
export function topicsInUse(
  removed: readonly string[],
  usage: { articles: ReadonlyMap<string, readonly string[]>; readers: ReadonlyMap<string, number> },
): string[] {
  return removed.flatMap((t) => {
    const articles = usage.articles.get(t) ?? [];
    const readers = usage.readers.get(t) ?? 0;
    if (!articles.length && !readers) return [];
    const where = [
      ...(articles.length ? [`article${articles.length > 1 ? 's' : ''} ${articles.join(', ')}`] : []),
      ...(readers ? [`${readers} reader${readers > 1 ? 's' : ''}`] : []),
    ];
    return [`topic ${t} is still used by ${where.join(' and ')}: keep it, or change those first`];
  });
}
