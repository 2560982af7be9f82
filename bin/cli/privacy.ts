/** `subscribers export|erase`: privacy requests for one address (GDPR articles 15 and 17). */
import type { Command } from 'commander';
import { sameInboxMessage } from '../../lambdas/usecases/inbox-forms';
import { eraseSubscriber, exportSubscriber, type PrivacyDeps } from '../../lambdas/usecases/privacy';
import type { Target, WithTarget } from './target';

/** The Deliveries table name of the target (a deployed stack's outputs, or the local one). */
async function deliveriesTable(stack: string | undefined): Promise<string> {
  // Loaded here, not at the top: they load the AWS SDK, which `--help` has no use for.
  const { stackOutputs } = await import('../../lib/aws-target');
  const { localConfig } = await import('../../lib/local/config');
  return stack ? (await stackOutputs(stack)).deliveriesTable : localConfig().tables.deliveries;
}

export async function privacyDeps(t: Target, stack: string | undefined): Promise<PrivacyDeps> {
  const { deliveryPorts, documentClient } = await import('../../lambdas/wiring');
  const deliveries = deliveryPorts(documentClient(), await deliveriesTable(stack));
  return {
    subscribers: t.subscriptions,
    deliveries: deliveries.deliveryEvents,
    clock: t.clock,
    digest: await t.digest(),
    pause: t.sending,
  };
}

export function register(program: Command, withTarget: WithTarget): void {
  // The `subscribers` group is created by bin/cli/subscribers.ts; these join it.
  const subscribers =
    program.commands.find((c) => c.name() === 'subscribers') ?? program.command('subscribers').description('manage subscribers');
  const stack = () => program.opts<{ stack?: string }>().stack;

  subscribers
    .command('export')
    .description('print, as JSON, everything stored about an address (subscriber, consent record, ledger entries)')
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async (t) => {
        const data = await exportSubscriber(await privacyDeps(t, stack()), email);
        console.log(JSON.stringify(data, null, 2));
        if (data.sameInbox) {
          console.error(`error: ${sameInboxMessage(email.trim(), data.sameInbox)}`);
          process.exitCode = 1;
        } else if (!data.subscriber && !data.erased) console.error(`nothing is stored about ${data.email}`);
      });
    });

  subscribers
    .command('erase')
    .description(
      'erase an address everywhere (subscriber, ledger entries, the sending pause); keep only a keyed digest so it is never mailed again',
    )
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async (t) => {
        const r = await eraseSubscriber(await privacyDeps(t, stack()), email);
        console.log(
          `erased ${r.email}: subscriber ${r.subscriberRemoved ? 'removed' : 'was not stored'}, ${r.deliveriesRemoved} ledger entr${r.deliveriesRemoved === 1 ? 'y' : 'ies'} removed${r.pauseScrubbed ? ', address masked in the sending pause' : ''}; suppression kept as a keyed digest ${r.addressHash}`,
        );
        if (r.sameInbox.length)
          console.error(
            `note: the same inbox is also stored as ${r.sameInbox.join(', ')}, not erased: when the request covers ${r.sameInbox.length === 1 ? 'it' : 'them'}, erase ${r.sameInbox.length === 1 ? 'it' : 'each'} by name (subscribers erase ${r.sameInbox[0]})`,
          );
        console.log('point-in-time recovery keeps the tables as they were for 35 days: the address stays in those backups until then');
      });
    });
}
