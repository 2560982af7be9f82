/**
 * What the console's Home shows (lambdas/console/pages/home.ts): the next sends (issues with a
 * `sendAt` to come, and what the next scheduled digest run would send), the last issue that
 * went with its figures, and the account's sending state. Read with the same listings and
 * figures as the CLI's `issues`, `stats` and `status` (usecases/find.ts, campaign-stats.ts).
 */
import type { CampaignCounters, ContentStore } from '../core/ports';
import type { ContentCatalog, ContentState } from '../core/find';
import type { Issue } from '../core/model';
import { nextDigestRun, type DigestSchedule } from '../core/schedule';
import type { SendingPause, SendingStateStore } from '../core/sending-state';
import { campaignStats, type CampaignStats, type CampaignStatsDeps } from './campaign-stats';
import { listIssues } from './find';

export interface DeskHomeDeps extends CampaignStatsDeps {
  catalog: ContentCatalog;
  counters: Pick<CampaignCounters, 'get'>;
  content: Pick<ContentStore, 'getIssue' | 'getArticles' | 'latestIssue'>;
  sending: Pick<SendingStateStore, 'get'>;
  /** The digest's schedule as deployed (absent: no weekly schedule, issues go by `sendAt` or by hand). */
  schedule?: DigestSchedule;
}

export interface DeskHome {
  /** Issues with a `sendAt` to come, soonest first. */
  scheduled: { issue: Issue; at: string }[];
  /** The next run of the digest's schedule and the issue it would send (none: it sends nothing new). */
  nextRun?: { at?: Date; error?: string; issue?: Issue; why?: string };
  /** The newest issue that went (or is going), with its figures. */
  last?: { issue: Issue; state: ContentState; stats: CampaignStats };
  /** The account-wide sending pause, when sending is paused. */
  pause?: SendingPause;
}

/** Issues read for Home: the newest this many (scheduled ones further back are on the Issues page). */
export const HOME_ISSUES = 50;

export async function deskHome(deps: DeskHomeDeps, now: Date): Promise<DeskHome> {
  const [page, state, latest] = await Promise.all([listIssues(deps, HOME_ISSUES), deps.sending.get(), deps.content.latestIssue()]);
  const scheduled = page.rows
    .filter((r) => r.state === 'scheduled' && r.issue.sendAt)
    .map((r) => ({ issue: r.issue, at: r.issue.sendAt as string }))
    .sort((a, b) => a.at.localeCompare(b.at));
  const went = page.rows.find((r) => r.state === 'sent' || r.state === 'sending');
  const last = went ? { issue: went.issue, state: went.state, stats: await campaignStats(deps, went.issue.id) } : undefined;
  return { scheduled, nextRun: deps.schedule && nextDigest(deps.schedule, latest, now), last, pause: state.pause };
}

/** What the weekly run sends: the latest issue, unless it has its own `sendAt` or already went (plan-digest.ts). */
function nextDigest(schedule: DigestSchedule, latest: Issue | undefined, now: Date): DeskHome['nextRun'] {
  const run = nextDigestRun(schedule, now);
  const at = run.ok ? run.next : undefined;
  const error = run.ok ? undefined : run.error;
  if (!latest) return { at, error, why: 'no issue is published yet' };
  if (latest.plannedAt) return { at, error, why: `the latest issue, ${latest.id}, already went: publish a new one` };
  if (latest.sendAt) return { at, error, why: `the latest issue, ${latest.id}, goes at its own time (sendAt)` };
  return { at, error, issue: latest };
}
