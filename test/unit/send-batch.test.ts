import { expect } from '@jest/globals';
import { sendBatch } from '../../lambdas/usecases/send-batch';
import type { SendJob } from '../../lambdas/core/model';
import { BatchClaimingLedger, MemoryLedger, RecordingMailer, sesError } from './fakes';
import { baseDeps, counts, job } from './send-batch-support';

// Every behaviour holds whether the ledger claims one recipient at a time or a whole batch at once.
describe.each([
  ['claims one by one', () => new MemoryLedger()],
  ['claims the batch at once', () => new BatchClaimingLedger()],
])('sendBatch (ledger %s)', (_kind, newLedger) => {
  const deps = (mailer: RecordingMailer, ledger: MemoryLedger = newLedger()) => baseDeps(mailer, ledger);

  it('sends one message per recipient and records each in the ledger with its SES id', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    expect(await sendBatch(d, job(20))).toMatchObject(counts(20, 0, 0));
    expect(mailer.sent).toHaveLength(20);
    const rows = await d.ledger.list('c1');
    // One row per recipient (an empty ledger would pass an `every`), each with the id SES gave.
    expect(rows.map((r) => r.status)).toEqual(Array(20).fill('sent'));
    expect(new Set(rows.map((r) => r.sesMessageId))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `m-${i + 1}`)));
  });

  it('gives no second copy when the same batch is delivered again (redelivery)', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    await sendBatch(d, job(10));
    expect(await sendBatch(d, job(10))).toMatchObject(counts(0, 10, 0));
    expect(mailer.sent).toHaveLength(10);
  });

  it('gives no second copy when two copies of a batch run at the same time', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    const [a, b] = await Promise.all([sendBatch(d, job(30)), sendBatch(d, job(30))]);
    expect(a.sent + b.sent).toBe(30);
    expect(new Set(mailer.sent.map((s) => s.to)).size).toBe(30);
    expect(mailer.sent).toHaveLength(30);
  });

  it('retries throttling inside the batch with backoff, never counting it as sent or failed', async () => {
    const mailer = new RecordingMailer((to, call) => (to === 'r1@example.com' && call < 5 ? sesError('Throttling', 400) : undefined));
    const waits: number[] = [];
    const d = {
      ...deps(mailer),
      sleep: (ms: number) => {
        waits.push(ms);
        return Promise.resolve();
      },
    };
    const r = await sendBatch(d, job(4));
    expect(r).toMatchObject({ ...counts(4, 0, 0), throttled: expect.any(Number) });
    expect(r.throttled).toBeGreaterThan(0);
    expect(waits.length).toBe(r.throttled);
    expect(mailer.sent.filter((s) => s.to === 'r1@example.com')).toHaveLength(1);
  });

  it('keeps the claim of a send that got no answer in time (SES may have taken it): a redelivery does not send it again at once', async () => {
    const mailer = new RecordingMailer((to, call) =>
      to === 'r1@example.com' && call < 30 ? Object.assign(new Error('no answer in 5000 ms'), { name: 'TimeoutError' }) : undefined,
    );
    const d = deps(mailer);
    const first = await sendBatch(d, job(3));
    expect(first).toMatchObject({ sent: 2, failed: 0 });
    expect(first.retry.map((r) => r.email)).toEqual(['r1@example.com']);
    expect(await d.ledger.get('c1', 's1')).toMatchObject({ status: 'claimed' });
    mailer.calls = 100;
    // Redelivered within the claim's lease: r1's claim is in flight, so nothing goes to r1.
    await sendBatch({ ...d, maxLeaseWaitMs: 0 }, job(3));
    expect(mailer.sent.filter((m) => m.to === 'r1@example.com')).toHaveLength(0);
  });

  it('hands a recipient back (claim released) when throttling outlasts the retries, and on a 5xx', async () => {
    const mailer = new RecordingMailer((to, call) =>
      to === 'r1@example.com' && call < 30
        ? sesError('Throttling', 400)
        : to === 'r2@example.com' && call < 30
          ? sesError('InternalFailure', 500)
          : undefined,
    );
    const d = { ...deps(mailer), throttleRetries: 2 };
    const first = await sendBatch(d, job(4));
    expect(first).toMatchObject({ sent: 2, failed: 0, throttled: 3 });
    expect(first.retry.map((r) => r.email).sort()).toEqual(['r1@example.com', 'r2@example.com']);
    expect(await d.ledger.get('c1', 's1')).toBeUndefined();
    expect(await d.ledger.get('c1', 's2')).toBeUndefined();
    mailer.calls = 100;
    // The redelivered batch sends only to the two that were handed back.
    expect(await sendBatch(d, job(4))).toMatchObject(counts(2, 2, 0));
    expect(mailer.sent.map((s) => s.to).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com']);
  });

  it('marks a permanently rejected recipient failed and does not retry it', async () => {
    const mailer = new RecordingMailer((to) => (to === 'r0@example.com' ? sesError('MessageRejected', 400) : undefined));
    const d = deps(mailer);
    expect(await sendBatch(d, job(3))).toMatchObject(counts(2, 0, 1));
    expect(await d.ledger.get('c1', 's0')).toMatchObject({ status: 'failed', error: expect.stringContaining('MessageRejected') });
  });

  it('marks a recipient whose message cannot be built (CR/LF in the address) failed, sends nothing for it', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    const bad: SendJob = {
      campaignId: 'c1',
      kind: 'digest',
      recipients: [{ subscriberId: 'x', email: 'a@example.com\nBcc: b@example.com' }],
    };
    expect(await sendBatch(d, bad)).toMatchObject(counts(0, 0, 1));
    expect(mailer.sent).toHaveLength(0);
  });

  it('does not mail recipients the gate refuses (left since planning), records them suppressed once', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), gate: { allowed: () => Promise.resolve(new Set(['s0', 's2'])) } };
    expect(await sendBatch(d, job(4))).toMatchObject({ ...counts(2, 0, 0), suppressed: 2 });
    expect(mailer.sent.map((s) => s.to).sort()).toEqual(['r0@example.com', 'r2@example.com']);
    expect((await d.ledger.get('c1', 's1'))?.status).toBe('suppressed');
    // Delivered again: nobody counted twice.
    expect(await sendBatch(d, job(4))).toMatchObject({ ...counts(0, 4, 0), suppressed: 0 });
  });

  it('takes over a claim older than the lease (its sender died before sending) and sends once', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), leaseMs: 60_000 };
    await d.ledger.claim('c1', 's0', new Date('2026-11-28T09:58:00Z'));
    const r = await sendBatch(d, job(1));
    expect(r).toMatchObject({ ...counts(1, 0, 0), reclaimed: 1 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('hands back a recipient whose claim is younger than the lease (another sender may be live)', async () => {
    const mailer = new RecordingMailer();
    const d = { ...deps(mailer), leaseMs: 60_000 };
    await d.ledger.claim('c1', 's0', new Date('2026-11-28T09:59:30Z'));
    const r = await sendBatch(d, job(2));
    expect(r.retry.map((x) => x.subscriberId)).toEqual(['s0']);
    expect(mailer.sent.map((s) => s.to)).toEqual(['r1@example.com']);
  });

  it('waits for a claim to go stale when that is within maxLeaseWaitMs, then takes it over', async () => {
    const mailer = new RecordingMailer();
    let t = Date.parse('2026-11-28T10:00:00Z');
    const waits: number[] = [];
    const d = {
      ...deps(mailer),
      leaseMs: 60_000,
      maxLeaseWaitMs: 45_000,
      clock: { now: () => new Date(t) },
      sleep: (ms: number) => {
        waits.push(ms);
        t += ms;
        return Promise.resolve();
      },
    };
    await d.ledger.claim('c1', 's0', new Date(t - 20_000));
    expect(await sendBatch(d, job(1))).toMatchObject({ ...counts(1, 0, 0), reclaimed: 1 });
    expect(waits).toEqual([40_001]);
  });

  it('stops before sending when the daily quota is used up, hands everyone back and reports the pause', async () => {
    const mailer = new RecordingMailer();
    let left = 2;
    const d = { ...deps(mailer), concurrency: 1, allowance: { take: () => Promise.resolve(left-- > 0) } };
    const r = await sendBatch(d, job(5));
    expect(r).toMatchObject({ sent: 2, failed: 0, paused: true });
    expect(r.retry).toHaveLength(3);
    expect((await d.ledger.list('c1')).filter((x) => x.status === 'claimed')).toHaveLength(0);
  });

  it('treats SES\'s "Daily message quota exceeded" as a pause, not a failure', async () => {
    const mailer = new RecordingMailer(() =>
      Object.assign(new Error('Daily message quota exceeded.'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
    );
    const d = deps(mailer);
    const r = await sendBatch(d, job(2));
    expect(r).toMatchObject({ sent: 0, failed: 0, paused: true, throttled: 0 });
    expect(r.retry).toHaveLength(2);
  });

  it('hands back a recipient whose ledger write fails after SES accepted (the duplicate window) instead of failing the batch', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    const markSent = d.ledger.markSent.bind(d.ledger);
    d.ledger.markSent = async (c, s, id, at) => (s === 's1' ? Promise.reject(new Error('crash')) : markSent(c, s, id, at));
    const r = await sendBatch(d, job(3));
    expect(r).toMatchObject({ sent: 2 });
    expect(r.retry.map((x) => x.subscriberId)).toEqual(['s1']);
    expect((await d.ledger.get('c1', 's1'))?.status).toBe('claimed');
  });

  it('adds the batch counts to the campaign counters once per batch', async () => {
    const adds: unknown[] = [];
    const counters = {
      add: (_c: string, delta: unknown) => {
        adds.push(delta);
        return Promise.resolve();
      },
      startPlanning: () => Promise.resolve(undefined),
      finishPlanning: () => Promise.resolve(undefined),
      setState: () => Promise.resolve(undefined),
      get: () => Promise.resolve(undefined),
    };
    const d = { ...deps(new RecordingMailer()), counters };
    await sendBatch(d, job(3));
    expect(adds).toEqual([{ sent: 3, skipped: 0, failed: 0, suppressed: 0, throttled: 0, reclaimed: 0 }]);
  });
});
