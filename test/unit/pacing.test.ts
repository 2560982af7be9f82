import { backoffMs, DailyAllowance, Pacer, senderRate, totalRate } from '../../lambdas/core/pacing';

const quota = { maxSendRate: 100, max24HourSend: 1000, sentLast24Hours: 0 };

describe('send rate', () => {
  it('uses 0.8 of MaxSendRate by default and splits it between the concurrent senders', () => {
    expect(totalRate(quota, {})).toBe(80);
    expect(senderRate(quota, { concurrency: 4 })).toBe(20);
    expect(senderRate(quota, { share: 0.5, concurrency: 2 })).toBe(25);
  });
  it('prefers a fixed rate when one is configured', () => {
    expect(senderRate(undefined, { fixedRate: 14, concurrency: 2 })).toBe(7);
  });
  it('refuses a share above 1, a zero fixed rate and a concurrency of 0 (bad settings)', () => {
    expect(() => totalRate(quota, { share: 1.5 })).toThrow(/share/);
    expect(() => totalRate(quota, { fixedRate: 0 })).toThrow(/positive/);
    expect(() => senderRate(quota, { concurrency: 0 })).toThrow(/concurrency/);
  });
});

/**
 * A fake clock for the pacer: sleeping advances it by what was asked plus the lateness the test
 * gives that timer (the n-th sleep), as a busy machine's timers fire late. No real time passes.
 */
function fakeTimers(lateness: (n: number, ms: number) => number = () => 0) {
  let t = 0;
  let sleeps = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms + lateness(sleeps++, ms);
      return Promise.resolve();
    },
    advance: (ms: number) => void (t += ms),
    get sleeps() {
      return sleeps;
    },
  };
}

/** `n` callers asking at once; the time each was granted, in call order. */
async function grantTimes(pacer: Pacer, clock: { now(): number }, n: number): Promise<number[]> {
  const times: number[] = new Array<number>(n);
  await Promise.all(Array.from({ length: n }, (_, i) => pacer.take().then(() => (times[i] = clock.now()))));
  return times;
}

/** The most grants in any window [t, t + windowMs) (to a nanosecond: the fake clock adds up floating-point steps). */
function busiest(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= windowMs - 1e-6) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** The most grants at one instant. */
const mostAtOnce = (times: number[]) => Math.max(...[...new Set(times)].map((x) => times.filter((y) => y === x).length));

describe('Pacer', () => {
  it('never lets more than the rate into any one-second window, however many callers wait at once', async () => {
    const clock = fakeTimers((n) => (n % 3 === 0 ? 7 : 0));
    const pacer = new Pacer(10, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 100);
    expect(times).toHaveLength(100);
    expect(busiest(times)).toBeLessThanOrEqual(10);
    // And it keeps up: 100 slots at 10 a second (a slot every 101 ms, the window's margin) take about 10 seconds.
    expect(pacer.interval).toBe(101);
    expect(Math.max(...times)).toBeLessThan(99 * 101 + 50);
  });

  it('keeps a margin: no 1,010 ms holds more than the rate, so a call reaching SES up to 10 ms off its grant adds none to a second', async () => {
    const clock = fakeTimers((n) => [0, 3, 1, 12, 0, 0, 25, 2][n % 8]);
    const pacer = new Pacer(50, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 1000);
    expect(busiest(times, 1010)).toBeLessThanOrEqual(50);
    // What the margin costs: 1 % of the rate (the late timers, a 25 ms one every eighth, well under 1 % more).
    const rate = ((times.length - 1) / (times[times.length - 1] - times[0])) * 1000;
    expect(rate).toBeLessThanOrEqual(50 / 1.01 + 1e-9);
    expect(rate).toBeGreaterThan((50 / 1.01) * 0.99);
    // The worst case for a second as SES counts it: the first call of a window reaches SES 10 ms
    // late, the one a window later on time. With the margin that second still holds 50; without, 51.
    const shifted = async (marginMs: number) => {
      const exact = fakeTimers();
      const granted = await grantTimes(new Pacer(50, exact.now, exact.sleep, { marginMs }), exact, 200);
      return busiest(granted.map((t, i) => (i === 0 ? t + 10 : t)));
    };
    expect(await shifted(10)).toBe(50);
    expect(await shifted(0)).toBe(51);
  });

  it('makes up a timer 300 ms late as far as the window allows: no second holds more than the rate, no more than two slots at once, the last slot on time', async () => {
    const clock = fakeTimers((n) => (n === 100 ? 300 : 0));
    const pacer = new Pacer(50, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 1000);
    expect(busiest(times, 1010)).toBeLessThanOrEqual(50);
    expect(mostAtOnce(times)).toBeLessThanOrEqual(2);
    // Made up at twice the rate, not at once: no 100 ms holds more than 10 slots (and its one of slack).
    expect(busiest(times, 100)).toBeLessThanOrEqual(11);
    // 1,000 slots: the last at 999 intervals, as if the timer had not been late.
    expect(Math.max(...times)).toBeCloseTo(999 * pacer.interval, 6);
  });

  it('does not make up a late timer with catchUpMs 0: the slots after it go at the rate from the late one', async () => {
    const clock = fakeTimers((n) => (n === 100 ? 300 : 0));
    const pacer = new Pacer(50, clock.now, clock.sleep, { catchUpMs: 0, marginMs: 0 });
    const times = await grantTimes(pacer, clock, 200);
    // The 101st sleep is the one before slot 101: that slot is 300 ms late, and so is every slot after it.
    expect(times[101] - times[100]).toBe(320);
    expect(times.slice(102, 111).map((t, i) => t - times[101] - 20 * (i + 1))).toEqual(Array(9).fill(0));
    expect(Math.max(...times)).toBeCloseTo(199 * 20 + 300, 6);
  });

  it('holds the rate over the long run when every timer fires late (0 to 4 ms at 200 a second), and never exceeds it in any second', async () => {
    const clock = fakeTimers((n) => (n * 7919) % 5);
    const pacer = new Pacer(200, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 4000);
    const rate = ((times.length - 1) / (times[times.length - 1] - times[0])) * 1000;
    // The rate less its 1 % margin; spacing each slot from the previous one as granted would have kept 5 / (5 + 2) of it.
    expect(rate).toBeGreaterThanOrEqual((200 / 1.01) * 0.995);
    expect(rate).toBeLessThanOrEqual(200 / 1.01 + 0.001);
    expect(busiest(times, 1010)).toBeLessThanOrEqual(200);
    expect(mostAtOnce(times)).toBeLessThanOrEqual(5);
  });

  it('after a stall longer than catchUpMs, makes up no more than catchUpMs, and goes on at the rate with no second over it', async () => {
    const clock = fakeTimers((n) => (n === 50 ? 5000 : 0));
    const pacer = new Pacer(50, clock.now, clock.sleep, { catchUpMs: 1000 });
    const times = await grantTimes(pacer, clock, 600);
    expect(busiest(times, 1010)).toBeLessThanOrEqual(50);
    expect(mostAtOnce(times)).toBeLessThanOrEqual(2);
    // The 5 s are lost but for at most the 1 s made up.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(599 * pacer.interval + 4000);
    // And the pacer is not stuck behind: the last 250 slots went at the full rate.
    const tail = times.slice(-251);
    expect(tail[250] - tail[0]).toBeLessThanOrEqual(250 * pacer.interval + 1e-6);
  });

  it('keeps a rate that is not a whole number to its whole part, evenly (5.6 a second: 5 in every 1,010 ms, a slot every 202 ms)', async () => {
    const clock = fakeTimers((n) => (n % 5 === 0 ? 30 : 0));
    const pacer = new Pacer(5.6, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 60);
    expect(busiest(times)).toBeLessThanOrEqual(5);
    expect(pacer.interval).toBe(202);
    const rate = ((times.length - 1) / (times[times.length - 1] - times[0])) * 1000;
    expect(rate).toBeLessThanOrEqual(5 / 1.01 + 1e-9);
    expect(rate).toBeGreaterThan((5 / 1.01) * 0.99);
  });

  it('owes an idle pacer nothing: callers after a quiet spell are spaced at the rate from the first', async () => {
    const clock = fakeTimers();
    const pacer = new Pacer(10, clock.now, clock.sleep);
    await grantTimes(pacer, clock, 3);
    clock.advance(60_000);
    const start = clock.now();
    const times = await grantTimes(pacer, clock, 5);
    expect(times.map((t) => t - start)).toEqual([0, 101, 202, 303, 404]);
  });

  it('grants slots in call order', async () => {
    const clock = fakeTimers((n) => n % 4);
    const pacer = new Pacer(100, clock.now, clock.sleep);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 200 }, (_, i) => pacer.take().then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('an Infinity rate never waits', async () => {
    const clock = fakeTimers();
    const pacer = new Pacer(Infinity, clock.now, clock.sleep);
    await grantTimes(pacer, clock, 1000);
    expect(clock.sleeps).toBe(0);
    expect(pacer.interval).toBe(0);
  });

  it('under one a second (the SES sandbox), never two slots within 1 / rate, late timer or not', async () => {
    const clock = fakeTimers((n) => (n === 2 ? 4000 : 0));
    const pacer = new Pacer(0.4, clock.now, clock.sleep);
    const times = await grantTimes(pacer, clock, 10);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(2510);
  });

  it('refuses a rate of 0, a catch-up factor under 1 and a negative margin', () => {
    expect(
      () =>
        new Pacer(
          0,
          () => 0,
          () => Promise.resolve(undefined),
        ),
    ).toThrow(/positive/);
    expect(
      () =>
        new Pacer(
          10,
          () => 0,
          () => Promise.resolve(undefined),
          { catchUpFactor: 0.5 },
        ),
    ).toThrow(/factor/);
    expect(
      () =>
        new Pacer(
          10,
          () => 0,
          () => Promise.resolve(undefined),
          { marginMs: -1 },
        ),
    ).toThrow(/margin/);
  });

  it('does not wait when calls are further apart than the interval', async () => {
    let t = 0;
    const waits: number[] = [];
    const pacer = new Pacer(
      10,
      () => t,
      (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    );
    for (let i = 0; i < 5; i++) {
      await pacer.take();
      t += 150;
    }
    expect(waits).toEqual([]);
  });
});

describe('backoff', () => {
  it('grows exponentially with full jitter and stays under the cap', () => {
    expect(backoffMs(1, () => 0.999, 100, 5000)).toBe(99);
    expect(backoffMs(4, () => 0.999, 100, 5000)).toBe(799);
    expect(backoffMs(20, () => 0.999, 100, 5000)).toBe(4995);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});

describe('DailyAllowance', () => {
  it('never hands out a send twice: a refresh while sends are unanswered subtracts them from what SES reports', async () => {
    let t = 0;
    let accepted = 0;
    const allowance = new DailyAllowance(
      () => Promise.resolve({ maxSendRate: 1, max24HourSend: 10, sentLast24Hours: accepted }),
      () => t,
      60_000,
      10_000,
    );
    let granted = 0;
    for (let i = 0; i < 4; i++) if (await allowance.take()) granted++;
    // Two of the four are answered (and counted by SES); two are still on their way when the count is refreshed.
    accepted = 2;
    allowance.settle();
    allowance.settle();
    t = 61_000;
    while (await allowance.take()) granted++;
    expect(granted).toBe(10);
  });

  it('gives no more than the quota when many sends ask at once before the first read answers (one shared read)', async () => {
    let reads = 0;
    const allowance = new DailyAllowance(
      async () => (reads++, await new Promise((r) => setTimeout(r, 5)), { maxSendRate: 1, max24HourSend: 40, sentLast24Hours: 0 }),
      () => 0,
    );
    const answers = await Promise.all(Array.from({ length: 48 }, () => allowance.take()));
    expect(answers.filter(Boolean)).toHaveLength(40);
    expect(reads).toBe(1);
  });

  it('counts down what is left of the 24-hour quota and says no once it is used up', async () => {
    const t = 0;
    const allowance = new DailyAllowance(
      () => Promise.resolve({ maxSendRate: 1, max24HourSend: 3, sentLast24Hours: 1 }),
      () => t,
    );
    expect([await allowance.take(), await allowance.take(), await allowance.take()]).toEqual([true, true, false]);
  });
  it('says yes again once SES reports room (the window rolled on)', async () => {
    let t = 0;
    let sent = 3;
    const allowance = new DailyAllowance(
      () => Promise.resolve({ maxSendRate: 1, max24HourSend: 3, sentLast24Hours: sent }),
      () => t,
      60_000,
      10_000,
    );
    expect(await allowance.take()).toBe(false);
    sent = 0;
    t += 10_000;
    expect(await allowance.take()).toBe(true);
  });
  it('treats -1 as an unlimited quota', async () => {
    const allowance = new DailyAllowance(
      () => Promise.resolve({ maxSendRate: 1, max24HourSend: -1, sentLast24Hours: 5 }),
      () => 0,
    );
    expect(await allowance.take()).toBe(true);
  });
});
