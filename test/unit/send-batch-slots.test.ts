/** sendBatch's send slots, ledgers that hold records back or claim a batch at once, and its deadline. */
import { expect } from '@jest/globals';
import { sendBatch, sendPool } from '../../lambdas/usecases/send-batch';
import { BatchClaimingLedger, MemoryLedger, RecordingMailer, sesError } from './fakes';
import { baseDeps, counts, job, SlowMailer } from './send-batch-support';

describe('sendBatch send slots', () => {
  /** A mailer whose calls take a few milliseconds, counting how many run at once. */
  it('frees the send slot once SES answers, but lets at most `concurrency` accepted messages wait for their ledger record', async () => {
    const mailer = new SlowMailer();
    const ledger = new MemoryLedger();
    // The ledger write hangs (a slow or stalled table) until released.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const markSent = ledger.markSent.bind(ledger);
    ledger.markSent = async (...args) => {
      await stalled;
      return markSent(...args);
    };
    const run = sendBatch({ ...baseDeps(mailer, ledger), concurrency: 2 }, job(10));
    // Wait for the stall itself, however slow the machine: 4 sent and no SES call in flight.
    // A fifth send would start from the fourth's completion, without a timer (the pacing
    // sleep is instant here), so two turns of the event loop are enough to see it.
    const deadline = Date.now() + 10_000;
    while (!(mailer.sent.length >= 4 && mailer.inFlight === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    expect(mailer.inFlight).toBe(0);
    // 2 slots: 2 more sends went out while the first 2 waited for the ledger, then it stopped.
    expect(mailer.sent).toHaveLength(4);
    expect(mailer.mostInFlight).toBe(2);
    release();
    expect(await run).toMatchObject(counts(10, 0, 0));
    expect(mailer.mostInFlight).toBe(2);
    expect((await ledger.list('c1')).map((r) => r.status)).toEqual(Array(10).fill('sent'));
  });

  it('batches of one invocation that share a pool never have more SES calls in flight than its slots, and the earlier batch goes first', async () => {
    const mailer = new SlowMailer();
    const d = { ...baseDeps(mailer, new BatchClaimingLedger()), concurrency: 3, pool: sendPool(3) };
    const named = (name: string) => ({
      ...job(12, name),
      recipients: job(12).recipients.map((r) => ({ ...r, email: `${name}-${r.email}` })),
    });
    // The first batch fills the pool; then the third job of the invocation arrives before the second.
    const first = sendBatch({ ...d, priority: 0 }, named('first'));
    await new Promise((r) => setImmediate(r));
    const third = sendBatch({ ...d, priority: 2 }, named('third'));
    const second = sendBatch({ ...d, priority: 1 }, named('second'));
    const results = await Promise.all([first, second, third]);
    expect(results.map((r) => r.sent)).toEqual([12, 12, 12]);
    expect(mailer.mostInFlight).toBe(3);
    // Served in job order, not in order of arrival.
    const order = mailer.sent.map((s) => s.to.split('-')[0]);
    expect(order).toEqual([...Array<string>(12).fill('first'), ...Array<string>(12).fill('second'), ...Array<string>(12).fill('third')]);
  });

  it('batches sharing a pool check and claim one at a time, in job order, so the first starts sending soonest', async () => {
    const mailer = new SlowMailer();
    const checks: string[] = [];
    let checking = 0;
    let mostChecking = 0;
    const gate = {
      allowed: async (recipients: { subscriberId: string }[]) => {
        mostChecking = Math.max(mostChecking, ++checking);
        await new Promise((r) => setTimeout(r, 5));
        checks.push(recipients[0].subscriberId.split('-')[0]);
        checking--;
        return new Set(recipients.map((r) => r.subscriberId));
      },
    };
    const d = { ...baseDeps(mailer, new BatchClaimingLedger()), concurrency: 2, pool: sendPool(2), gate };
    const named = (name: string) => ({
      ...job(3, name),
      recipients: job(3).recipients.map((r) => ({ subscriberId: `${name}-${r.subscriberId}`, email: `${name}-${r.email}` })),
    });
    // The first batch is checking; then the third job of the invocation arrives before the second.
    const first = sendBatch({ ...d, priority: 0 }, named('first'));
    await new Promise((r) => setImmediate(r));
    const third = sendBatch({ ...d, priority: 2 }, named('third'));
    const second = sendBatch({ ...d, priority: 1 }, named('second'));
    expect((await Promise.all([first, second, third])).map((r) => r.sent)).toEqual([3, 3, 3]);
    expect(mostChecking).toBe(1);
    expect(checks).toEqual(['first', 'second', 'third']);
  });

  it('batches sharing a pool never hold more recipients between claim and `sent` record than twice its slots', async () => {
    const mailer = new SlowMailer();
    const ledger = new BatchClaimingLedger();
    let unrecorded = 0;
    let mostUnrecorded = 0;
    const send = mailer.sendRaw.bind(mailer);
    mailer.sendRaw = async (input) => {
      const out = await send(input);
      mostUnrecorded = Math.max(mostUnrecorded, ++unrecorded);
      return out;
    };
    const markSent = ledger.markSent.bind(ledger);
    ledger.markSent = async (...args) => {
      await new Promise((r) => setTimeout(r, 5));
      unrecorded--;
      return markSent(...args);
    };
    const d = { ...baseDeps(mailer, ledger), concurrency: 2, pool: sendPool(2) };
    await Promise.all([sendBatch(d, job(10, 'c1')), sendBatch(d, job(10, 'c2')), sendBatch(d, job(10, 'c3'))]);
    expect(mailer.sent).toHaveLength(30);
    expect(mostUnrecorded).toBe(4);
  });
});

describe('sendBatch with a ledger that holds `sent` records back', () => {
  /** Holds every `sent` record until flush(), like a group commit with an endless linger. */
  class HoldingLedger extends BatchClaimingLedger {
    held: (() => void)[] = [];
    flushes: number[] = [];
    answered = 0;
    override async markSent(...args: Parameters<MemoryLedger['markSent']>) {
      await new Promise<void>((r) => this.held.push(r));
      return super.markSent(...args);
    }
    flush() {
      this.flushes.push(this.held.length);
      for (const go of this.held.splice(0)) go();
    }
  }

  it('asks the ledger to write them once no SES call of the pool is left unanswered, not before', async () => {
    const mailer = new SlowMailer();
    const ledger = new HoldingLedger();
    const d = { ...baseDeps(mailer, ledger), concurrency: 2, pool: sendPool(2) };
    // With a ledger that never wrote on its own, the batches would never finish.
    const results = await Promise.all([sendBatch(d, job(3, 'c1')), sendBatch(d, job(3, 'c2'))]);
    expect(results.map((r) => r.sent)).toEqual([3, 3]);
    // Admissions (twice the slots) fill with records waiting to be written, so the pool runs
    // dry and flushes every 4 answered sends, then the last 2: never a flush of nothing while
    // sends were still out.
    expect(ledger.flushes).toEqual([4, 2]);
    expect((await ledger.list('c1')).concat(await ledger.list('c2')).map((r) => r.status)).toEqual(Array(6).fill('sent'));
  });
});

describe('sendBatch with a batch-claiming ledger', () => {
  const deps = (mailer: RecordingMailer, ledger = new BatchClaimingLedger()) => baseDeps(mailer, ledger);

  it('claims a fresh batch in one call while the gate checks it; whoever the gate turns away gives the claim back and is recorded suppressed', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), gate: { allowed: () => Promise.resolve(new Set(['s0', 's1', 's3'])) } };
    const single = jest.spyOn(d.ledger, 'claim');
    const released = jest.spyOn(d.ledger, 'release');
    expect(await sendBatch(d, job(4))).toMatchObject({ ...counts(3, 0, 0), suppressed: 1 });
    expect(d.ledger.batchCalls).toEqual([['s0', 's1', 's2', 's3']]);
    expect(single).not.toHaveBeenCalled();
    expect(released.mock.calls.map((c) => c[1])).toEqual(['s2']);
    expect((await d.ledger.get('c1', 's2'))?.status).toBe('suppressed');
    expect(mailer.sent.map((m) => m.to)).not.toContain('r2@example.com');
  });

  it('gives the whole batch claim back when the send-time check fails (a store error), so a redelivery can claim at once', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), gate: { allowed: async () => Promise.reject(new Error('ProvisionedThroughputExceeded')) } };
    await expect(sendBatch(d, job(3))).rejects.toThrow('ProvisionedThroughputExceeded');
    expect(mailer.sent).toHaveLength(0);
    expect(await d.ledger.list('c1')).toEqual([]);
    // The redelivery claims and sends them all, none taken over from a lease.
    expect(await sendBatch({ ...d, gate: undefined }, job(3))).toMatchObject({ ...counts(3, 0, 0), reclaimed: 0 });
  });

  it('sends the rest of a half-done batch once: entries that exist go the one-by-one way (skipped, taken over)', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), leaseMs: 60_000 };
    await sendBatch(d, job(2));
    await d.ledger.claim('c1', 's2', new Date('2026-11-28T09:58:00Z')); // a dead sender's claim
    const r = await sendBatch(d, job(4));
    expect(r).toMatchObject({ ...counts(2, 2, 0), reclaimed: 1 });
    expect(mailer.sent.map((s) => s.to).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com']);
  });

  it('falls back to one-by-one claims when the batch claim fails after writing (a lost answer), sending nothing twice', async () => {
    const mailer = new RecordingMailer();
    const ledger = new BatchClaimingLedger();
    const claimNew = ledger.claimNew.bind(ledger);
    // The transaction was written but its answer lost: the claims are there, the caller does not know.
    ledger.claimNew = async (c, ids, at) => {
      await claimNew(c, ids, at);
      throw new Error('socket hang up');
    };
    const d = { ...deps(mailer, ledger), leaseMs: 60_000 };
    const first = await sendBatch(d, job(3));
    // Its own claims look like another live sender's: handed back, nothing sent, nothing lost.
    expect(first).toMatchObject({ sent: 0 });
    expect(first.retry).toHaveLength(3);
    ledger.claimNew = claimNew;
    // Once the lease has run out, the redelivery takes them over and sends each once.
    const later = { ...d, clock: { now: () => new Date('2026-11-28T10:05:00Z') } };
    expect(await sendBatch(later, job(3))).toMatchObject({ ...counts(3, 0, 0), reclaimed: 3 });
    expect(mailer.sent).toHaveLength(3);
  });
});

describe('sendBatch deadline', () => {
  /** Time left that drops by `perSendMs` with every message SES accepts. */
  const countdown = (mailer: RecordingMailer, startMs: number, perSendMs: number) => () => startMs - perSendMs * mailer.sent.length;

  it.each([
    ['claims one by one', () => new MemoryLedger()],
    ['claims the batch at once', () => new BatchClaimingLedger()],
  ])(
    'starts no send with less than the reserve left, and hands back the rest with their claims released (ledger %s)',
    async (_kind, newLedger) => {
      const mailer = new RecordingMailer();
      const ledger = newLedger();
      // 30 s left, 5 s a send, 10 s kept in hand: sends at 30, 25, 20, 15 and 10 s left, none after.
      const d = { ...baseDeps(mailer, ledger), concurrency: 1, remainingMs: countdown(mailer, 30_000, 5_000), deadlineReserveMs: 10_000 };
      const r = await sendBatch(d, job(10));
      expect(r).toMatchObject({ sent: 5, outOfTime: true, paused: false });
      expect(r.retry.map((x) => x.subscriberId)).toEqual(['s5', 's6', 's7', 's8', 's9']);
      // Only the five sent have an entry: the others can be claimed again at once.
      expect((await ledger.list('c1')).map((x) => [x.subscriberId, x.status])).toEqual([0, 1, 2, 3, 4].map((i) => [`s${i}`, 'sent']));
    },
  );

  it('checks, claims and counts nothing when the time is already short at the start', async () => {
    const mailer = new RecordingMailer();
    const ledger = new BatchClaimingLedger();
    const gate = { allowed: jest.fn(() => Promise.resolve(new Set(['s0']))) };
    const counters = {
      add: jest.fn(() => Promise.resolve(undefined)),
      startPlanning: () => Promise.resolve(undefined),
      finishPlanning: () => Promise.resolve(undefined),
      setState: () => Promise.resolve(undefined),
      get: () => Promise.resolve(undefined),
    };
    const r = await sendBatch({ ...baseDeps(mailer, ledger), gate, counters, remainingMs: () => 9_999 }, job(3));
    expect(r).toMatchObject({ sent: 0, outOfTime: true });
    expect(r.retry).toHaveLength(3);
    expect(gate.allowed).not.toHaveBeenCalled();
    expect(counters.add).not.toHaveBeenCalled();
    expect(ledger.batchCalls).toEqual([]);
    expect(mailer.calls).toBe(0);
  });

  it('takes the rate inside the mailer, as the request goes out, and sends nothing whose wait for it used up the time left', async () => {
    let left = 30_000;
    const order: string[] = [];
    const mailer = new RecordingMailer((to) => void order.push(`send ${to}`));
    // Each slot of the rate takes 8 s: the third wait ends with 6 s left, under the 10 s reserve.
    const pacer = {
      take: () => {
        order.push('rate');
        left -= 8_000;
        return Promise.resolve();
      },
    };
    const ledger = new MemoryLedger();
    const r = await sendBatch(
      { ...baseDeps(mailer, ledger), concurrency: 1, pacer, remainingMs: () => left, deadlineReserveMs: 10_000 },
      job(3),
    );
    expect(order).toEqual(['rate', 'send r0@example.com', 'rate', 'send r1@example.com', 'rate']);
    expect(r).toMatchObject({ sent: 2, outOfTime: true });
    expect(r.retry.map((x) => x.subscriberId)).toEqual(['s2']);
    // The one stopped after its wait gave its claim back: it can be claimed again at once.
    expect((await ledger.list('c1')).map((x) => x.subscriberId)).toEqual(['s0', 's1']);
  });

  it('treats an error of the rate (the quota could not be read) as a store error mid-way: SES not called, the reader handed back', async () => {
    const mailer = new RecordingMailer();
    const pacer = { take: async () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const ledger = new MemoryLedger();
    const r = await sendBatch({ ...baseDeps(mailer, ledger), concurrency: 1, pacer }, job(1));
    expect(r).toMatchObject({ sent: 0, failed: 0, outOfTime: false, paused: false });
    expect(r.retry.map((x) => x.subscriberId)).toEqual(['s0']);
    expect(mailer.calls).toBe(0);
  });

  it('gives up retrying a throttled send when the time left is short, counting the throttling, not a send or failure', async () => {
    let left = 20_000;
    const mailer = new RecordingMailer(() => {
      left -= 6_000; // each throttled answer takes the time down
      return sesError('Throttling', 400);
    });
    const ledger = new MemoryLedger();
    const r = await sendBatch({ ...baseDeps(mailer, ledger), concurrency: 1, remainingMs: () => left, deadlineReserveMs: 10_000 }, job(1));
    // 20 s: throttled (14 s left, retry), throttled (8 s left: no time for another try).
    expect(r).toMatchObject({ sent: 0, failed: 0, throttled: 2, outOfTime: true });
    expect(r.retry).toHaveLength(1);
    expect(await ledger.list('c1')).toEqual([]);
  });
});
