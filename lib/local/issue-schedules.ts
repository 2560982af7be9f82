/**
 * Scheduled issues in the local mode. On AWS each issue with a `sendAt` has a one-time
 * EventBridge schedule, made by whoever publishes. Here publishing runs in the CLI's process
 * and the planner in `npm start`'s, and a schedule made in one process would not outlive it;
 * so the local runtime looks once a minute for issues whose `sendAt` has come and which no
 * planner has queued, and invokes the same planner handler with the same event the AWS
 * schedule would send. The stored `sendAt` is then the schedule, and nothing else is kept.
 */
import { isSendDue } from '../../lambdas/core/content/send-at';
import type { ContentStore, IssueScheduler, ScheduledIssues, UnsentIssues } from '../../lambdas/core/ports';
import type { ScheduledPlanResult } from '../../lambdas/usecases/plan-scheduled';

/**
 * The local {@link IssueScheduler}: nothing to make, move or remove, because the minute check
 * reads the issues' stored `sendAt` (which publish writes, moves and removes) instead.
 */
export class LocalIssueScheduler implements IssueScheduler {
  async schedule(): Promise<void> {}
  async cancel(): Promise<void> {}
}

/** How far back (by the issue's date) the minute check looks for a subject test's waiting rest. */
const SUBJECT_TEST_LOOKBACK_MS = 14 * 24 * 60 * 60_000;

export interface ScheduledIssueCheckDeps {
  issues: ScheduledIssues & Partial<Pick<ContentStore, 'latestIssue'> & UnsentIssues>;
  /** The digest planner handler, as the AWS schedule invokes it. */
  plan(event: { issueId: string; scheduled: true }): Promise<ScheduledPlanResult>;
}

/**
 * The minute check: plans every unsent issue whose `sendAt` is at or before `now`, oldest
 * first, and returns what the planner answered for each (none due: an empty list).
 */
export function scheduledIssueCheck(deps: ScheduledIssueCheckDeps): (now: Date) => Promise<ScheduledPlanResult[]> {
  return async (now) => {
    const due = (await deps.issues.unsentScheduledIssues())
      .filter((i) => isSendDue(i, now))
      .sort((a, b) => a.sendAt!.localeCompare(b.sendAt!));
    const results: ScheduledPlanResult[] = [];
    for (const issue of due) results.push(await deps.plan({ issueId: issue.id, scheduled: true }));
    // The rest of a subject test (on AWS a one-time schedule the planner made): each unsent
    // issue with a test, dated in the last fortnight (not only the latest: a newer issue may be
    // published and sent while an older test waits), is handed to the planner, which sends the
    // rest once the wait is over and answers `test-running` (or `not-scheduled`, before the test
    // began) until then.
    const since = new Date(now.getTime() - SUBJECT_TEST_LOOKBACK_MS).toISOString().slice(0, 10);
    // The latest whatever its date (as before), and the unsent ones of the fortnight.
    const latest = await deps.issues.latestIssue?.();
    const recent = (await deps.issues.unsentIssuesFrom?.(since)) ?? [];
    const candidates = [...recent.filter((i) => i.id !== latest?.id), ...(latest ? [latest] : [])];
    for (const issue of candidates) {
      // One whose sendAt is still ahead is not handed over: its time has not come.
      if (!issue.subjectTest || issue.plannedAt || due.some((i) => i.id === issue.id) || (issue.sendAt && !isSendDue(issue, now))) continue;
      const result = await deps.plan({ issueId: issue.id, scheduled: true });
      if (result.status !== 'skipped') results.push(result);
    }
    return results;
  };
}
