/**
 * The sender's SQS handler with in-memory ports: several jobs an invocation, their failures
 * reported per invocation, and what happens to a job when the invocation runs out of time.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { makeSenderHandler, type SenderHandlerDeps } from '../../lambdas/sender/handler';
import type { SendJob } from '../../lambdas/core/model';
import { invocationCounters, type PreparedCampaign } from '../../lambdas/usecases/send-batch';
import type { CampaignCounters } from '../../lambdas/core/ports';
import { BatchClaimingLedger, fixedClock, MemoryQueue, RecordingMailer, sesError } from './fakes';

const campaign: PreparedCampaign = {
  campaignId: 'c1',
  from: 'news@example.com',
  compose: (r) => Buffer.from(`To: ${r.email}\r\n\r\nhello`),
};
const job = (name: string, n: number): SendJob => ({
  campaignId: 'c1',
  kind: 'digest',
  recipients: Array.from({ length: n }, (_, i) => ({ subscriberId: `${name}${i}`, email: `${name}${i}@example.com` })),
});
const event = (...jobs: [string, SendJob][]): SQSEvent =>
  ({
    Records: jobs.map(([id, j]) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: JSON.stringify(j),
      attributes: { ApproximateReceiveCount: '1' },
    })),
  }) as unknown as SQSEvent;
const context = (remainingMs: () => number) => ({ getRemainingTimeInMillis: remainingMs }) as unknown as Context;

function deps(mailer: RecordingMailer, extra: Partial<SenderHandlerDeps> = {}) {
  const ledger = new BatchClaimingLedger();
  const requeue = new MemoryQueue();
  const d: SenderHandlerDeps = {
    ledger,
    mailer,
    clock: fixedClock(),
    campaign: () => Promise.resolve(campaign),
    sleep: () => Promise.resolve(undefined),
    random: () => 0.5,
    requeue,
    ...extra,
  };
  return { d, ledger, requeue };
}

describe('sender handler', () => {
  it('sends every job of an invocation once and reports no failures', async () => {
    const mailer = new RecordingMailer();
    const { d } = deps(mailer);
    const out = await makeSenderHandler(d)(event(['m1', job('a', 50)], ['m2', job('b', 50)], ['m3', job('c', 20)]));
    expect(out.batchItemFailures).toEqual([]);
    expect(new Set(mailer.sent.map((s) => s.to)).size).toBe(120);
    expect(mailer.sent).toHaveLength(120);
  });

  it('gives two invocations running at once each their own failures (a 5xx in one is not reported by, or lost from, the other)', async () => {
    // Every send to a@… fails with a 5xx (to be retried); every send is slow, so the two overlap.
    const mailer = new RecordingMailer((to) => (to.startsWith('a') ? sesError('InternalFailure', 500) : undefined));
    const send = mailer.sendRaw.bind(mailer);
    mailer.sendRaw = async (input) => {
      await new Promise((r) => setTimeout(r, 2));
      return send(input);
    };
    const handler = makeSenderHandler(deps(mailer).d);
    const [first, second] = await Promise.all([handler(event(['m1', job('a', 5)])), handler(event(['m2', job('b', 30)]))]);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(second.batchItemFailures).toEqual([]);
  });

  it('queues again, as a new job, only the recipients a deadline stopped, and reports the message done (time short mid-job)', async () => {
    const mailer = new RecordingMailer();
    const { d, ledger, requeue } = deps(mailer, { concurrency: 1, deadlineReserveMs: 10_000 });
    // 30 s left, 5 s a send, 10 s kept in hand: five sends, then no more.
    const out = await makeSenderHandler(d)(
      event(['m1', job('a', 8)]),
      context(() => 30_000 - 5_000 * mailer.sent.length),
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((s) => s.to)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'].map((s) => `${s}@example.com`));
    expect(requeue.jobs).toEqual([{ ...job('a', 8), recipients: job('a', 8).recipients.slice(5) }]);
    // Their claims were given back, so the new job claims them at once: the ledger holds the
    // five sent and nothing else (a claim left behind, or no rows at all, fails here).
    expect((await ledger.list('c1')).map((r) => r.status)).toEqual(Array(5).fill('sent'));
  });

  it('queues again, whole and untouched, the jobs an invocation had no time to start', async () => {
    const mailer = new RecordingMailer();
    const { d, ledger, requeue } = deps(mailer);
    const jobs: [string, SendJob][] = [
      ['m1', job('a', 3)],
      ['m2', job('b', 4)],
      ['m3', job('c', 5)],
    ];
    const out = await makeSenderHandler(d)(
      event(...jobs),
      context(() => 5_000),
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(mailer.calls).toBe(0);
    expect(requeue.jobs).toEqual(jobs.map(([, j]) => j));
    expect(ledger.batchCalls).toEqual([]);
  });

  it('without a queue to put them on, hands back a job a deadline stopped through the event source (a batch item failure)', async () => {
    const mailer = new RecordingMailer();
    const { d } = deps(mailer, { requeue: undefined });
    const out = await makeSenderHandler(d)(
      event(['m1', job('a', 3)]),
      context(() => 1_000),
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it("refuses a malformed job (recipients missing) as that message's failure, and still sends the others", async () => {
    const mailer = new RecordingMailer();
    const { d } = deps(mailer);
    const bad = {
      Records: [{ messageId: 'bad', receiptHandle: 'rh', body: JSON.stringify({ campaignId: 'c1', kind: 'digest' }), attributes: {} }],
    } as unknown as SQSEvent;
    const out = await makeSenderHandler(d)({ Records: [...bad.Records, ...event(['ok', job('a', 2)]).Records] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(mailer.sent).toHaveLength(2);
  });

  it('adds the counters of all the jobs of an invocation in one update, once they are done', async () => {
    // The address b1@… is refused for good: a failure, not a send.
    const mailer = new RecordingMailer((to) => (to === 'b1@example.com' ? sesError('MessageRejected', 400) : undefined));
    const { counters, adds } = recordingCounters();
    const { d } = deps(mailer, { counters });
    const out = await makeSenderHandler(d)(event(['m1', job('a', 50)], ['m2', job('b', 30)], ['m3', job('c', 20)]));
    expect(out.batchItemFailures).toEqual([]);
    expect(adds.map(({ campaignId, delta }) => ({ campaignId, delta }))).toEqual([{ campaignId: 'c1', delta: { sent: 99, failed: 1 } }]);
  });

  it('still reports its jobs done when the counters update fails (the ledger, not the counters, decides what is sent again)', async () => {
    const mailer = new RecordingMailer();
    const { counters } = recordingCounters();
    counters.add = () => {
      return Promise.reject(new Error('ProvisionedThroughputExceededException'));
    };
    const { d } = deps(mailer, { counters });
    const out = await makeSenderHandler(d)(event(['m1', job('a', 5)], ['m2', job('b', 5)]));
    expect(out.batchItemFailures).toEqual([]);
    expect(mailer.sent).toHaveLength(10);
  });
});

describe('invocationCounters', () => {
  it('sums adds per campaign until flushed, keeps the latest time, and passes state changes straight through', async () => {
    const { counters, adds, states } = recordingCounters();
    const tally = invocationCounters(counters);
    await tally.counters.add('c1', { sent: 3, skipped: 1 }, new Date('2026-01-01T00:00:02Z'));
    await tally.counters.add('c2', { sent: 1 }, new Date('2026-01-01T00:00:01Z'));
    await tally.counters.add('c1', { sent: 2, failed: 1 }, new Date('2026-01-01T00:00:01Z'));
    await tally.counters.setState('c1', 'paused', new Date('2026-01-01T00:00:03Z'), 'quota');
    expect(adds).toEqual([]);
    expect(states).toEqual(['c1 paused']);
    await tally.flush();
    expect(adds).toEqual([
      { campaignId: 'c1', delta: { sent: 5, skipped: 1, failed: 1 }, at: '2026-01-01T00:00:02.000Z' },
      { campaignId: 'c2', delta: { sent: 1 }, at: '2026-01-01T00:00:01.000Z' },
    ]);
    await tally.flush();
    expect(adds).toHaveLength(2);
  });
});

/** Counters that record each add (zero counts left out, as the store leaves them out) and each state change. */
function recordingCounters() {
  const adds: { campaignId: string; delta: Record<string, number>; at?: string }[] = [];
  const states: string[] = [];
  const counters: CampaignCounters = {
    add(campaignId, delta, at) {
      const nonZero = Object.fromEntries(Object.entries(delta).filter(([, v]) => v !== 0)) as Record<string, number>;
      adds.push({ campaignId, delta: nonZero, at: at.toISOString() });
      return Promise.resolve();
    },
    startPlanning: () => Promise.resolve(undefined),
    finishPlanning: () => Promise.resolve(undefined),
    setState(campaignId, state) {
      states.push(`${campaignId} ${state}`);
      return Promise.resolve();
    },
    get: () => Promise.resolve(undefined),
  };
  return { counters, adds, states };
}
