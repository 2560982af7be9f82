/** `send-digest` and `deliveries`: sending an issue and reading its ledger. */
import type { Command } from 'commander';
import { findCampaign, findIssue, NotFoundError } from '../../lambdas/usecases/find-content';
import { deliveriesWithAddresses } from '../../lambdas/usecases/find';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('send-digest')
    .description('plan the digest (the latest issue, or --issue) and send it through the local queue and sender')
    .option('--issue <id>', 'issue id (default: the latest issue)')
    .action(async (opts: { issueId?: string; issue?: string }) => {
      await withTarget(async (t) => {
        if (opts.issue !== undefined) await findIssue(t, opts.issue);
        const result = await t.plan(opts.issue);
        if (result.status === 'skipped') {
          console.log(`nothing sent: ${result.reason}${result.issueId ? ` (${result.issueId})` : ''}`);
          if (result.reason === 'scheduled')
            console.log(`it goes at its sendAt (see \`status\`); \`send-digest --issue ${result.issueId}\` sends it now`);
          if (result.reason === 'test-running') console.log(`its subject test is under way: the rest goes at ${result.restDueAt}`);
          return;
        }
        console.log(`queued ${result.recipients} recipient(s) of ${result.issueId} in ${result.batches} batch(es)`);
        if (result.status === 'testing') {
          console.log(
            `subject test: that is the test's share, half with each subject; the rest gets the better subject at ${result.restDueAt}`,
          );
          console.log(
            '(on AWS its one-time schedule runs the planner then; locally `npm start` does, so keep it running; `stats` shows both subjects)',
          );
        }
        if (!t.waitForSends) {
          console.log('queued on the deployed send queue; follow it with `npm run cli -- --stack <name> deliveries <issue>`');
          return;
        }
        const { deadLettered, paused } = await t.waitForSends(result.batches, result.issueId);
        if (paused) {
          console.error(`sending paused: ${paused.reason}`);
          console.error('nobody was marked failed for it; once the cause is fixed, `npm run cli -- resume` carries on');
          process.exitCode = 2;
          return;
        }
        // This process's queue is empty: counts a killed earlier run never wrote come from the ledger.
        await t.counters?.reconcile?.(result.issueId, new Date());
        const deliveries = await t.ledger.list(result.issueId);
        const count = (s: string) => deliveries.filter((d) => d.status === s).length;
        console.log(
          `ledger for ${result.issueId}: ${count('sent')} sent, ${count('failed')} failed, ${count('suppressed')} suppressed, ${count('claimed')} in flight`,
        );
        if (deadLettered > 0) {
          console.error(`${deadLettered} batch(es) went to the dead-letter queue`);
          process.exitCode = 1;
        }
      });
    });

  program
    .command('deliveries')
    .description("list the ledger's entries for a campaign (an issue id), with each reader's address")
    .argument('<campaignId>')
    .option('--show-addresses', 'print whole addresses (masked by default: a***@example.com)')
    .action(async (campaignId: string, opts: { showAddresses?: boolean }) => {
      await withTarget(async (t) => {
        // A smoke run's campaign (`smoke#<issue>#<time>`) is in the ledger only; any other id names an issue or an article.
        if (!campaignId.startsWith('smoke#')) await findCampaign(t, campaignId);
        else if ((await t.ledger.list(campaignId)).length === 0) throw new NotFoundError('campaign', campaignId, '');
        const rows = await deliveriesWithAddresses({ ledger: t.ledger, subscribers: t.subscribers }, campaignId, opts);
        for (const d of rows)
          console.log(
            `${d.address}  ${d.subscriberId}  ${d.status.padEnd(7)}  ${d.sentAt ?? d.claimedAt}  ${d.sesMessageId ?? d.error ?? ''}`,
          );
        console.log(`${rows.length} deliveries`);
      });
    });
}
