/** Audience rules: who is in the digest audience and in which index shard. Pure. */
import { AUDIENCE_SHARDS, type Subscriber } from './model';

/** In the digest audience: confirmed, wants the digest, not suppressed. */
export function inDigestAudience(s: Pick<Subscriber, 'status' | 'digest' | 'suppressed'>): boolean {
  return s.status === 'confirmed' && s.digest && !s.suppressed;
}

/** Stable shard of a subscriber id (FNV-1a), so the sparse audience index spreads over partitions. */
export function audienceShard(subscriberId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subscriberId.length; i++) {
    h ^= subscriberId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % AUDIENCE_SHARDS;
}

/** In the alert audience: confirmed, wants alerts, not suppressed (topics are matched per article). */
export function inAlertAudience(s: Pick<Subscriber, 'status' | 'alerts' | 'suppressed'>): boolean {
  return s.status === 'confirmed' && s.alerts && !s.suppressed;
}

/**
 * Stands for "every topic" in a recipient's matched topics: the reader chose no topics, so
 * every article matches, and the alert must say so rather than list the article's topics as
 * if the reader had picked them.
 */
export const ALL_TOPICS = '*';

/**
 * The reader's topics an article matches. A reader who chose no topics gets alerts on every
 * topic: the result is `[ALL_TOPICS]`. An empty result means: no alert for this reader.
 */
export function matchedTopics(readerTopics: readonly string[] | undefined, articleTopics: readonly string[]): string[] {
  if (!readerTopics || readerTopics.length === 0) return articleTopics.length ? [ALL_TOPICS] : [];
  const wanted = new Set(readerTopics);
  return articleTopics.filter((t) => wanted.has(t));
}
