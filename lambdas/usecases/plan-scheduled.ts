/**
 * Plan an issue at its `sendAt`: what the issue's one-time schedule invokes (EventBridge
 * Scheduler on AWS, the local runtime's minute check here) with `{ issueId, scheduled: true }`.
 *
 * The issue is planned only once its time has come: an invocation left over from a schedule
 * since moved later finds the stored time still ahead and does nothing. Once planned (or found
 * already sent, or no longer scheduled) the schedule is removed; on AWS it removes itself after
 * running too (ActionAfterCompletion DELETE), and both removals are idempotent.
 */
import { isSendDue } from '../core/content/send-at';
import { planDigest, type PlanDeps, type PlanResult } from './plan-digest';

export interface ScheduledPlanDeps extends PlanDeps {
  /** Waits `ms` (an invocation a little early waits for its time). Default: a timer; tests pass one that walks their clock. */
  wait?: (ms: number) => Promise<void>;
}

export type ScheduledPlanResult = PlanResult | { status: 'skipped'; issueId: string; reason: 'not-due' | 'not-scheduled' };

/**
 * How early an invocation may come and still be kept: EventBridge Scheduler fires within the
 * minute of its `at(...)` (adapters/issue-scheduler.ts), perhaps before the seconds sendAt names,
 * and its clock and the function's are not the same clock. Such an invocation waits for the issue's time
 * rather than planning early (an issue due at 10:52:00 once went at 10:51:00) or being
 * dropped (the schedule deletes itself after running). Earlier than this: a run left from a
 * schedule since moved later, which does nothing.
 */
export const SEND_AT_EARLY_MS = 60_000;

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function planScheduledIssue(deps: ScheduledPlanDeps, issueId: string): Promise<ScheduledPlanResult> {
  const issue = await deps.content.getIssue(issueId);
  if (!issue) return { status: 'skipped', issueId, reason: 'no-issue' };
  // A subject test under way: this is the rest's schedule (or a late send's); the planner
  // decides by the test's own record whether the wait is over.
  const testing =
    !issue.plannedAt && issue.subjectTest !== undefined && (await deps.subjectTests?.get(issueId))?.testQueuedAt !== undefined;
  // Re-published without sendAt since the schedule was made: the weekly run has it now.
  if (!issue.sendAt && !issue.plannedAt && !testing) {
    await deps.schedules?.cancel(issueId);
    return { status: 'skipped', issueId, reason: 'not-scheduled' };
  }
  // Too early: left alone, since the schedule (same name) may have been moved to this later time.
  if (!issue.plannedAt && !testing && !isSendDue(issue, deps.clock.now())) {
    if (!isSendDue(issue, deps.clock.now(), SEND_AT_EARLY_MS)) return { status: 'skipped', issueId, reason: 'not-due' };
    // Never before the second it names: wait out the gap (under a minute), then look again.
    const wait = deps.wait ?? timer;
    while (!isSendDue(issue, deps.clock.now())) await wait(Date.parse(issue.sendAt!) - deps.clock.now().getTime());
  }
  const result = await planDigest(deps, { issueId });
  // Planned, handed over to a continuation, or sent already: this schedule's work is done. A
  // subject test's share just queued, or its wait not over: the rest's schedule stays.
  await deps.schedules?.cancel(issueId);
  const restPending = result.status === 'testing' || (result.status === 'skipped' && result.reason === 'test-running');
  if (issue.subjectTest && !restPending) await deps.schedules?.cancel(issueId, 'rest');
  return result;
}
