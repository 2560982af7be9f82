/**
 * The newsletter's settings as everything that shows them reads them: from the Content table,
 * and the topics offered before any were published (FALLBACK_SETTINGS) when there are none yet.
 * The API keeps a read for a short while in the function's memory (each page view would
 * otherwise cost a read); the mail (digests, alerts, archive pages, tests, confirmations and
 * welcomes) names each topic by its label from here. No Markdown or YAML parser: the API and
 * the sign-ups function bundle this.
 */
import type { Clock, SettingsStore } from '../core/ports';
import { FALLBACK_SETTINGS, type NewsletterSettings, type TopicList } from '../core/topics';

/** How long a read is kept: a publish shows on the pages within this time. */
export const SETTINGS_TTL_MS = 60_000;

/** The settings' reader: the Content table's store (its `getSettings`). */
export type SettingsReader = Pick<SettingsStore, 'getSettings'>;

/** The published settings, or the built-in ones while nothing was published. */
export async function readSettings(store: SettingsReader): Promise<NewsletterSettings> {
  return (await store.getSettings()) ?? FALLBACK_SETTINGS;
}

export function cachedSettings(store: SettingsReader, clock: Clock, ttlMs = SETTINGS_TTL_MS): () => Promise<NewsletterSettings> {
  let kept: { at: number; value: Promise<NewsletterSettings> } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!kept || now - kept.at >= ttlMs) {
      const value = readSettings(store);
      // A failed read is not kept: the next request tries again.
      value.catch(() => (kept = undefined));
      kept = { at: now, value };
    }
    return kept.value;
  };
}

/** Each topic's label by its id, as the renderers take them (`topicLabels`). */
export function labelsOf(settings: TopicList): ReadonlyMap<string, string> {
  return new Map(settings.topics.map((t) => [t.id, t.label]));
}

/**
 * The topics' labels for a message. `settings` is the store to read (or an already cached
 * reader); without one the renderers write each id as a title (`nuclear-disarmament` →
 * `Nuclear Disarmament`), as they do for an id the settings do not list.
 */
export async function topicLabelsFor(
  settings: Partial<SettingsReader> | (() => Promise<NewsletterSettings>) | undefined,
): Promise<ReadonlyMap<string, string>> {
  if (typeof settings === 'function') return labelsOf(await settings());
  if (settings?.getSettings) return labelsOf(await readSettings(settings as SettingsReader));
  return new Map();
}
