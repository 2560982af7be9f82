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

describe('Pacer', () => {
  it('never lets more than the rate into any one-second window, however many callers wait at once', async () => {
    let t = 0;
    const times: number[] = [];
    // A simulated clock: sleeping advances time, sometimes late (as real timers are).
    const pacer = new Pacer(10, () => t, async (ms) => void (t += ms + (times.length % 3 === 0 ? 7 : 0)));
    await Promise.all(Array.from({ length: 100 }, () => pacer.take().then(() => times.push(t))));
    expect(times).toHaveLength(100);
    for (const start of times) expect(times.filter((x) => x >= start && x < start + 1000).length).toBeLessThanOrEqual(10);
    // And it keeps up: 100 slots at 10 a second take about 10 seconds, not much more.
    expect(Math.max(...times)).toBeLessThan(10_500);
    expect(pacer.interval).toBe(100);
  });
  it('does not wait when calls are further apart than the interval', async () => {
    let t = 0;
    const waits: number[] = [];
    const pacer = new Pacer(10, () => t, async (ms) => void waits.push(ms));
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
    const allowance = new DailyAllowance(async () => ({ maxSendRate: 1, max24HourSend: 10, sentLast24Hours: accepted }), () => t, 60_000, 10_000);
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
    const allowance = new DailyAllowance(async () => (reads++, await new Promise((r) => setTimeout(r, 5)), { maxSendRate: 1, max24HourSend: 40, sentLast24Hours: 0 }), () => 0);
    const answers = await Promise.all(Array.from({ length: 48 }, () => allowance.take()));
    expect(answers.filter(Boolean)).toHaveLength(40);
    expect(reads).toBe(1);
  });

  it('counts down what is left of the 24-hour quota and says no once it is used up', async () => {
    let t = 0;
    const allowance = new DailyAllowance(async () => ({ maxSendRate: 1, max24HourSend: 3, sentLast24Hours: 1 }), () => t);
    expect([await allowance.take(), await allowance.take(), await allowance.take()]).toEqual([true, true, false]);
  });
  it('says yes again once SES reports room (the window rolled on)', async () => {
    let t = 0;
    let sent = 3;
    const allowance = new DailyAllowance(async () => ({ maxSendRate: 1, max24HourSend: 3, sentLast24Hours: sent }), () => t, 60_000, 10_000);
    expect(await allowance.take()).toBe(false);
    sent = 0;
    t += 10_000;
    expect(await allowance.take()).toBe(true);
  });
  it('treats -1 as an unlimited quota', async () => {
    const allowance = new DailyAllowance(async () => ({ maxSendRate: 1, max24HourSend: -1, sentLast24Hours: 5 }), () => 0);
    expect(await allowance.take()).toBe(true);
  });
});
