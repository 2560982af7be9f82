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
import type { IssueScheduler } from '../core/ports';
import { planDigest, type PlanDeps, type PlanResult } from './plan-digest';

export interface ScheduledPlanDeps extends PlanDeps {
  /** Removes the issue's schedule once it has done its work. @default - nothing removed */
  schedules?: IssueScheduler;
}

export type ScheduledPlanResult = PlanResult | { status: 'skipped'; issueId: string; reason: 'not-due' | 'not-scheduled' };

/**
 * How early an invocation may come and still count as on time: EventBridge Scheduler fires at
 * or after the minute, but its clock and the function's are not the same clock.
 */
export const SEND_AT_EARLY_MS = 60_000;

export async function planScheduledIssue(deps: ScheduledPlanDeps, issueId: string): Promise<ScheduledPlanResult> {
  const issue = await deps.content.getIssue(issueId);
  if (!issue) return { status: 'skipped', issueId, reason: 'no-issue' };
  // Re-published without sendAt since the schedule was made: the weekly run has it now.
  if (!issue.sendAt && !issue.plannedAt) {
    await deps.schedules?.cancel(issueId);
    return { status: 'skipped', issueId, reason: 'not-scheduled' };
  }
  // Too early: left alone, since the schedule (same name) may have been moved to this later time.
  if (!issue.plannedAt && !isSendDue(issue, deps.clock.now(), SEND_AT_EARLY_MS)) return { status: 'skipped', issueId, reason: 'not-due' };
  const result = await planDigest(deps, { issueId });
  // Planned, handed over to a continuation, or sent already: this schedule's work is done.
  await deps.schedules?.cancel(issueId);
  return result;
}
