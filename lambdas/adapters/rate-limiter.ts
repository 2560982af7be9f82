/** The RateLimiter port in this process's memory (rate-limiter-flexible). */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiter } from '../core/ports';

/** Per-client limit on subscribe requests: 5 a minute per source IP, in this instance's memory. */
export function memoryRateLimiter(points = 5, durationSeconds = 60): RateLimiter {
  const limiter = new RateLimiterMemory({ points, duration: durationSeconds });
  return {
    take: (key) =>
      limiter.consume(key).then(
        () => true,
        (e: unknown) => {
          if (e instanceof Error) throw e;
          return false; // rate-limiter-flexible rejects with a RateLimiterRes when over the limit
        },
      ),
  };
}
