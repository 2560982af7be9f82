/**
 * Scheduled issues in the local mode. On AWS each issue with a `sendAt` has a one-time
 * EventBridge schedule, made by whoever publishes. Here publishing runs in the CLI's process
 * and the planner in `npm start`'s, and a schedule made in one process would not outlive it;
 * so the local runtime looks once a minute for issues whose `sendAt` has come and which no
 * planner has queued, and invokes the same planner handler with the same event the AWS
 * schedule would send. The stored `sendAt` is then the schedule, and nothing else is kept.
 */
import { isSendDue } from '../../lambdas/core/content/send-at';
import type { ContentStore, IssueScheduler, ScheduledIssues } from '../../lambdas/core/ports';
import type { ScheduledPlanResult } from '../../lambdas/usecases/plan-scheduled';

/**
 * The local {@link IssueScheduler}: nothing to make, move or remove, because the minute check
 * reads the issues' stored `sendAt` (which publish writes, moves and removes) instead.
 */
export class LocalIssueScheduler implements IssueScheduler {
  async schedule(): Promise<void> {}
  async cancel(): Promise<void> {}
}

export interface ScheduledIssueCheckDeps {
  issues: ScheduledIssues & Partial<Pick<ContentStore, 'latestIssue'>>;
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
    // The rest of a subject test (on AWS a one-time schedule the planner made): the latest
    // issue, unsent, with a test, is handed to the planner, which sends the rest once the wait
    // is over and answers `test-running` (or `not-scheduled`, before the test began) until then.
    const latest = await deps.issues.latestIssue?.();
    // One whose sendAt is still ahead is not handed over: its time has not come.
    if (latest?.subjectTest && !latest.plannedAt && !due.some((i) => i.id === latest.id) && (!latest.sendAt || isSendDue(latest, now))) {
      const result = await deps.plan({ issueId: latest.id, scheduled: true });
      if (result.status !== 'skipped') results.push(result);
    }
    return results;
  };
}
