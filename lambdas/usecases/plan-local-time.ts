/**
 * Plan a digest in local-time mode: every reader gets the latest issue on its date at
 * `localTime` on their own clock. Run every 15 minutes; each run covers the instants since the
 * previous run's end (stored with the campaign, so a missed or late run catches up), finds the
 * zones due in that range (core/local-time.ts) and queues only their readers, read from the
 * digest-by-zone index one zone partition at a time. A run with no zone due reads no reader.
 *
 * Exactly one copy per reader: the ledger claims per (issue, reader), so a retried run, or a
 * reader queued again after moving zone, is skipped by the sender. The plan still avoids the
 * second queueing where it cheaply can (readers who moved during the issue are looked up in
 * the ledger first) so `planned` stays the number of readers, and the campaign can complete.
 *
 * Once the last zone's hour has passed, a closing sweep asks every zone for readers who moved
 * into it after its hour (a key range, so it reads only them): they missed both their old
 * zone and their new one. Then the issue is marked planned and its counters finished.
 *
 * A plain run serves every issue whose window is open and that is not finished, oldest first,
 * not only the newest: an issue published with a later date while the current one is still
 * going out (its window lasts about 26 hours) must not cut off the zones not yet served.
 */
import { dueZones, issueWindow, zoneSchedule, type ZoneDue } from '../core/local-time';
import type { CampaignCounters, Clock, ContentStore, Ledger, SendQueue, UnsentIssues } from '../core/ports';
import type { LocalTimePlans, LocalTimeProgress, ZoneAudience, ZoneAudienceRow } from '../core/local-time-ports';
import type { Issue } from '../core/model';
import { digestJobs } from './digest-jobs';
import { keepArchiveSnapshot } from './archive-snapshot';

export interface LocalTimePlanDeps {
  content: ContentStore;
  zones: ZoneAudience;
  plans: LocalTimePlans;
  queue: SendQueue;
  clock: Clock;
  /** `HH:MM`: the readers' local hour. */
  localTime: string;
  counters?: CampaignCounters;
  /** Looked up for readers who moved zone during the issue only. @default - no look-up (the sender's claim still skips them) */
  ledger?: Pick<Ledger, 'get'>;
  /** Where a plain run finds the issues still going out besides the newest. */
  unsent: UnsentIssues;
}

export interface LocalTimePlanInput {
  issueId?: string;
}

/** What one zone got in one run. */
export interface ZoneRun {
  zone: string;
  dueAt: string;
  queued: number;
}

export type LocalTimeIssueResult =
  | {
      status: 'planned';
      issueId: string;
      from?: string;
      to: string;
      zones: ZoneRun[];
      recipients: number;
      batches: number;
      complete: boolean;
    }
  | { status: 'idle'; issueId: string; reason: 'not-yet' | 'nothing-due' }
  | { status: 'skipped'; issueId?: string; reason: 'no-issue' | 'already-sent' | 'no-articles' | 'lost-race' };

/** The newest issue's result; `earlier`: older issues still going out that the same run served. */
export type LocalTimePlanResult = LocalTimeIssueResult & { earlier?: LocalTimeIssueResult[] };

/** Index rows read per Query page. */
const PAGE_SIZE = 500;
/** How far back a plain run looks for an issue still going out: a window lasts about 26 hours. */
const OPEN_LOOKBACK_MS = 2 * 86_400_000;

export async function planLocalTime(deps: LocalTimePlanDeps, input: LocalTimePlanInput = {}): Promise<LocalTimePlanResult> {
  if (input.issueId) return planIssue(deps, await deps.content.getIssue(input.issueId), input.issueId);
  const now = deps.clock.now();
  const latest = await deps.content.latestIssue();
  const since = new Date(now.getTime() - OPEN_LOOKBACK_MS).toISOString().slice(0, 10);
  // Older issues whose window has opened and that are not finished: served first, each to the end.
  const older = (await deps.unsent.unsentIssuesFrom(since)).filter(
    (i) => i.id !== latest?.id && issueWindow(i.date, deps.localTime).opens <= now,
  );
  const earlier: LocalTimeIssueResult[] = [];
  for (const issue of older) earlier.push(await planIssue(deps, issue, issue.id));
  const result = await planIssue(deps, latest, undefined);
  return earlier.length ? { ...result, earlier } : result;
}

async function planIssue(deps: LocalTimePlanDeps, issue: Issue | undefined, issueId: string | undefined): Promise<LocalTimeIssueResult> {
  if (!issue) return { status: 'skipped', issueId, reason: 'no-issue' };
  if (issue.plannedAt) return { status: 'skipped', issueId: issue.id, reason: 'already-sent' };
  const now = deps.clock.now();
  const window = issueWindow(issue.date, deps.localTime);
  if (now < window.opens) return { status: 'idle', issueId: issue.id, reason: 'not-yet' };

  const state = await deps.plans.get(issue.id);
  const from = state?.coveredTo ? new Date(state.coveredTo) : undefined;
  const closing = now >= window.closes && !state?.sweptAt;
  const due = dueZones(issue.date, deps.localTime, from, now);
  if (due.length === 0 && !closing) {
    // Swept but not finished (a crash after the last write): finish now.
    if (state?.sweptAt) return finish(deps, issue, state, [], 0, 0);
    return { status: 'idle', issueId: issue.id, reason: 'nothing-due' };
  }
  const articles = await deps.content.getArticles(issue.articleIds);
  if (articles.length === 0) return { status: 'skipped', issueId: issue.id, reason: 'no-articles' };
  if (!state) await deps.counters?.startPlanning(issue.id, now);
  // The archive page goes up with the first zone's mail, which links it; finish() writes it again
  // for an issue begun before this (a no-op when it is there).
  if (!state) await keepArchiveSnapshot(deps.content, issue, articles, now);

  const movedSince = window.opens.toISOString();
  const queuedNow = new Set<string>();
  const jobs = digestJobs(deps, issue.id);
  // A reader who changed zone during this issue may have been queued in their old zone already.
  const take = async (row: ZoneAudienceRow): Promise<boolean> => {
    if (queuedNow.has(row.subscriberId)) return false;
    if (row.zoneChangedAt && row.zoneChangedAt > movedSince && (await deps.ledger?.get(issue.id, row.subscriberId))) return false;
    queuedNow.add(row.subscriberId);
    await jobs.add({ subscriberId: row.subscriberId, email: row.email });
    return true;
  };
  const readZone = async (z: ZoneDue, movedAfter?: string): Promise<number> => {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await deps.zones.zonePage(z.zone, cursor, PAGE_SIZE, movedAfter);
      for (const row of page.rows) if (await take(row)) n++;
      cursor = page.next;
    } while (cursor);
    return n;
  };

  const runs: ZoneRun[] = [];
  const zones = { ...(state?.zones ?? {}) };
  for (const z of due) {
    const n = await readZone(z);
    zones[z.zone] = (zones[z.zone] ?? 0) + n;
    runs.push({ zone: z.zone, dueAt: z.dueAt.toISOString(), queued: n });
  }
  let swept = 0;
  if (closing) {
    // Every zone's hour has passed. Readers who moved into a zone after its hour were in
    // neither query: the sort key starts with the move's time, so each zone is one short range.
    for (const z of zoneSchedule(issue.date, deps.localTime)) swept += await readZone(z, z.dueAt.toISOString());
  }
  await jobs.flush();

  const next: LocalTimeProgress = {
    date: issue.date,
    localTime: deps.localTime,
    coveredTo: (closing ? new Date(Math.max(now.getTime(), window.closes.getTime())) : now).toISOString(),
    zones,
    queued: (state?.queued ?? 0) + queuedNow.size,
    ...(closing ? { sweptAt: now.toISOString(), swept } : {}),
  };
  if (!(await deps.plans.advance(issue.id, state?.coveredTo, next, now)))
    return { status: 'skipped', issueId: issue.id, reason: 'lost-race' };
  if (closing) return finish(deps, issue, next, runs, queuedNow.size, jobs.batches, from);
  return {
    status: 'planned',
    issueId: issue.id,
    from: from?.toISOString(),
    to: next.coveredTo,
    zones: runs,
    recipients: queuedNow.size,
    batches: jobs.batches,
    complete: false,
  };
}

async function finish(
  deps: LocalTimePlanDeps,
  issue: Issue,
  state: LocalTimeProgress,
  zones: ZoneRun[],
  recipients: number,
  batches: number,
  from?: Date,
): Promise<LocalTimeIssueResult> {
  const now = deps.clock.now();
  const issueId = issue.id;
  await deps.counters?.finishPlanning(issueId, state.queued, now);
  // The archive keeps the articles as sent (never fails the send; a retry keeps the first).
  await keepArchiveSnapshot(deps.content, issue, () => deps.content.getArticles(issue.articleIds), now);
  // Marked last: a crash before it lets the next run finish again (all three writes are idempotent).
  await deps.content.markIssuePlanned(issueId, now);
  return { status: 'planned', issueId, from: from?.toISOString(), to: state.coveredTo, zones, recipients, batches, complete: true };
}
