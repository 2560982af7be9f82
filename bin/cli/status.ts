/** `status` and `redrive`: a campaign's counters, and putting dead-lettered send jobs back. */
import type { Command } from 'commander';
import { describeProgress } from '../../lambdas/core/campaign-status';
import { describePause } from '../../lambdas/core/sending-state';
import { describeSendAt } from '../../lambdas/core/content/send-at';
import type { WithTarget } from './target';
import { findCampaign } from '../../lambdas/usecases/find-content';
import { campaignStats, describeOutcomes } from '../../lambdas/usecases/campaign-stats';
import { formatLocal, zoneSchedule } from '../../lambdas/core/local-time';
import type { LocalTimeProgress } from '../../lambdas/core/local-time-ports';

/**
 * Local-time progress, one line per due instant (zones sharing an offset share a line): when
 * (UTC, and local in one of its zones), how many zones, readers queued, done or pending.
 * Instants with no reader are folded into one count, so the table stays short.
 */
export function describeZoneProgress(p: LocalTimeProgress, now: Date): string {
  const covered = Date.parse(p.coveredTo);
  const groups = new Map<number, string[]>();
  for (const z of zoneSchedule(p.date, p.localTime)) groups.set(z.dueAt.getTime(), [...(groups.get(z.dueAt.getTime()) ?? []), z.zone]);
  const lines = [
    `local time ${p.localTime} on ${p.date}, by zone (covered to ${p.coveredTo}; ${p.queued} reader(s) queued${p.sweptAt ? `, closing sweep ${p.sweptAt}: ${p.swept ?? 0} who moved zone` : ''})`,
  ];
  lines.push('  due (UTC)          local              zones  readers  state');
  let quiet = 0;
  let pending = 0;
  for (const [at, zones] of groups) {
    const readers = zones.reduce((n, z) => n + (p.zones[z] ?? 0), 0);
    const done = at <= covered;
    if (done && readers === 0) {
      quiet++;
      continue;
    }
    if (!done) pending++;
    const named = zones.find((z) => (p.zones[z] ?? 0) > 0) ?? zones[0];
    lines.push(
      `  ${new Date(at).toISOString().slice(0, 16)}Z  ${formatLocal(new Date(at), named).slice(12)} ${named.padEnd(20)} ${String(zones.length).padStart(3)}  ${String(done ? readers : '-').padStart(7)}  ${done ? 'done' : at <= now.getTime() ? 'due now' : 'pending'}`,
    );
  }
  lines.push(`  ${quiet} instant(s) done with no reader; ${pending} pending`);
  return lines.join('\n');
}

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('status')
    .description(
      "show an issue's or a breaking alert's send progress: queued, sent, failed, suppressed, skipped (default: the latest issue)",
    )
    .argument('[issue]', "issue id, or a breaking article's id for its alert")
    .action(async (issueId: string | undefined) => {
      await withTarget(async (t) => {
        // The account-wide pause first: it stops every issue and alert.
        console.log(describePause((await t.sending.get()).pause));
        // An unknown id is refused (exit 1); with none given and nothing published, there is nothing to show.
        if (issueId === undefined && !(await t.content.latestIssue())) return console.log('no issue published yet');
        const { id } = await findCampaign(t, issueId);
        const issue = await t.content.getIssue(id);
        if (issue?.sendAt && !issue.plannedAt) console.log(`${id}: ${describeSendAt(issue.sendAt, t.timeZone ?? 'UTC')}`);
        const progress = await t.counters?.get(id);
        if (!progress) return console.log(`${id}: not sent yet`);
        console.log(describeProgress(progress));
        console.log(`queued ${progress.queued} (a re-plan after a crash queues again; the ledger skips who was served)`);
        const plan = await t.localTimePlans?.get(id);
        if (plan) console.log(describeZoneProgress(plan, t.clock.now()));
        // The ledger's figures, read by the same function as `stats` (the brake's own counters only see events the ses-events
        // function counted, not those fed with `ses-event`).
        const landed = await campaignStats({ ledger: t.ledger, clicks: t.clicks, content: t.content }, id);
        if (landed.sent > 0) console.log(describeOutcomes(landed));
      });
    });

  program
    .command('backfill-zones')
    .description('give every subscriber the digest-by-zone index keys (after upgrading a stack to local-time delivery); safe to run again')
    .action(async () => {
      await withTarget(async (t) => {
        if (!t.backfillZones) throw new Error('this target cannot backfill');
        const r = await t.backfillZones();
        console.log(`backfill-zones: ${r.scanned} item(s) read, ${r.updated} updated (0 on a second run)`);
      });
    });

  program
    .command('redrive')
    .description('put dead-lettered send jobs back on the send queue (AWS: SQS StartMessageMoveTask; local: plan unfinished issues again)')
    .action(async () => {
      await withTarget(async (t) => {
        if (!t.redrive) throw new Error('this target cannot redrive');
        console.log(await t.redrive());
      });
    });
}
