import { groupCommit, limiter, mapLimited } from '../../lambdas/core/concurrency';

/** A promise and the functions that settle it, for steering async code step by step. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('mapLimited', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});

describe('limiter', () => {
  it('runs at most `size` at once, first come first served, and frees a slot when the work throws', async () => {
    const run = limiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const calls = gates.map((g, i) =>
      run(async () => {
        started.push(i);
        await g.promise;
        if (i === 0) throw new Error('boom');
        return i;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    gates[0].resolve();
    await expect(calls[0]).rejects.toThrow('boom');
    await settle();
    // The failed call's slot went to the next in line.
    expect(started).toEqual([0, 1, 2]);
    gates[1].resolve();
    gates[2].resolve();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[3].resolve();
    expect(await Promise.all(calls.slice(1))).toEqual([1, 2, 3]);
  });

  it('serves a lower priority number first among those waiting, arrival order within one priority', async () => {
    const run = limiter(1);
    const hold = deferred();
    const started: string[] = [];
    const first = run(() => hold.promise);
    const calls = [
      ['late job, 1st', 2],
      ['early job, 1st', 1],
      ['late job, 2nd', 2],
      ['early job, 2nd', 1],
      ['no priority', undefined],
    ].map(([name, priority]) =>
      run(
        () => {
          started.push(name as string);
          return Promise.resolve();
        },
        priority as number | undefined,
      ),
    );
    hold.resolve();
    await Promise.all([first, ...calls]);
    expect(started).toEqual(['no priority', 'early job, 1st', 'early job, 2nd', 'late job, 1st', 'late job, 2nd']);
  });
});

describe('groupCommit', () => {
  it('writes the first item at once, then gathers those that arrive during a write into the next one', async () => {
    const writes: number[][] = [];
    const open: ReturnType<typeof deferred<void>>[] = [];
    const commit = groupCommit<number>(
      async (items) => {
        writes.push(items);
        const d = deferred();
        open.push(d);
        await d.promise;
      },
      { maxBatch: 25 },
    );
    const done: number[] = [];
    const first = commit(1).then(() => done.push(1));
    const rest = [2, 3, 4].map((n) => commit(n).then(() => done.push(n)));
    await settle();
    expect(writes).toEqual([[1]]);
    open[0].resolve();
    await first;
    // Resolved only with its own write: the others are not stored yet.
    expect(done).toEqual([1]);
    await settle();
    expect(writes).toEqual([[1], [2, 3, 4]]);
    open[1].resolve();
    await Promise.all(rest);
    expect(done).toEqual([1, 2, 3, 4]);
  });

  it('never writes more than maxBatch at once', async () => {
    const writes: number[][] = [];
    const commit = groupCommit<number>(
      (items) => {
        writes.push(items);
        return Promise.resolve();
      },
      { maxBatch: 3, lingerMs: 1_000 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => commit(n)));
    expect(writes.map((w) => w.length)).toEqual([3, 3, 1]);
    expect(writes.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('with a linger, items that arrive within it share one write', async () => {
    jest.useFakeTimers();
    try {
      const writes: string[][] = [];
      const commit = groupCommit<string>(
        (items) => {
          writes.push(items);
          return Promise.resolve();
        },
        { maxBatch: 25, lingerMs: 20 },
      );
      const a = commit('a');
      jest.advanceTimersByTime(10);
      const b = commit('b');
      expect(writes).toEqual([]);
      jest.advanceTimersByTime(10);
      await Promise.all([a, b]);
      expect(writes).toEqual([['a', 'b']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('flush() writes what has gathered at once instead of after the linger, and does nothing when nothing waits', async () => {
    jest.useFakeTimers();
    try {
      const writes: string[][] = [];
      const commit = groupCommit<string>(
        (items) => {
          writes.push(items);
          return Promise.resolve();
        },
        { maxBatch: 25, lingerMs: 10_000 },
      );
      commit.flush();
      expect(writes).toEqual([]);
      const both = Promise.all([commit('a'), commit('b')]);
      jest.advanceTimersByTime(1);
      expect(writes).toEqual([]);
      commit.flush();
      await both;
      expect(writes).toEqual([['a', 'b']]);
      // The linger's timer was cleared with it: no empty or repeated write later.
      jest.advanceTimersByTime(20_000);
      expect(writes).toEqual([['a', 'b']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a failed write (a store error) rejects exactly the calls it carried; later calls are written normally', async () => {
    let fail = true;
    const writes: number[][] = [];
    const commit = groupCommit<number>(
      (items) => {
        writes.push(items);
        if (fail) {
          fail = false;
          return Promise.reject(new Error('ProvisionedThroughputExceeded'));
        }
        return Promise.resolve();
      },
      { maxBatch: 25 },
    );
    const results = await Promise.allSettled([commit(1), commit(2), commit(3)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(((results[0] as PromiseRejectedResult).reason as Error).message).toBe('ProvisionedThroughputExceeded');
    expect(writes).toEqual([[1], [2, 3]]);
    await expect(commit(4)).resolves.toBeUndefined();
  });
});
