/**
 * Local-time delivery on a fake clock: the planner runs every 15 minutes over 48 hours, its
 * jobs go through the real sendBatch with the in-memory ledger, and each reader must get one
 * copy in the first 15 minutes after 07:00 on their own clock.
 */
import { expect } from '@jest/globals';
import type { Article, Issue, SendJob, Subscriber } from '../../lambdas/core/model';
import { zoneKey } from '../../lambdas/core/local-time';
import { planLocalTime, type LocalTimePlanResult } from '../../lambdas/usecases/plan-local-time';
import { sendBatch, type PreparedCampaign } from '../../lambdas/usecases/send-batch';
import { MemoryContent, MemoryLedger, MemoryQueue, MemorySubscribers, RecordingMailer } from './fakes';
import { MemoryLocalTimePlans, MemoryZoneAudience } from './fakes-local-time';

const ZONES = [
  'Pacific/Auckland',
  'Asia/Tokyo',
  'Asia/Kathmandu',
  'Europe/Brussels',
  'America/St_Johns',
  'America/New_York',
  'Pacific/Kiritimati',
];
const STEP = 15 * 60_000;

const reader = (id: string, timezone: string): Subscriber => ({
  subscriberId: id,
  email: `${id}@example.com`,
  status: 'confirmed',
  digest: true,
  alerts: false,
  topics: [],
  timezone,
  source: 'cli',
  createdAt: '2027-01-01T00:00:00.000Z',
});

/** The wall clock of `zone` at `at`: `YYYY-MM-DD HH:MM`, read with Intl alone (independent of the planner's math). */
const wall = (at: Date, zone: string) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
};

function world(date: string, extra: Subscriber[] = []) {
  let now = new Date(0);
  const clock = { now: () => now };
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  for (const s of [...ZONES.map((z, i) => reader(`r${i}`, z)), ...extra]) subscribers.byEmail.set(s.email, s);
  const zones = new MemoryZoneAudience(subscribers);
  const plans = new MemoryLocalTimePlans();
  const queue = new MemoryQueue();
  const ledger = new MemoryLedger();
  const mailer = new RecordingMailer();
  const issue: Issue = {
    kind: 'issue',
    id: `issue-${date}`,
    date,
    newsletter: 'Brief',
    title: 'T',
    articleIds: ['a1'],
    publishedAt: '2027-01-01T00:00:00Z',
  } as Issue;
  void content.put({
    kind: 'article',
    id: 'a1',
    title: 'A',
    date,
    summary: 's',
    url: 'https://example.com/a',
    topics: [],
    priority: 'normal',
  } as unknown as Article);
  void content.put(issue);
  const campaign: PreparedCampaign = {
    campaignId: issue.id,
    from: 'news@example.com',
    compose: (r) => Buffer.from(`To: ${r.email}\r\n\r\nhi`),
  };
  /** Instant of the run whose jobs carried each message, by address (every copy, so duplicates show). */
  const received = new Map<string, Date[]>();
  const runs: { at: Date; result: LocalTimePlanResult; rowsRead: number; queries: number }[] = [];

  const run = async (at: Date) => {
    now = at;
    zones.reset();
    const result = await planLocalTime({ content, zones, plans, queue, clock, localTime: '07:00', ledger, unsent: content });
    runs.push({ at, result, rowsRead: zones.rowsRead, queries: zones.queries });
    const jobs: SendJob[] = queue.jobs.splice(0);
    for (const job of jobs) {
      const before = mailer.sent.length;
      await sendBatch(
        { ledger, mailer, clock, campaign: () => Promise.resolve(campaign), sleep: () => Promise.resolve(undefined), random: () => 0.5 },
        job,
      );
      for (const m of mailer.sent.slice(before)) received.set(m.to, [...(received.get(m.to) ?? []), at]);
    }
    return result;
  };
  const walk = async (start: string, hours: number, each?: (at: Date) => void | Promise<void>) => {
    for (let t = Date.parse(start); t <= Date.parse(start) + hours * 3_600_000; t += STEP) {
      await each?.(new Date(t));
      await run(new Date(t));
    }
  };
  return {
    content,
    subscribers,
    zones,
    plans,
    queue,
    ledger,
    mailer,
    issue,
    received,
    runs,
    run,
    walk,
    move: (id: string, tz: string, at: Date) =>
      Object.assign(subscribers.byEmail.get(`${id}@example.com`)!, { timezone: tz, zoneChangedAt: at.toISOString() }),
  };
}

describe('planLocalTime over 48 hours in 15-minute steps', () => {
  // 2027-03-28: Brussels springs forward that night; 2027-10-31: Brussels falls back;
  // 2027-04-04: Auckland falls back (southern autumn).
  it.each([['2027-03-28'], ['2027-10-31'], ['2027-04-04']])(
    'gives each reader one copy within 15 minutes after 07:00 on their own clock (issue of %s, a clock change)',
    async (date) => {
      const w = world(date);
      const start = new Date(Date.parse(`${date}T00:00:00Z`) - 24 * 3_600_000).toISOString();
      await w.walk(start, 48);
      ZONES.forEach((zone, i) => {
        const copies = w.received.get(`r${i}@example.com`) ?? [];
        expect({ zone, copies: copies.length }).toEqual({ zone, copies: 1 });
        const local = wall(copies[0], zone);
        expect({ zone, day: local.slice(0, 10) }).toEqual({ zone, day: date });
        // Queued by the run in [07:00, 07:15) local: 07:00, 07:05 .. 07:14.
        expect({ zone, hour: local.slice(11) >= '07:00' && local.slice(11) < '07:15' }).toEqual({ zone, hour: true });
      });
      // Planning finished once the last zone's hour passed, with the audience size.
      expect(w.content.items.get(`issue#${w.issue.id}`)).toMatchObject({ plannedAt: expect.any(String) });
      expect(await w.plans.get(w.issue.id)).toMatchObject({ queued: ZONES.length, sweptAt: expect.any(String) });
    },
  );

  it('gives the Brussels reader the 2027-03-28 issue at 05:00Z, 07:00 CEST, the morning the clocks go forward', async () => {
    const w = world('2027-03-28');
    await w.walk('2027-03-27T12:00:00Z', 48);
    expect(w.received.get(`r${ZONES.indexOf('Europe/Brussels')}@example.com`)?.map((d) => d.toISOString())).toEqual([
      '2027-03-28T05:00:00.000Z',
    ]);
    expect(w.received.get(`r${ZONES.indexOf('Asia/Kathmandu')}@example.com`)?.map((d) => d.toISOString())).toEqual([
      '2027-03-28T01:15:00.000Z',
    ]);
    expect(w.received.get(`r${ZONES.indexOf('America/St_Johns')}@example.com`)?.map((d) => d.toISOString())).toEqual([
      '2027-03-28T09:30:00.000Z',
    ]);
  });

  it('reads per run only the readers of the zones due: none in a run with no reader due, however big the audience', async () => {
    // 300 more readers in Brussels: the runs for the other zones must not read them.
    const crowd = Array.from({ length: 300 }, (_, i) => reader(`b${i}`, 'Europe/Brussels'));
    const w = world('2027-03-28', crowd);
    await w.walk('2027-03-27T12:00:00Z', 48);
    const byZoneCount = (zone: string) => [...w.subscribers.byEmail.values()].filter((s) => zoneKey(s.timezone) === zone).length;
    for (const r of w.runs) {
      if (r.result.status !== 'planned' || r.result.complete) {
        expect({ at: r.at, rowsRead: r.rowsRead }).toEqual({ at: r.at, rowsRead: 0 });
        continue;
      }
      // Rows read = the readers in the zones this run covered, nobody else.
      const due = r.result.zones.reduce((n, z) => n + byZoneCount(z.zone), 0);
      expect({ at: r.at, rowsRead: r.rowsRead }).toEqual({ at: r.at, rowsRead: due });
    }
    // Before the window opens the planner does not even query.
    expect(w.runs.filter((r) => r.at < new Date('2027-03-27T17:00:00Z')).every((r) => r.queries === 0)).toBe(true);
    // The closing sweep reads only readers who moved zone (none here).
    expect(w.runs.find((r) => r.result.status === 'planned' && r.result.complete)?.rowsRead).toBe(0);
    expect(w.received.size).toBe(ZONES.length + crowd.length);
    expect([...w.received.values()].every((c) => c.length === 1)).toBe(true);
  });

  it('gives one copy to readers who move zone mid-issue: to a zone whose hour is ahead, and to one whose hour has passed', async () => {
    const w = world('2027-03-28', [
      reader('mover-late', 'America/New_York'),
      reader('mover-served', 'Pacific/Kiritimati'),
      reader('mover-early', 'Asia/Tokyo'),
    ]);
    await w.walk('2027-03-27T12:00:00Z', 48, (at) => {
      // 20:00Z: Tokyo (22:00Z) still ahead; the Tokyo reader moves to Brussels (05:00Z).
      if (at.toISOString() === '2027-03-27T20:00:00.000Z') w.move('mover-early', 'Europe/Brussels', at);
      // 03:00Z: Tokyo's hour has passed and New York's (11:00Z) has not.
      if (at.toISOString() === '2027-03-28T03:00:00.000Z') {
        w.move('mover-late', 'Asia/Tokyo', at); // into a zone already served: neither query has them
        w.move('mover-served', 'America/New_York', at); // already served at 17:00Z, New York is ahead
      }
    });
    const got = (id: string) => w.received.get(`${id}@example.com`)?.map((d) => d.toISOString());
    expect(got('mover-early')).toEqual(['2027-03-28T05:00:00.000Z']);
    expect(got('mover-served')).toEqual(['2027-03-27T17:00:00.000Z']);
    // Caught by the closing sweep, when the last zone's hour (UTC-12) has passed.
    expect(got('mover-late')).toEqual(['2027-03-28T19:00:00.000Z']);
    // Each reader queued once: the planner looked the served mover up before queueing again.
    expect(await w.plans.get(w.issue.id)).toMatchObject({ queued: ZONES.length + 3, swept: 1 });
  });

  it("puts the archive page up with the first zone's mail, which links it, not a day later when the last zone is done (mistake: View in browser answered 404 meanwhile)", async () => {
    const w = world('2027-03-28');
    const start = new Date(Date.parse('2027-03-28T00:00:00Z') - 24 * 3_600_000).toISOString();
    let firstQueuedAt: Date | undefined;
    await w.walk(start, 48, async (at) => {
      if (!firstQueuedAt && w.received.size > 0) {
        firstQueuedAt = at;
        expect(await w.content.getArchiveSnapshot(w.issue.id)).toBeDefined();
        expect(w.content.items.get(`issue#${w.issue.id}`)).not.toHaveProperty('plannedAt');
      }
    });
    expect(firstQueuedAt).toBeDefined();
  });

  it('catches up after missed runs: a planner down for 10 hours queues every zone that fell due meanwhile, once', async () => {
    const w = world('2027-03-28');
    // Runs only at 12:00Z on the 27th, then at 04:00Z and 23:00Z on the 28th.
    for (const at of ['2027-03-27T12:00:00Z', '2027-03-28T04:00:00Z', '2027-03-28T23:00:00Z']) await w.run(new Date(at));
    const got = (zone: string) => w.received.get(`r${ZONES.indexOf(zone)}@example.com`)?.map((d) => d.toISOString());
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Auckland', 'Asia/Tokyo', 'Asia/Kathmandu'])
      expect(got(zone)).toEqual(['2027-03-28T04:00:00.000Z']);
    for (const zone of ['Europe/Brussels', 'America/St_Johns', 'America/New_York']) expect(got(zone)).toEqual(['2027-03-28T23:00:00.000Z']);
    expect(w.content.items.get(`issue#${w.issue.id}`)).toMatchObject({ plannedAt: '2027-03-28T23:00:00.000Z' });
  });

  it('sends no second copy when a run is retried after queueing but before recording its progress', async () => {
    const w = world('2027-03-28');
    await w.run(new Date('2027-03-27T22:00:00Z'));
    // The run's progress write is lost (a crash): the stored plan goes back to before it.
    w.plans.plans.delete(w.issue.id);
    await w.run(new Date('2027-03-27T22:00:00Z'));
    await w.walk('2027-03-27T22:15:00Z', 24);
    expect([...w.received.values()].map((c) => c.length)).toEqual(Array(ZONES.length).fill(1));
    // The retry's second copies were skipped by the ledger, not sent.
    expect(w.mailer.sent).toHaveLength(ZONES.length);
  });

  it('a newer-dated issue published while the current one is going out cuts off no zone: the current issue reaches every zone and is marked sent', async () => {
    const west = [reader('la', 'America/Los_Angeles'), reader('honolulu', 'Pacific/Honolulu')];
    const w = world('2027-03-28', west);
    const next = { ...w.issue, id: 'issue-2027-04-04', date: '2027-04-04' };
    await w.walk('2027-03-27T12:00:00Z', 36, async (at) => {
      // 12:00Z on the 28th: Europe is served, Los Angeles (14:00Z) and Honolulu (17:00Z) are not.
      if (at.toISOString() === '2027-03-28T12:00:00.000Z') await w.content.put(next);
    });
    const sentOf = (campaignId: string) =>
      [...w.ledger.rows.values()]
        .filter((d) => d.campaignId === campaignId && d.status === 'sent')
        .map((d) => d.subscriberId)
        .sort();
    expect(sentOf(w.issue.id)).toEqual([...ZONES.map((_, i) => `r${i}`), 'honolulu', 'la'].sort());
    expect(w.content.items.get(`issue#${w.issue.id}`)).toMatchObject({ plannedAt: expect.any(String) });
    expect(sentOf(next.id)).toEqual([]);
    // The runs after the newer issue came report the current one as served alongside.
    expect(w.runs.some((r) => r.result.earlier?.some((e) => e.issueId === w.issue.id && e.status === 'planned' && e.complete))).toBe(true);
  });

  it('idles before the issue window opens, and skips an issue already planned', async () => {
    const w = world('2027-03-28');
    expect(await w.run(new Date('2027-03-27T16:45:00Z'))).toEqual({ status: 'idle', issueId: w.issue.id, reason: 'not-yet' });
    await w.content.markIssuePlanned(w.issue.id, new Date('2027-03-27T00:00:00Z'));
    expect(await w.run(new Date('2027-03-27T18:00:00Z'))).toMatchObject({ status: 'skipped', reason: 'already-sent' });
    expect(w.mailer.sent).toHaveLength(0);
  });
});
