/**
 * Plan a digest: find the issue, check it is sendable, page the audience and queue it in
 * batches. Never sends; the sender and the ledger decide delivery.
 *
 * Memory stays flat in the audience size: recipients are read a page at a time from the sparse
 * audience index (a paged Query, never a Scan) and flushed to the queue as soon as a few
 * batches are full.
 */
import { AUDIENCE_SHARDS } from '../core/model';
import type { CampaignCounters, Clock, ContentStore, IssueScheduler, PlanContinuation, SendQueue, SubscriberStore } from '../core/ports';
import type { SubjectTests } from '../core/click-ports';
import { isComplete } from '../core/campaign-status';
import { restDueAt, testGroup, type Variant } from '../core/subject-test';
import { subjectTestWinner, type TestOutcomeSources } from './subject-test';
import { digestJobs } from './digest-jobs';
import { keepArchiveSnapshot } from './archive-snapshot';

export interface PlanDeps {
  content: ContentStore;
  subscribers: SubscriberStore;
  queue: SendQueue;
  clock: Clock;
  /** Campaign progress: state and the queued count. */
  counters?: CampaignCounters;
  /** Takes the rest of the audience when this invocation runs low on time. */
  continuation?: PlanContinuation;
  /** Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis). */
  timeLeftMs?: () => number;
  /** Hand over to a continuation when less than this is left. @default 60000 */
  reserveMs?: number;
  /**
   * Where an issue's subject test keeps its progress, and where its outcome is read. Without
   * it, an issue with a subject test is sent to everyone with its first subject.
   */
  subjectTests?: SubjectTests & TestOutcomeSources;
  /**
   * Makes the one-time schedule that invokes the planner for the rest of a subject test once
   * its wait is over (on AWS; locally `npm start`'s minute check finds it). @default - none:
   * the rest goes when the planner is next run for the issue after the wait
   */
  schedules?: IssueScheduler;
}

/** Where a continued plan picks up: a shard, a cursor in it, and how many were queued before. */
export interface PlanFrom {
  shard: number;
  cursor?: string;
  queued?: number;
}

export interface PlanInput {
  issueId?: string;
  /**
   * Plan an issue again although it was planned, if its campaign is not finished: after a crash
   * lost the queued jobs (the local mode's queue lives in memory). The ledger turns everyone
   * already served into a skip.
   */
  resume?: boolean;
  /** Continue a plan an earlier invocation handed over. */
  from?: PlanFrom;
}

export type PlanResult =
  | { status: 'queued'; issueId: string; recipients: number; batches: number }
  | { status: 'continued'; issueId: string; recipients: number; batches: number; from: PlanFrom }
  /** A subject test's share is queued; the rest goes at `restDueAt`, when the planner runs for the issue again. */
  | { status: 'testing'; issueId: string; recipients: number; batches: number; restDueAt: string }
  | { status: 'skipped'; issueId?: string; reason: 'no-issue' | 'already-sent' | 'no-articles' | 'scheduled' }
  | { status: 'skipped'; issueId: string; reason: 'test-running'; restDueAt: string };

/**
 * Who of the audience this run queues, and with which subject: the whole audience (no subject
 * test), the test's two halves, or the rest with the winning subject.
 */
type Selection = { phase: 'all' } | { phase: 'test'; sharePercent: number } | { phase: 'rest'; sharePercent: number; winner: Variant };

/** Audience rows read per Query page. */
const PAGE_SIZE = 500;

/**
 * The subject `r` gets in this run: '' (the issue's own), a test variant, or null (not in
 * this run: outside the test's share in the test run, inside it in the rest's run).
 */
function subjectFor(selection: Selection, issueId: string, subscriberId: string): Variant | '' | null {
  if (selection.phase === 'all') return '';
  const group = testGroup(issueId, subscriberId, selection.sharePercent);
  if (selection.phase === 'test') return group ?? null;
  return group ? null : selection.winner;
}

export async function planDigest(deps: PlanDeps, input: PlanInput = {}): Promise<PlanResult> {
  const issue = input.issueId ? await deps.content.getIssue(input.issueId) : await deps.content.latestIssue();
  if (!issue) return { status: 'skipped', issueId: input.issueId, reason: 'no-issue' };
  const continuing = input.from !== undefined;
  // The weekly run (no issue named) leaves an issue with `sendAt` to its own schedule
  // (plan-scheduled.ts). It looks at the latest issue only, as it always has: an older unsent
  // issue is not sent in its place (name it to send it: `send-digest --issue <id>`).
  if (!input.issueId && issue.sendAt && !issue.plannedAt && !continuing)
    return { status: 'skipped', issueId: issue.id, reason: 'scheduled' };
  if (issue.plannedAt && !continuing) {
    const progress = input.resume ? await deps.counters?.get(issue.id) : undefined;
    if (!progress || isComplete(progress)) return { status: 'skipped', issueId: issue.id, reason: 'already-sent' };
  }
  const articles = await deps.content.getArticles(issue.articleIds);
  if (articles.length === 0) return { status: 'skipped', issueId: issue.id, reason: 'no-articles' };

  // A subject test: the first run queues the test's share, a run after the wait the rest.
  let selection: Selection = { phase: 'all' };
  let testRecipients = 0;
  if (issue.subjectTest && deps.subjectTests) {
    const test = issue.subjectTest;
    const state = await deps.subjectTests.get(issue.id);
    if (!state?.testQueuedAt) selection = { phase: 'test', sharePercent: test.sharePercent };
    else {
      testRecipients = state.testRecipients ?? 0;
      const due = restDueAt(test, new Date(state.testQueuedAt));
      if (deps.clock.now() < due && !continuing)
        return { status: 'skipped', issueId: issue.id, reason: 'test-running', restDueAt: due.toISOString() };
      const winner = await subjectTestWinner(deps.subjectTests, issue.id, test, deps.clock.now());
      selection = { phase: 'rest', sharePercent: test.sharePercent, winner };
    }
  }
  if (!continuing && selection.phase !== 'rest') await deps.counters?.startPlanning(issue.id, deps.clock.now());
  // The archive page goes up with the first message queued: every mail links it ("View in
  // browser"), including a subject test's share hours before the rest. A retried or later run
  // keeps this first snapshot (a no-op write).
  if (!continuing && !issue.plannedAt) await keepArchiveSnapshot(deps.content, issue, articles, deps.clock.now());

  // The rest's run counts on from the test's share: `planned` is the whole audience.
  let recipients = input.from?.queued ?? testRecipients;
  const jobs = digestJobs(deps, issue.id);

  const reserveMs = deps.reserveMs ?? 60_000;
  for (let shard = input.from?.shard ?? 0; shard < AUDIENCE_SHARDS; shard++) {
    let cursor: string | undefined = shard === input.from?.shard ? input.from.cursor : undefined;
    do {
      const page = await deps.subscribers.digestAudiencePage(shard, cursor, PAGE_SIZE);
      for (const r of page.recipients) {
        const variant = subjectFor(selection, issue.id, r.subscriberId);
        if (variant === null) continue;
        recipients++;
        await jobs.add(r, variant);
      }
      cursor = page.next;
      if (deps.continuation && deps.timeLeftMs && deps.timeLeftMs() < reserveMs) {
        // Out of time for this invocation: queue what is in hand and hand the rest over, so a
        // large audience is planned in pieces that each fit the function's time limit.
        await jobs.flush();
        const from: PlanFrom = cursor ? { shard, cursor, queued: recipients } : { shard: shard + 1, queued: recipients };
        if (from.shard < AUDIENCE_SHARDS) {
          await deps.continuation.continueLater({ issueId: issue.id, resume: true, from });
          return { status: 'continued', issueId: issue.id, recipients, batches: jobs.batches, from };
        }
      }
    } while (cursor);
  }
  await jobs.flush();
  if (selection.phase === 'test') {
    // Recorded after queueing, like plannedAt below: a crash before it queues the test again,
    // and the ledger skips whoever was served. The wait counts from here.
    const at = await deps.subjectTests!.markTestQueued(issue.id, deps.clock.now(), recipients);
    const due = restDueAt(issue.subjectTest!, at);
    await deps.schedules?.schedule(issue.id, due, 'rest');
    return { status: 'testing', issueId: issue.id, recipients, batches: jobs.batches, restDueAt: due.toISOString() };
  }
  await deps.counters?.finishPlanning(issue.id, recipients, deps.clock.now());

  // Marked after queueing: a crash before this line lets a rerun queue again, and the ledger
  // turns the second copy of every job into a no-op. Marking first could lose the send.
  if (!issue.plannedAt) await deps.content.markIssuePlanned(issue.id, deps.clock.now());
  return { status: 'queued', issueId: issue.id, recipients, batches: jobs.batches };
}
