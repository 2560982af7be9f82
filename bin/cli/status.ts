/** `status` and `redrive`: a campaign's counters, and putting dead-lettered send jobs back. */
import type { Command } from 'commander';
import { describeProgress } from '../../lambdas/core/campaign-status';
import { describePause } from '../../lambdas/core/sending-brake';
import { describeSendAt } from '../../lambdas/core/content/send-at';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('status')
    .description("show an issue's send progress: queued, sent, failed, suppressed, skipped (default: the latest issue)")
    .argument('[issue]', 'issue id')
    .action(async (issueId: string | undefined) => {
      await withTarget(async (t) => {
        // The account-wide pause first: it stops every issue and alert.
        console.log(describePause((await t.sending.get()).pause));
        const id = issueId ?? (await t.content.latestIssue())?.id;
        if (!id) return console.log('no issue published yet');
        const issue = await t.content.getIssue(id);
        if (issue?.sendAt && !issue.plannedAt) console.log(`${id}: ${describeSendAt(issue.sendAt, t.timeZone ?? 'UTC')}`);
        const progress = await t.counters?.get(id);
        if (!progress) return console.log(`${id}: not sent yet`);
        console.log(describeProgress(progress));
        console.log(`queued ${progress.queued} (a re-plan after a crash queues again; the ledger skips who was served)`);
        const rep = await t.sending.campaignCounts(id);
        if (rep && rep.sends > 0) console.log(`reputation: ${rep.bounces} hard bounces, ${rep.complaints} complaints of ${rep.sends} sent`);
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
