/**
 * The account-wide pause with in-memory ports: the circuit breaker on account-level SES
 * refusals (trip, probe, backoff, close), the quota pause and its estimate, the reputation
 * brake's window and minimum sample, and what the sender handler does with a paused job.
 */
import type { SQSEvent } from 'aws-lambda';
import {
  BRAKE_DEFAULTS,
  readBrakeSettings,
  type Bucket,
  type BucketCounts,
  type BrakeSettings,
  type ReputationOverride,
  type SendingPause,
  type SendingState,
  type SendingStateStore,
} from '../../lambdas/core/sending-state';
import { backoffStepMs, quotaRoomAt, SendingBrake } from '../../lambdas/core/sending-brake';
import {
  recordReputation,
  reputationSignals,
  reputationVerdict,
  windowCounts,
  type CampaignReputation,
} from '../../lambdas/core/reputation';
import { sendBatch, type PreparedCampaign, type SendDeps } from '../../lambdas/usecases/send-batch';
import { makeSenderHandler } from '../../lambdas/sender/handler';
import type { SendJob } from '../../lambdas/core/model';
import type { MetricName } from '../../lambdas/adapters/metrics';
import { BatchClaimingLedger, MemoryQueue, RecordingMailer } from './fakes';

/** The store as DynamoDB keeps it, in memory (same conditions). */
class MemorySendingState implements SendingStateStore, CampaignReputation {
  state: SendingState = {};
  counts = new Map<number, BucketCounts>();
  campaigns = new Map<string, BucketCounts>();
  get() {
    return Promise.resolve(structuredClone(this.state));
  }
  open(p: SendingPause) {
    if (this.state.pause && (p.kind !== 'reputation' || this.state.pause.kind === 'reputation')) return Promise.resolve(false);
    this.state.pause = { ...p };
    return Promise.resolve(true);
  }
  takeProbe(by: string, now: Date, until: Date) {
    const p = this.state.pause;
    if (!p || p.kind === 'reputation' || !p.retryAt || p.retryAt > now.toISOString() || (p.probeUntil && p.probeUntil >= now.toISOString()))
      return Promise.resolve(false);
    Object.assign(p, { probeBy: by, probeUntil: until.toISOString() });
    return Promise.resolve(true);
  }
  reopen(by: string, p: SendingPause) {
    if (this.state.pause?.probeBy === by) this.state.pause = { ...p };
    return Promise.resolve();
  }
  releaseProbe(by: string) {
    if (this.state.pause?.probeBy === by) {
      delete this.state.pause.probeBy;
      delete this.state.pause.probeUntil;
    }
    return Promise.resolve();
  }
  closeByProbe(by: string) {
    if (this.state.pause?.probeBy === by) delete this.state.pause;
    return Promise.resolve();
  }
  resume(_at: Date, override?: ReputationOverride) {
    const before = this.state.pause;
    delete this.state.pause;
    if (override) this.state.override = override;
    return Promise.resolve(before);
  }
  addCounts(start: number, d: Partial<BucketCounts>) {
    const b = this.counts.get(start) ?? { sends: 0, bounces: 0, complaints: 0 };
    for (const k of ['sends', 'bounces', 'complaints'] as const) b[k] += d[k] ?? 0;
    this.counts.set(start, b);
    return Promise.resolve();
  }
  buckets(since: number, until: number): Promise<Bucket[]> {
    return Promise.resolve(
      [...this.counts].filter(([s]) => s >= since - (since % 3_600_000) && s <= until).map(([start, c]) => ({ start, ...c })),
    );
  }
  addCampaign(c: string, d: { bounced?: number; complained?: number }) {
    const x = this.campaigns.get(c) ?? { sends: 0, bounces: 0, complaints: 0 };
    x.bounces += d.bounced ?? 0;
    x.complaints += d.complained ?? 0;
    this.campaigns.set(c, x);
    return Promise.resolve();
  }
  campaignCounts(c: string) {
    return Promise.resolve(this.campaigns.get(c));
  }
}

const T0 = Date.parse('2026-11-30T09:00:00Z');
const clockAt = (t = { now: T0 }) => ({ t, clock: { now: () => new Date(t.now) } });
const settings: BrakeSettings = { ...BRAKE_DEFAULTS, cacheMs: 0, backoffBaseMs: 60_000 };
const campaign: PreparedCampaign = {
  campaignId: 'c1',
  from: 'news@example.com',
  compose: (r) => Buffer.from(`To: ${r.email}\r\n\r\nhello`),
};
const job = (n: number, prefix = 'r'): SendJob => ({
  campaignId: 'c1',
  kind: 'digest',
  recipients: Array.from({ length: n }, (_, i) => ({ subscriberId: `${prefix}${i}`, email: `${prefix}${i}@example.com` })),
});
const sandbox = () =>
  Object.assign(new Error('Email address is not verified. The following identities failed the check in region EU-WEST-1: r1@example.com'), {
    name: 'MessageRejected',
    $metadata: { httpStatusCode: 400 },
  });

function world(fail: (to: string, call: number) => Error | undefined) {
  const store = new MemorySendingState();
  const { t, clock } = clockAt();
  const ledger = new BatchClaimingLedger();
  const mailer = new RecordingMailer(fail);
  const brake = new SendingBrake(store, clock.now, settings);
  const deps: SendDeps = {
    ledger,
    mailer,
    clock,
    campaign: () => Promise.resolve(campaign),
    sleep: () => Promise.resolve(undefined),
    random: () => 0.5,
    concurrency: 1,
    brake,
  };
  return { store, t, clock, ledger, mailer, brake, deps };
}

describe('circuit breaker on account-level SES refusals', () => {
  it('opens after 3 refusals: SES saw 3 calls of a 50-reader batch, nobody is failed, every claim is given back', async () => {
    const w = world(() => sandbox());
    // Three batches of one process (one SendingBrake): the first stops itself at its first refusal.
    const results = [];
    for (const p of ['a', 'b', 'c', 'd']) results.push(await sendBatch(w.deps, job(50, p)));
    expect(w.mailer.calls).toBe(3);
    expect(results.map((r) => r.failed)).toEqual([0, 0, 0, 0]);
    expect(results.every((r) => r.paused && r.retry.length === 50)).toBe(true);
    expect(w.ledger.rows.size).toBe(0);
    expect(w.store.state.pause).toMatchObject({
      kind: 'account',
      code: 'MessageRejected',
      step: 0,
      retryAt: new Date(T0 + 60_000).toISOString(),
    });
    expect(results[3].pause?.reason).toMatch(/Email address is not verified/);
  });

  it('stops another sender process too (account-wide state): it claims nobody and never calls SES', async () => {
    const w = world(() => sandbox());
    for (const p of ['a', 'b', 'c']) await sendBatch(w.deps, job(5, p));
    const other = new SendingBrake(w.store, w.clock.now, settings);
    const mailer = new RecordingMailer();
    const r = await sendBatch({ ...w.deps, mailer, brake: other }, job(50, 'x'));
    expect(r).toMatchObject({ paused: true, sent: 0, failed: 0 });
    expect(r.retry).toHaveLength(50);
    expect(mailer.calls).toBe(0);
    expect([...w.ledger.rows.keys()].some((k) => k.includes('|x'))).toBe(false);
    // Alerts go through the same sender: they stop too.
    const alert = await sendBatch({ ...w.deps, mailer, brake: other }, { ...job(3, 'y'), campaignId: 'breaking-1', kind: 'alert' });
    expect(alert).toMatchObject({ paused: true, sent: 0 });
    expect(mailer.calls).toBe(0);
  });

  it('after the backoff one probe: a refused probe doubles the wait; an accepted one closes the pause and the batch is sent', async () => {
    let fixed = false;
    const w = world(() => (fixed ? undefined : sandbox()));
    for (const p of ['a', 'b', 'c']) await sendBatch(w.deps, job(5, p));
    expect(w.mailer.calls).toBe(3);
    // Not due yet: no SES call.
    expect(await sendBatch(w.deps, job(10, 'p'))).toMatchObject({ paused: true });
    expect(w.mailer.calls).toBe(3);
    // Due: exactly one probe, refused: step 1, next probe after 2 minutes.
    w.t.now += 60_000;
    const probed = await sendBatch(w.deps, job(10, 'p'));
    expect(w.mailer.calls).toBe(4);
    expect(probed).toMatchObject({ paused: true, failed: 0 });
    expect(w.store.state.pause).toMatchObject({ step: 1, retryAt: new Date(w.t.now + 120_000).toISOString() });
    // Fixed; the next probe is accepted and the whole batch goes out, once each.
    fixed = true;
    w.t.now += 120_000;
    const r = await sendBatch(w.deps, job(10, 'p'));
    expect(r).toMatchObject({ sent: 10, failed: 0, paused: false });
    expect(w.store.state.pause).toBeUndefined();
    expect(w.mailer.sent.map((s) => s.to)).toEqual(job(10, 'p').recipients.map((x) => x.email));
  });

  it('lets only one of two senders probe at once', async () => {
    const w = world(() => sandbox());
    for (const p of ['a', 'b', 'c']) await sendBatch(w.deps, job(5, p));
    w.t.now += 60_000;
    const second = new SendingBrake(w.store, w.clock.now, settings);
    const [a, b] = await Promise.all([w.brake.admit(), second.admit()]);
    expect([a.state, b.state].sort()).toEqual(['paused', 'probe']);
  });

  it('keeps a single bad address a per-reader failure (MessageRejected "Address blacklisted."): no pause', async () => {
    const w = world((to) =>
      to.startsWith('a1@') ? Object.assign(new Error('Address blacklisted.'), { name: 'MessageRejected' }) : undefined,
    );
    const r = await sendBatch(w.deps, job(5, 'a'));
    expect(r).toMatchObject({ sent: 4, failed: 1, paused: false });
    expect(w.store.state.pause).toBeUndefined();
  });

  it('backs off 1, 2, 4, 8 minutes, then stays at SQS’s 15-minute maximum', () => {
    expect([0, 1, 2, 3, 4, 5].map((s) => backoffStepMs(s, BRAKE_DEFAULTS) / 60_000)).toEqual([1, 2, 4, 8, 15, 15]);
  });
});

describe('the daily quota pause', () => {
  it('pauses at once when the allowance is used up, until the estimated time the 24-hour window has room, then goes on by itself', async () => {
    const w = world(() => undefined);
    let room = 2;
    // This pipeline sent 150 an hour ago and 50 now; SES counts those 200 of 200.
    await w.store.addCounts(T0 - 23 * 3_600_000, { sends: 150 });
    await w.store.addCounts(T0, { sends: 50 });
    const brake = new SendingBrake(w.store, w.clock.now, settings, () => Promise.resolve({ max24HourSend: 200, sentLast24Hours: 200 }));
    const d = { ...w.deps, brake, allowance: { take: () => Promise.resolve(room-- > 0) } };
    const r = await sendBatch(d, job(10));
    expect(r).toMatchObject({ sent: 2, failed: 0, paused: true });
    expect(r.retry).toHaveLength(8);
    // The 150 of 23 hours ago leave the window at the end of their hour + 24 h: 2 hours from now.
    expect(w.store.state.pause).toMatchObject({ kind: 'quota', retryAt: new Date(T0 + 2 * 3_600_000).toISOString() });
    expect(w.store.state.pause!.reason).toMatch(/200 of 200 sent in 24 h/);
    room = 100;
    w.t.now += 2 * 3_600_000;
    expect(await sendBatch(d, { ...job(10), recipients: r.retry })).toMatchObject({ sent: 8, paused: false });
    expect(w.store.state.pause).toBeUndefined();
  });

  it('estimates from the oldest own sends that must leave the window; with none of its own, an hour', () => {
    const now = new Date(T0);
    const h = 3_600_000;
    const buckets = [
      { start: T0 - 20 * h, sends: 30, bounces: 0, complaints: 0 },
      { start: T0 - 10 * h, sends: 70, bounces: 0, complaints: 0 },
    ];
    expect(quotaRoomAt({ max24HourSend: 100, sentLast24Hours: 100 }, buckets, now, h).getTime()).toBe(T0 - 19 * h + 24 * h);
    expect(quotaRoomAt({ max24HourSend: 100, sentLast24Hours: 140 }, buckets, now, h).getTime()).toBe(T0 - 9 * h + 24 * h);
    expect(quotaRoomAt({ max24HourSend: 100, sentLast24Hours: 500 }, buckets, now, h).getTime()).toBe(T0 + h);
    expect(quotaRoomAt({ max24HourSend: -1, sentLast24Hours: 500 }, buckets, now, h).getTime()).toBe(T0);
  });
});

describe('the reputation brake', () => {
  const bucket = (start: number, sends: number, bounces = 0, complaints = 0): Bucket => ({ start, sends, bounces, complaints });

  it('measures the newest buckets until they hold N sends', () => {
    const h = 3_600_000;
    const b = [bucket(T0 - 2 * h, 5000, 500), bucket(T0 - h, 700, 7), bucket(T0, 400, 30)];
    expect(windowCounts(b, 1000)).toEqual({ sends: 1100, bounces: 37, complaints: 0 });
    expect(windowCounts(b, 300)).toEqual({ sends: 400, bounces: 30, complaints: 0 });
  });

  it('never brakes below the minimum sample (1 bounce of 3 sends), brakes at 4 % of 200 or 2 complaints in 2,500', () => {
    expect(reputationVerdict({ sends: 3, bounces: 1, complaints: 0 }, BRAKE_DEFAULTS, 'x')).toBeUndefined();
    expect(reputationVerdict({ sends: 199, bounces: 50, complaints: 0 }, BRAKE_DEFAULTS, 'x')).toBeUndefined();
    expect(reputationVerdict({ sends: 200, bounces: 7, complaints: 0 }, BRAKE_DEFAULTS, 'x')).toBeUndefined();
    expect(reputationVerdict({ sends: 200, bounces: 8, complaints: 0 }, BRAKE_DEFAULTS, 'x')).toMatch(
      /bounce rate 4 % \(8 of 200 sends, x\)/,
    );
    expect(reputationVerdict({ sends: 1000, bounces: 0, complaints: 1 }, BRAKE_DEFAULTS, 'x')).toBeUndefined();
    expect(reputationVerdict({ sends: 2500, bounces: 0, complaints: 2 }, BRAKE_DEFAULTS, 'x')).toMatch(/complaint rate 0.08 %/);
  });

  it('counts hard bounces and complaints (not soft bounces, not "not-spam"), brakes every sender, and an override starts a fresh sample', async () => {
    const store = new MemorySendingState();
    const { t, clock } = clockAt();
    await store.addCounts(T0, { sends: 300 });
    const at = new Date(T0).toISOString();
    const ev = (type: 'Bounce' | 'Complaint', extra: object) => ({ eventType: type, mail: { messageId: 'm', timestamp: at }, ...extra });
    const events = [
      ...Array.from({ length: 11 }, () => ev('Bounce', { bounce: { bounceType: 'Permanent', bouncedRecipients: [{}] } })),
      ev('Bounce', { bounce: { bounceType: 'Transient', bouncedRecipients: [{}] } }),
      ev('Complaint', { complaint: { complainedRecipients: [{}], complaintFeedbackType: 'not-spam' } }),
    ];
    const signals = reputationSignals(events, () => 'c1');
    expect(signals).toHaveLength(11);
    // The mailbox simulator's bounces and complaints (a smoke run) are left out, as SES leaves them out.
    const smoke = [
      ev('Bounce', { bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'bounce@simulator.amazonses.com' }] } }),
      ev('Complaint', { complaint: { complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }] } }),
      ev('Bounce', { bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'reader@news.example.org' }] } }),
    ];
    expect(reputationSignals(smoke, () => 'c1')).toEqual([{ kind: 'bounce', sentAt: at, campaignId: 'c1' }]);
    // A confirmation's or welcome's events (tagged transactional) are left out: its sends are not
    // counted, and anyone can sign up an address and mark the confirmation as spam (the bad input).
    const tagged = (type: 'Bounce' | 'Complaint', extra: object) => ({
      ...ev(type, extra),
      mail: { messageId: 'c', timestamp: at, tags: { 'ses:configuration-set': ['briefing'], kind: ['transactional'] } },
    });
    const signUps = [
      tagged('Complaint', { complaint: { complainedRecipients: [{ emailAddress: 'stranger@example.org' }] } }),
      tagged('Bounce', { bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'nobody@example.org' }] } }),
    ];
    expect(reputationSignals(signUps, () => undefined)).toEqual([]);
    expect(await recordReputation({ store, now: clock.now }, signals.slice(0, 11))).toBeUndefined();
    // 11 of 300 = 3.7 %: under 4 %. One more hard bounce: 12 of 300 = 4 %.
    const pause = await recordReputation({ store, now: clock.now }, [{ kind: 'bounce', sentAt: at }]);
    expect(pause).toMatchObject({ kind: 'reputation' });
    expect(pause!.reason).toMatch(/bounce rate 4 % \(12 of 300 sends, last 1000 sends\)/);
    const brake = new SendingBrake(store, clock.now, settings);
    expect(await brake.admit()).toMatchObject({ state: 'paused', pause: { kind: 'reputation' } });
    // No probe for the reputation brake, however long it waits.
    t.now += 24 * 3_600_000;
    expect((await brake.admit()).state).toBe('paused');
    // Override: only what comes after counts; 1 more bounce is far below the minimum sample.
    await store.resume(clock.now(), { at, bucketStart: T0, snapshot: { ...store.counts.get(T0)! } });
    expect(await recordReputation({ store, now: clock.now }, [{ kind: 'bounce', sentAt: at }])).toBeUndefined();
    expect(await brake.admit()).toEqual({ state: 'go' });
  });

  it("brakes on one campaign's own rate even when the account's window is healthy", async () => {
    const store = new MemorySendingState();
    const { clock } = clockAt();
    await store.addCounts(T0, { sends: 5000 });
    store.campaigns.set('bad-list', { sends: 250, bounces: 9, complaints: 0 });
    const pause = await recordReputation({ store, now: clock.now }, [
      { kind: 'bounce', sentAt: new Date(T0).toISOString(), campaignId: 'bad-list' },
    ]);
    expect(pause!.reason).toMatch(/bounce rate 4 % \(10 of 250 sends, campaign bad-list\)/);
  });

  it('a reputation brake written while a probe is under way is not closed by the probe', async () => {
    const w = world(() => sandbox());
    for (const p of ['a', 'b', 'c']) await sendBatch(w.deps, job(5, p));
    w.t.now += 60_000;
    expect(await w.brake.admit()).toEqual({ state: 'probe' });
    await w.store.open({ kind: 'reputation', reason: 'reputation brake: test', openedAt: new Date(w.t.now).toISOString(), step: 0 });
    await w.brake.accepted();
    expect(await w.brake.current()).toMatchObject({ kind: 'reputation' });
  });
});

describe('the sender handler while paused', () => {
  it('hands a paused job back as a new message delayed until the next probe, reports no failure, and counts SendingPaused', async () => {
    const store = new MemorySendingState();
    const { clock } = clockAt();
    const brake = new SendingBrake(store, clock.now, settings);
    const requeue = new MemoryQueue();
    const counted: [MetricName, number][] = [];
    let flushed = 0;
    const handler = makeSenderHandler({
      ledger: new BatchClaimingLedger(),
      mailer: new RecordingMailer(() => sandbox()),
      clock,
      campaign: () => Promise.resolve(campaign),
      sleep: () => Promise.resolve(undefined),
      concurrency: 1,
      brake,
      requeue,
      metrics: { count: (n, v) => void counted.push([n, v]), flush: () => void flushed++ },
    });
    const event = {
      Records: ['a', 'b', 'c', 'd'].map((p, i) => ({
        messageId: `m${i}`,
        receiptHandle: `h${i}`,
        body: JSON.stringify(job(50, p)),
        attributes: { ApproximateReceiveCount: '1' },
      })),
    } as unknown as SQSEvent;
    const out = await handler(event);
    expect(out.batchItemFailures).toEqual([]);
    expect(requeue.jobs.map((j) => j.recipients.length)).toEqual([50, 50, 50, 50]);
    // Below the threshold the wait is the first step; once open, until the probe (60 s here).
    expect(requeue.delays.every((d) => d === 60_000)).toBe(true);
    expect(counted).toContainEqual(['SendingPaused', 4]);
    expect(counted.find(([n]) => n === 'Failed')?.[1] ?? 0).toBe(0);
    expect(flushed).toBe(1);
  });

  it('reads its settings from the environment, naming a bad one', () => {
    expect(readBrakeSettings({ SENDING_PAUSE_TRIP_AFTER: '5', REPUTATION_BOUNCE_RATE: '0.03' })).toMatchObject({
      tripAfter: 5,
      bounceRate: 0.03,
    });
    expect(() => readBrakeSettings({ REPUTATION_COMPLAINT_RATE: '2' })).toThrow(/REPUTATION_COMPLAINT_RATE/);
    expect(() => readBrakeSettings({ SENDING_PAUSE_BACKOFF_MAX_MS: '1000000' })).toThrow(/900000/);
  });
});
