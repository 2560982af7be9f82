import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SendJob } from '../../lambdas/core/model';
import { type DeadLetterMessage, LateSendQueue, LocalQueue, LocalSendQueue, MAX_BODY_BYTES } from '../../lib/local/queue';

const silent = { warn: () => undefined };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A limit no ordinary drain comes near even on a loaded machine: a drain that needs it has hung. */
const DRAIN_MS = 30_000;

/** A promise with its resolve, for a handler to signal a test (or wait for one). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Queues started by a test, stopped after it even when it fails. */
const started: LocalQueue[] = [];
function queue(options: ConstructorParameters<typeof LocalQueue>[0]): LocalQueue {
  const q = new LocalQueue({ logger: silent, pollIntervalMs: 5, ...options });
  started.push(q);
  return q;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((q) => q.stop()));
});

describe('LocalQueue', () => {
  it('delivers messages in batches of at most batchSize, shaped as an SQS event', async () => {
    const events: SQSEvent[] = [];
    const q = queue({
      name: 'jobs',
      batchSize: 3,
      concurrency: 1,
      handler: (e) => {
        events.push(e);
        return Promise.resolve();
      },
    });
    const ids = await q.send(['a', 'b', 'c', 'd', 'e']);
    q.start();
    await q.drain(DRAIN_MS);

    expect(events.map((e) => e.Records.length)).toEqual([3, 2]);
    const records = events.flatMap((e) => e.Records);
    expect(records.map((r) => r.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(records.map((r) => r.messageId)).toEqual(ids);
    const first = records[0];
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:jobs',
      awsRegion: 'local',
      md5OfBody: '0cc175b9c0f1b6a831c399e269772661', // md5("a"), as SQS computes it
      messageAttributes: {},
    });
    expect(first.receiptHandle).toEqual(expect.any(String));
    expect(first.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(first.attributes.SentTimestamp)).toBeLessThanOrEqual(Number(first.attributes.ApproximateFirstReceiveTimestamp));
    expect(q.stats()).toMatchObject({ visible: 0, inFlight: 0, delivered: 5, received: 5, deadLettered: 0 });
  });

  it('gives the handler a Lambda-like context counting down from timeoutMs, and none without one', async () => {
    const left: (number | undefined)[] = [];
    const handler = async (_e: SQSEvent, context?: Context) => {
      left.push(context?.getRemainingTimeInMillis());
      await sleep(30);
      left.push(context?.getRemainingTimeInMillis());
    };
    const timed = queue({ name: 'timed', timeoutMs: 1_000, handler });
    await timed.send(['a']);
    timed.start();
    await timed.drain(DRAIN_MS);
    expect(left[0]).toBeGreaterThan(950);
    expect(left[0]).toBeLessThanOrEqual(1_000);
    expect(left[0]! - left[1]!).toBeGreaterThanOrEqual(25);
    const plain = queue({ name: 'plain', handler });
    await plain.send(['a']);
    plain.start();
    await plain.drain(DRAIN_MS);
    expect(left.slice(2)).toEqual([undefined, undefined]);
  });

  it('a LateSendQueue refuses jobs until its queue is attached (bad input: a job with nowhere to go), then queues them there', async () => {
    const late = new LateSendQueue();
    const job: SendJob = { campaignId: 'c1', kind: 'digest', recipients: [{ subscriberId: 's1', email: 'a@example.com' }] };
    await expect(late.enqueue([job])).rejects.toThrow('no queue attached');
    const bodies: string[] = [];
    const q = queue({
      name: 'late',
      handler: (e) => {
        bodies.push(...e.Records.map((r) => r.body));
        return Promise.resolve();
      },
    });
    late.attach(q);
    await late.enqueue([job]);
    q.start();
    await q.drain(DRAIN_MS);
    expect(bodies.map((b): unknown => JSON.parse(b))).toEqual([job]);
  });

  it('redelivers only the messages listed in batchItemFailures, and deletes the rest', async () => {
    const seen: Array<[string, string]> = [];
    let failedOnce = false;
    const q = queue({
      name: 'partial',
      batchSize: 3,
      retryDelayMs: 10,
      handler: (e): Promise<SQSBatchResponse> => {
        for (const r of e.Records) seen.push([r.body, r.attributes.ApproximateReceiveCount]);
        const b = e.Records.find((r) => r.body === 'b');
        if (b && !failedOnce) {
          failedOnce = true;
          return Promise.resolve({ batchItemFailures: [{ itemIdentifier: b.messageId }] });
        }
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    await q.send(['a', 'b', 'c']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(seen).toEqual([
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
      ['b', '2'],
    ]);
    expect(q.stats()).toMatchObject({ delivered: 3, received: 4 });
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const calls: string[][] = [];
    const q = queue({
      name: 'throws',
      batchSize: 2,
      retryDelayMs: 10,
      handler: (e) => {
        calls.push(e.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        if (calls.length === 1) return Promise.reject(new Error('downstream unavailable'));
        return Promise.resolve();
      },
    });
    await q.send(['a', 'b']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(calls).toEqual([
      ['a#1', 'b#1'],
      ['a#2', 'b#2'],
    ]);
  });

  it('treats an itemIdentifier that is not in the batch as a failure of the whole batch (bad input: unknown id)', async () => {
    const calls: string[][] = [];
    const q = queue({
      name: 'unknown-id',
      batchSize: 2,
      retryDelayMs: 10,
      handler: (e) => {
        calls.push(e.Records.map((r) => r.body));
        return Promise.resolve(calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] } : undefined);
      },
    });
    await q.send(['a', 'b']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('keeps a failed message invisible for the rest of its visibility timeout when no retryDelayMs is set', async () => {
    const times: number[] = [];
    const q = queue({
      name: 'vt',
      visibilityTimeoutMs: 150,
      handler: () => {
        times.push(Date.now());
        if (times.length === 1) return Promise.reject(new Error('fail once'));
        return Promise.resolve();
      },
    });
    await q.send(['x']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(times).toHaveLength(2);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(140);
  });

  it('dead-letters a message after maxReceiveCount receives, with ApproximateReceiveCount rising 1..N', async () => {
    const counts: string[] = [];
    const dlq: DeadLetterMessage[] = [];
    const q = queue({
      name: 'poison',
      maxReceiveCount: 3,
      retryDelayMs: 5,
      deadLetter: dlq,
      handler: (e) => {
        counts.push(e.Records[0].attributes.ApproximateReceiveCount);
        return Promise.reject(new Error('always fails'));
      },
    });
    const [id] = await q.send(['poison']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(counts).toEqual(['1', '2', '3']);
    expect(dlq).toEqual([expect.objectContaining({ messageId: id, body: 'poison', receiveCount: 3 })]);
    expect(q.stats()).toMatchObject({ visible: 0, inFlight: 0, deadLettered: 1, delivered: 0, received: 3 });
  });

  it('redrive moves dead-lettered messages back with a fresh receive count', async () => {
    let healthy = false;
    const counts: string[] = [];
    const dlq: DeadLetterMessage[] = [];
    const q = queue({
      name: 'redrive',
      maxReceiveCount: 2,
      retryDelayMs: 5,
      deadLetter: dlq,
      handler: (e) => {
        counts.push(e.Records[0].attributes.ApproximateReceiveCount);
        if (!healthy) return Promise.reject(new Error('not yet'));
        return Promise.resolve();
      },
    });
    await q.send(['m']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(dlq).toHaveLength(1);

    healthy = true;
    expect(q.redrive()).toBe(1);
    await q.drain(DRAIN_MS);
    expect(dlq).toHaveLength(0);
    expect(counts).toEqual(['1', '2', '1']);
    expect(q.stats()).toMatchObject({ deadLettered: 0, delivered: 1 });
  });

  it('dead-letters into another LocalQueue, keeping the message id, and redrive takes it back from there', async () => {
    const dlq = queue({ name: 'jobs-dlq', handler: () => Promise.resolve(undefined) });
    let healthy = false;
    const delivered: string[] = [];
    const q = queue({
      name: 'jobs2',
      maxReceiveCount: 1,
      retryDelayMs: 5,
      deadLetter: dlq,
      handler: (e) => {
        if (!healthy) return Promise.reject(new Error('fail'));
        delivered.push(e.Records[0].messageId);
        return Promise.resolve();
      },
    });
    const [id] = await q.send(['payload']);
    q.start();
    await q.drain(DRAIN_MS);
    // The DLQ is not started, so the message waits there.
    expect(dlq.stats().visible).toBe(1);

    healthy = true;
    expect(q.redrive()).toBe(1);
    expect(dlq.stats().visible).toBe(0);
    await q.drain(DRAIN_MS);
    expect(delivered).toEqual([id]);
  });

  it('delivers a message again when the handler runs past the visibility timeout (duplicate delivery, as on SQS)', async () => {
    const deliveries: Array<{ id: string; count: string }> = [];
    const again = signal();
    const q = queue({
      name: 'slow',
      concurrency: 2,
      // Long enough that the second, instant delivery is always acknowledged inside it.
      visibilityTimeoutMs: 250,
      handler: async (e) => {
        const r = e.Records[0];
        deliveries.push({ id: r.messageId, count: r.attributes.ApproximateReceiveCount });
        // The first call runs until the message has been delivered again, however long that takes.
        if (r.attributes.ApproximateReceiveCount === '1') await again.promise;
        else again.resolve();
      },
    });
    const [id] = await q.send(['slow job']);
    q.start();
    await q.drain(DRAIN_MS);
    expect(deliveries).toEqual([
      { id, count: '1' },
      { id, count: '2' },
    ]);
    expect(q.stats()).toMatchObject({ received: 2, delivered: 1, visible: 0, inFlight: 0 });
  });

  it('never runs more handler calls at once than the concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    const q = queue({
      name: 'bounded',
      concurrency: 3,
      handler: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(15);
        running -= 1;
      },
    });
    await q.send(Array.from({ length: 20 }, (_, i) => `m${i}`));
    q.start();
    await q.drain(DRAIN_MS);
    expect(peak).toBe(3);
    expect(q.stats().delivered).toBe(20);
  });

  it('stop waits for the handler calls already running', async () => {
    let finished = false;
    const running = signal();
    const q = queue({
      name: 'stopping',
      handler: async () => {
        running.resolve();
        await sleep(50);
        finished = true;
      },
    });
    await q.send(['x']);
    q.start();
    await running.promise; // the call is under way: stop must now wait for it
    expect(finished).toBe(false);
    await q.stop();
    expect(finished).toBe(true);
  });

  it('drain rejects when the queue cannot empty in time, naming the counts', async () => {
    const running = signal();
    const release = signal();
    const q = queue({ name: 'stuck', handler: async () => (running.resolve(), await release.promise) });
    await q.send(['x']);
    q.start();
    await running.promise; // received and held: it stays in flight until released
    await expect(q.drain(50)).rejects.toThrow(/did not drain within 50 ms.*"inFlight":1/);
    release.resolve();
    await q.drain(DRAIN_MS);
  });

  it('refuses an empty body and one over the SQS size limit, queueing nothing (bad input: "" and 256 KiB + 1)', async () => {
    const q = queue({ name: 'limits', handler: () => Promise.resolve(undefined) });
    await expect(q.send(['ok', ''])).rejects.toThrow(/empty body/);
    await expect(q.send(['x'.repeat(MAX_BODY_BYTES + 1)])).rejects.toThrow(/more than the 262144/);
    expect(q.stats().visible).toBe(0);
  });

  it('rejects nonsensical options (bad input: batchSize 0, concurrency 1.5)', () => {
    expect(() => new LocalQueue({ name: 'q', handler: () => Promise.resolve(undefined), batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new LocalQueue({ name: 'q', handler: () => Promise.resolve(undefined), concurrency: 1.5 })).toThrow(/concurrency/);
  });
});

describe('LocalSendQueue', () => {
  it('queues one JSON message per send job', async () => {
    const bodies: string[] = [];
    const q = queue({
      name: 'send',
      batchSize: 10,
      handler: (e) => {
        bodies.push(...e.Records.map((r) => r.body));
        return Promise.resolve();
      },
    });
    const jobs: SendJob[] = [
      { campaignId: 'issue-1', kind: 'digest', recipients: [{ subscriberId: 's1', email: 'a@example.com' }] },
      { campaignId: 'issue-1', kind: 'digest', recipients: [{ subscriberId: 's2', email: 'b@example.com' }] },
    ];
    await new LocalSendQueue(q).enqueue(jobs);
    q.start();
    await q.drain(DRAIN_MS);
    expect(bodies.map((b): unknown => JSON.parse(b))).toEqual(jobs);
  });
});
