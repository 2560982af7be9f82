/**
 * The newsletter's settings as the API reads them: from the Content table, kept for a short
 * while in the function's memory (each page view would otherwise cost a read), and the topics
 * offered before any were published when there are none yet.
 */
import type { Clock, SettingsStore } from '../core/ports';
import { FALLBACK_SETTINGS, type NewsletterSettings } from '../core/topics';

/** How long a read is kept: a publish shows on the pages within this time. */
export const SETTINGS_TTL_MS = 60_000;

export function cachedSettings(store: SettingsStore, clock: Clock, ttlMs = SETTINGS_TTL_MS): () => Promise<NewsletterSettings> {
  let kept: { at: number; value: Promise<NewsletterSettings> } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!kept || now - kept.at >= ttlMs) {
      const value = store.getSettings().then((s) => s ?? FALLBACK_SETTINGS);
      // A failed read is not kept: the next request tries again.
      value.catch(() => (kept = undefined));
      kept = { at: now, value };
    }
    return kept.value;
  };
}
