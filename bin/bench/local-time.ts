/**
 * Bench section `local-time`: the local-time planner's reads per run. 100,000 readers
 * (BENCH_LOCAL_TIME_READERS) spread over 24 zones (whole-hour, :30 and :45 offsets, both
 * hemispheres' daylight saving), the planner run every 15 minutes over the 48 hours around an
 * issue dated on a clock-change day. The zone index is an in-memory store that reads as
 * DynamoDB's Query does (one partition a call, 500 rows a page, a key range for the closing
 * sweep) and counts calls and rows: the point is the access pattern, not the emulator's speed.
 *
 * Targets: a run reads exactly the readers due (rows read / readers due = 1), and a run with no
 * reader due reads no reader row.
 */
import { zoneKey } from '../../lambdas/core/local-time';
import { audienceKeys } from '../../lambdas/core/keys';
import type { Article, Issue, Subscriber } from '../../lambdas/core/model';
import type { ContentStore, SendQueue } from '../../lambdas/core/ports';
import type { LocalTimePlans, LocalTimeProgress, ZoneAudience, ZoneAudienceRow } from '../../lambdas/core/local-time-ports';
import { planLocalTime } from '../../lambdas/usecases/plan-local-time';
import { fmt, verdict } from './shared';

const ZONES = [
  'Pacific/Kiritimati',
  'Pacific/Auckland',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Asia/Bangkok',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Dubai',
  'Europe/Moscow',
  'Europe/Athens',
  'Europe/Brussels',
  'Europe/London',
  'UTC',
  'Atlantic/Azores',
  'America/Sao_Paulo',
  'America/St_Johns',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'Pacific/Honolulu',
  'Pacific/Pago_Pago',
];

/** The digest-by-zone index in memory: partitions by zone key, rows in sort-key order. */
class CountingZoneIndex implements ZoneAudience {
  queries = 0;
  rows = 0;
  private readonly partitions = new Map<string, { since: string; row: ZoneAudienceRow }[]>();
  constructor(readers: Subscriber[]) {
    for (const s of readers) {
      const k = audienceKeys(s);
      if (!k.digestZone) continue;
      const p = this.partitions.get(k.digestZone) ?? [];
      p.push({ since: k.digestZoneSince!, row: { subscriberId: s.subscriberId, email: s.email } });
      this.partitions.set(k.digestZone, p);
    }
    for (const p of this.partitions.values()) p.sort((a, b) => (a.since < b.since ? -1 : 1));
  }
  zonePage(zone: string, cursor: string | undefined, limit: number, movedAfter?: string) {
    this.queries++;
    const all = (this.partitions.get(zone) ?? []).filter((r) => movedAfter === undefined || r.since > movedAfter);
    const start = cursor ? Number(cursor) : 0;
    const page = all.slice(start, start + limit);
    this.rows += page.length;
    return Promise.resolve({ rows: page.map((r) => r.row), next: start + limit < all.length ? String(start + limit) : undefined });
  }
}

async function localTimeBench(): Promise<void> {
  const total = Number(process.env.BENCH_LOCAL_TIME_READERS ?? 100_000);
  const date = process.env.BENCH_LOCAL_TIME_DATE ?? '2027-03-28';
  const readers: Subscriber[] = Array.from({ length: total }, (_, i) => ({
    subscriberId: `r${String(i).padStart(6, '0')}`,
    email: `r${i}@bench.example`,
    status: 'confirmed',
    digest: true,
    alerts: false,
    topics: [],
    timezone: ZONES[i % ZONES.length],
    source: 'cli',
    createdAt: '2027-01-01T00:00:00.000Z',
  }));
  const zones = new CountingZoneIndex(readers);
  const issue = {
    kind: 'issue',
    id: `bench-${date}`,
    date,
    newsletter: 'Bench',
    title: 'Bench',
    articleIds: ['a'],
    publishedAt: '2027-01-01T00:00:00Z',
  } as Issue;
  let plannedAt: string | undefined;
  const content: ContentStore = {
    put: () => Promise.resolve(),
    getIssue: () => Promise.resolve({ ...issue, plannedAt }),
    latestIssue: () => Promise.resolve({ ...issue, plannedAt }),
    getArticles: () => Promise.resolve([{ id: 'a' } as Article]),
    markIssuePlanned: (_id, at) => {
      plannedAt = at.toISOString();
      return Promise.resolve(true);
    },
    markArticleAlerted: () => Promise.resolve(false),
    getArchiveSnapshot: () => Promise.resolve(undefined),
    putArchiveSnapshot: () => Promise.resolve(true),
  };
  const stored = new Map<string, LocalTimeProgress>();
  const plans: LocalTimePlans = {
    get: (id) => Promise.resolve(stored.get(id)),
    advance: (id, prev, next) => Promise.resolve(stored.get(id)?.coveredTo === prev ? (stored.set(id, next), true) : false),
  };
  let queued = 0;
  const queue: SendQueue = {
    enqueue: (jobs) => {
      queued += jobs.reduce((n, j) => n + j.recipients.length, 0);
      return Promise.resolve();
    },
  };
  let now = new Date(Date.parse(`${date}T00:00:00Z`) - 24 * 3_600_000);
  const deps = {
    content,
    zones,
    plans,
    queue,
    clock: { now: () => now },
    localTime: '07:00',
    unsent: { unsentIssuesFrom: () => Promise.resolve([]) },
  };

  const runs: { at: Date; rows: number; queries: number; due: number; closing: boolean }[] = [];
  for (let i = 0; i <= 48 * 4; i++, now = new Date(now.getTime() + 15 * 60_000)) {
    const [rows0, queries0, queued0] = [zones.rows, zones.queries, queued];
    const r = await planLocalTime(deps);
    runs.push({
      at: now,
      rows: zones.rows - rows0,
      queries: zones.queries - queries0,
      due: queued - queued0,
      closing: r.status === 'planned' && r.complete,
    });
  }
  const withDue = runs.filter((r) => r.due > 0);
  const withoutDue = runs.filter((r) => r.due === 0);
  const closing = runs.find((r) => r.closing);
  const stat = (xs: number[]) => ({ max: Math.max(0, ...xs), mean: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0 });
  const rows = stat(withDue.map((r) => r.rows));
  const calls = stat(withDue.map((r) => r.queries));
  const due = stat(withDue.map((r) => r.due));
  const ratio =
    withDue.reduce((n, r) => n + r.rows, 0) /
    Math.max(
      1,
      withDue.reduce((n, r) => n + r.due, 0),
    );
  const idleRows = withoutDue.reduce((n, r) => n + r.rows, 0);
  const zonesUsed = new Set(readers.map((s) => zoneKey(s.timezone))).size;

  console.log(
    `\n== local-time: planner reads per run (${fmt(total)} readers in ${zonesUsed} zones, issue ${date}, a run every 15 min for 48 h) ==`,
  );
  console.log(
    `runs ${runs.length}: ${withDue.length} with readers due, ${withoutDue.length} without; readers queued ${fmt(queued)} (each once: ${queued === total ? 'yes' : 'NO'})`,
  );
  console.log('                       max      mean');
  console.log(`readers due / run  ${fmt(due.max).padStart(8)}  ${fmt(due.mean, 1).padStart(8)}`);
  console.log(`rows read / run    ${fmt(rows.max).padStart(8)}  ${fmt(rows.mean, 1).padStart(8)}`);
  console.log(
    `Query calls / run  ${fmt(calls.max).padStart(8)}  ${fmt(calls.mean, 1).padStart(8)}   (one per zone due, 445 candidate zones, most empty; a page per 500 rows)`,
  );
  console.log(`rows read / readers due: ${fmt(ratio, 3)}   ${verdict(Math.abs(ratio - 1) < 1e-9)}`);
  console.log(
    `runs without readers due: ${fmt(idleRows)} rows read, ${fmt(stat(withoutDue.map((r) => r.queries)).max)} Query calls at most   ${verdict(idleRows === 0)}`,
  );
  if (closing)
    console.log(
      `closing sweep (${closing.at.toISOString()}): ${fmt(closing.queries)} Query calls, ${fmt(closing.rows)} rows (readers who moved zone after its hour only)`,
    );
  console.log(
    `a schedule-mode plan reads the whole audience once: ${fmt(total)} rows; local time reads the same ${fmt(withDue.reduce((n, r) => n + r.rows, 0))} rows spread over ${withDue.length} runs`,
  );
}

export const LOCAL_TIME_SECTIONS: Record<string, () => Promise<void>> = { 'local-time': localTimeBench };
