/**
 * One pacer per account on this machine (lib/local/sender-lease.ts), on DynamoDB Local: while one
 * process holds the sender lease another waits, and takes it only once the holder stops renewing
 * it (done or killed). The clock is walked by the test: each wait moves it on by what it asked.
 */
import { SenderLease } from '../../lib/local/sender-lease';
import { documentClient } from '../../lambdas/wiring';
import { createTestTables, type TestTables } from '../support/tables';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables('lease');
});
afterAll(() => tables?.drop());

describe('the local sender lease', () => {
  it('lets one process send at a time: the second waits until the first stops renewing, then takes over', async () => {
    let now = 1_000_000;
    const waits: string[] = [];
    const lease = (owner: string) =>
      new SenderLease(documentClient(), tables.names.deliveries, {
        owner,
        leaseMs: 3_000,
        now: () => now,
        sleep: (ms) => {
          now += ms;
          return Promise.resolve();
        },
        onWait: (holder) => waits.push(`${owner} waits for ${holder}`),
      });
    const a = lease('npm-start');
    const b = lease('cli-send');
    await a.hold();
    // a renews as it sends: 2 s later, with under half its lease left.
    now += 2_000;
    await a.hold();
    const renewedAt = now;
    // b asks now: a's lease runs to renewedAt + 3 s, so b waits at least that long.
    await b.hold();
    expect(now).toBeGreaterThanOrEqual(renewedAt + 3_000);
    expect(waits).toEqual(['cli-send waits for npm-start']);
    // Now a is the one that waits.
    const before = now;
    await a.hold();
    expect(now).toBeGreaterThanOrEqual(before + 3_000);
    expect(waits).toEqual(['cli-send waits for npm-start', 'npm-start waits for cli-send']);
  });

  it('a holder asking again with half its lease left makes no request (one renewal for many sends)', async () => {
    let now = 5_000_000;
    let sends = 0;
    const db = documentClient();
    const counting = { send: (...args: Parameters<typeof db.send>) => (sends++, db.send(...args)) } as unknown as typeof db;
    const a = new SenderLease(counting, tables.names.deliveries, { owner: 'solo', leaseMs: 3_000, now: () => now });
    await Promise.all([a.hold(), a.hold(), a.hold()]);
    expect(sends).toBe(1);
    now += 1_000;
    await a.hold();
    expect(sends).toBe(1);
    now += 1_000;
    await a.hold();
    expect(sends).toBe(2);
  });

  it('a clean stop gives the lease up at once: the next process need not wait for it to lapse', async () => {
    let now = 9_000_000;
    const a = new SenderLease(documentClient(), tables.names.deliveries, { owner: 'first', now: () => now });
    const waits: string[] = [];
    const b = new SenderLease(documentClient(), tables.names.deliveries, { owner: 'second', now: () => now, onWait: (h) => waits.push(h) });
    await a.hold();
    await a.release();
    await b.hold();
    expect(waits).toEqual([]);
    // Releasing a lease one no longer holds takes nothing from its new holder.
    await a.release();
    now += 1_000;
    await expect(
      new SenderLease(documentClient(), tables.names.deliveries, {
        owner: 'third',
        now: () => now,
        sleep: (ms) => {
          now += ms;
          return Promise.resolve();
        },
        onWait: (h) => waits.push(h),
      }).hold(),
    ).resolves.toBeUndefined();
    expect(waits).toEqual(['second']);
  });
});
