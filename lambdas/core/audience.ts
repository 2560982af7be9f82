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
