/** Run `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/** Runs `fn` in one of a pool's slots; a lower `priority` is served first (default 0), ties first come, first served. */
export type Limiter = <R>(fn: () => Promise<R>, priority?: number) => Promise<R>;

/** A pool of `size` slots: `run(fn)` waits for a free slot, holds it while `fn` runs. */
export function limiter(size: number): Limiter {
  let free = Math.max(1, size);
  // Kept in service order: by priority, then by arrival.
  const waiting: { priority: number; go: () => void }[] = [];
  return async (fn, priority = 0) => {
    if (free > 0 && waiting.length === 0) free--;
    else
      await new Promise<void>((go) => {
        let at = waiting.length;
        while (at > 0 && waiting[at - 1].priority > priority) at--;
        waiting.splice(at, 0, { priority, go });
      });
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line, or back to the pool.
      const next = waiting.shift();
      if (next) next.go();
      else free++;
    }
  };
}

/**
 * Group commit: items are gathered and written together, at most `maxBatch` a write and one
 * write at a time. A write starts `lingerMs` after the first item of its group arrived (or at
 * once when the group is full), and while a write runs the next group gathers. Each call
 * resolves only once its own item is written, or rejects with that write's error, so a caller
 * that waits knows its item is stored exactly as if it had written it alone. `flush()` ends the
 * wait: the gathered items are written at once (for a caller that knows no more are coming).
 */
export function groupCommit<T>(
  write: (items: T[]) => Promise<void>,
  options: { maxBatch: number; lingerMs?: number },
): ((item: T) => Promise<void>) & { flush(): void } {
  const maxBatch = Math.max(1, options.maxBatch);
  const lingerMs = options.lingerMs ?? 0;
  const waiting: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const writeWaiting = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    writing = true;
    while (waiting.length > 0) {
      const group = waiting.splice(0, maxBatch);
      let error: unknown;
      try {
        await write(group.map((g) => g.item));
      } catch (e) {
        error = e ?? new Error('group write failed');
      }
      for (const g of group) {
        if (error === undefined) g.resolve();
        else g.reject(error);
      }
      // Items that came during the write are written next, without a further wait: they
      // have already waited for as long as the write took.
    }
    writing = false;
  };
  const add = (item: T) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (writing) return;
      if (waiting.length >= maxBatch || lingerMs <= 0) void writeWaiting();
      else timer ??= setTimeout(() => void writeWaiting(), lingerMs);
    });
  return Object.assign(add, {
    flush() {
      // During a write, what has gathered is written right after it anyway.
      if (!writing && waiting.length > 0) void writeWaiting();
    },
  });
}
