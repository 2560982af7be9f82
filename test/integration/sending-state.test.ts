/**
 * The account-wide pause's store on DynamoDB Local: its conditional writes are what make the
 * breaker account-wide. Two sender processes (two SendingBrake instances on one table) tripping
 * at once open one pause; only one of them takes the probe; only the probe's holder closes or
 * re-opens it; a reputation brake replaces an account pause and no probe ends it; the buckets
 * and a campaign's counts add up.
 */
import type { DynamoSendingState } from '../../lambdas/adapters/dynamodb/sending-state';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { BRAKE_DEFAULTS, type SendingPause } from '../../lambdas/core/sending-state';
import { SendingBrake } from '../../lambdas/core/sending-brake';
import { createTestTables, type TestTables } from '../support/tables';

let tables: TestTables;
let store: DynamoSendingState;
beforeAll(async () => {
  tables = await createTestTables('brake');
  store = dynamoPorts(documentClient(), tables.names).sendingState;
});
afterAll(() => tables?.drop());
afterEach(() => store.resume(new Date()));

const T0 = Date.parse('2026-11-30T09:00:00Z');
const account = (over: Partial<SendingPause> = {}): SendingPause => ({
  kind: 'account',
  code: 'AccountSendingPausedException',
  reason: 'SES refused sending for the account',
  openedAt: new Date(T0).toISOString(),
  retryAt: new Date(T0 + 60_000).toISOString(),
  step: 0,
  ...over,
});

describe('the sending state on DynamoDB', () => {
  it('opens one pause when two senders trip at once', async () => {
    const results = await Promise.all([store.open(account({ reason: 'first' })), store.open(account({ reason: 'second' }))]);
    expect(results.sort()).toEqual([false, true]);
    expect((await store.get()).pause).toMatchObject({ kind: 'account', step: 0 });
  });

  it('gives the probe to one sender only, and only when it is due; a dead holder’s probe is taken after its lease', async () => {
    await store.open(account());
    expect(await store.takeProbe('early', new Date(T0 + 59_000), new Date(T0 + 119_000))).toBe(false);
    const due = new Date(T0 + 60_000);
    const taken = await Promise.all(['a', 'b', 'c'].map((by) => store.takeProbe(by, due, new Date(T0 + 120_000))));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await store.takeProbe('late', new Date(T0 + 119_000), new Date(T0 + 180_000))).toBe(false);
    expect(await store.takeProbe('late', new Date(T0 + 121_000), new Date(T0 + 181_000))).toBe(true);
  });

  it('lets only the probe’s holder re-open (next step) or close the pause', async () => {
    await store.open(account());
    await store.takeProbe('holder', new Date(T0 + 60_000), new Date(T0 + 120_000));
    await store.closeByProbe('someone-else');
    expect((await store.get()).pause).toBeDefined();
    await store.reopen('holder', account({ step: 1, retryAt: new Date(T0 + 180_000).toISOString() }));
    expect((await store.get()).pause).toMatchObject({ step: 1, retryAt: new Date(T0 + 180_000).toISOString() });
    expect((await store.get()).pause?.probeBy).toBeUndefined();
    await store.takeProbe('holder2', new Date(T0 + 180_000), new Date(T0 + 240_000));
    await store.closeByProbe('holder2');
    expect((await store.get()).pause).toBeUndefined();
  });

  it('two SendingBrake instances (two sender processes): both see the pause one of them opened; one probe between them', async () => {
    const now = { t: T0 };
    const settings = { ...BRAKE_DEFAULTS, cacheMs: 0, tripAfter: 1 };
    const a = new SendingBrake(store, () => new Date(now.t), settings);
    const b = new SendingBrake(store, () => new Date(now.t), settings);
    await a.refused({ kind: 'account', code: 'AccountSendingPausedException', message: 'Sending is paused for this account.' });
    expect(await b.admit()).toMatchObject({ state: 'paused', pause: { kind: 'account' } });
    now.t += settings.backoffBaseMs;
    const admitted = await Promise.all([a.admit(), b.admit()]);
    expect(admitted.map((x) => x.state).sort()).toEqual(['paused', 'probe']);
    const prober = admitted[0].state === 'probe' ? a : b;
    await prober.accepted();
    expect(await a.admit()).toEqual({ state: 'go' });
    expect(await b.admit()).toEqual({ state: 'go' });
  });

  it('lets a reputation brake replace an account pause, and no probe end it', async () => {
    await store.open(account());
    await store.takeProbe('holder', new Date(T0 + 60_000), new Date(T0 + 120_000));
    expect(await store.open({ kind: 'reputation', reason: 'reputation brake', openedAt: new Date(T0).toISOString(), step: 0 })).toBe(true);
    await store.closeByProbe('holder');
    expect((await store.get()).pause).toMatchObject({ kind: 'reputation' });
    expect(await store.takeProbe('x', new Date(T0 + 10 * 3_600_000), new Date(T0 + 11 * 3_600_000))).toBe(false);
  });

  it('adds sends, bounces and complaints per hour bucket, and a campaign’s bounces beside its counters', async () => {
    await Promise.all([
      store.addCounts(T0, { sends: 50 }),
      store.addCounts(T0, { sends: 30, bounces: 2 }),
      store.addCounts(T0 - 3_600_000, { complaints: 1 }),
    ]);
    const buckets = await store.buckets(T0 - 2 * 3_600_000, T0 + 1);
    expect(buckets.sort((x, y) => x.start - y.start)).toEqual([
      { start: T0 - 3_600_000, sends: 0, bounces: 0, complaints: 1 },
      { start: T0, sends: 80, bounces: 2, complaints: 0 },
    ]);
    await store.addCampaign('issue-9', { bounced: 3 });
    expect(await store.campaignCounts('issue-9')).toEqual({ sends: 0, bounces: 3, complaints: 0 });
  });
});
