/**
 * The Node options every function runs with (its `NODE_OPTIONS`), and the same V8 heap limits
 * for `npm run bench`, so the bench measures the garbage collector the sender has on Lambda.
 *
 * Lambda's Node runtime sizes V8's heap from the function's memory: a tenth for the young
 * generation, half of that as the most a semi-space may grow to (51 MB at 1,024 MB), the rest for
 * the old generation. On Node 24 a semi-space past about 10 MB makes the sender's per-message
 * buffers pile up between the rare young collections until V8 runs a full mark-compact for them:
 * measured with the sample digest at 512 MB, 59 full collections for 40,000 messages instead of 7,
 * and per-recipient render + MIME 2-3x slower than with 8 MB (docs/benchmarks.md). Lambda keeps
 * what NODE_OPTIONS sets, and when it sets one of the two limits it leaves the other to V8's
 * default, so both are given: the semi-space at 8 MB, the old generation as Lambda would size it.
 */

/** A function's memory unless it says otherwise, in MB (the sender's). */
export const DEFAULT_MEMORY_MB = 512;

/** Most a semi-space grows to, in MB (V8's own default on Node 20 at this heap size). */
export const SEMI_SPACE_MB = 8;

/** The old generation as Lambda's runtime sizes it for `memoryMb`: all but the tenth it gives the young one. */
export const oldSpaceMb = (memoryMb: number) => memoryMb - Math.floor(memoryMb / 10);

/** V8's heap flags for a function of `memoryMb`. */
export const heapFlags = (memoryMb: number): string[] => [
  `--max-semi-space-size=${SEMI_SPACE_MB}`,
  `--max-old-space-size=${oldSpaceMb(memoryMb)}`,
];

/** NODE_OPTIONS for a function of `memoryMb`: source-mapped stack traces and the heap limits above. */
export const functionNodeOptions = (memoryMb: number) => ['--enable-source-maps', ...heapFlags(memoryMb)].join(' ');
