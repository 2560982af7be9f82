/** `subscribers export|erase`: privacy requests for one address (GDPR articles 15 and 17). */
import type { Command } from 'commander';
import { stackOutputs } from '../../lib/aws-target';
import { localConfig } from '../../lib/local/config';
import { eraseSubscriber, exportSubscriber } from '../../lambdas/usecases/privacy';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';
import type { WithTarget } from './target';

/** The Subscribers and Deliveries table names of the target (a deployed stack's outputs, or the local ones). */
export async function targetTables(stack: string | undefined): Promise<{ subscribers: string; deliveries: string }> {
  if (stack) {
    const out = await stackOutputs(stack);
    return { subscribers: out.subscribersTable, deliveries: out.deliveriesTable };
  }
  return localConfig().tables;
}

export async function privacyDeps(stack: string | undefined) {
  const db = dynamoPorts(documentClient(), await targetTables(stack));
  return { subscribers: db.subscriptions, deliveries: db.deliveryEvents, clock: systemClock };
}

export function register(program: Command, withTarget: WithTarget): void {
  // The `subscribers` group is created by bin/cli/subscribers.ts; these join it.
  const subscribers = program.commands.find((c) => c.name() === 'subscribers') ?? program.command('subscribers').description('manage subscribers');
  const stack = () => program.opts<{ stack?: string }>().stack;

  subscribers
    .command('export')
    .description('print, as JSON, everything stored about an address (subscriber, consent record, ledger entries)')
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async () => {
        const data = await exportSubscriber(await privacyDeps(stack()), email);
        console.log(JSON.stringify(data, null, 2));
        if (!data.subscriber && !data.erased) console.error(`nothing is stored about ${data.email}`);
      });
    });

  subscribers
    .command('erase')
    .description('erase an address everywhere (subscriber, ledger entries); keep only its hash so it is never mailed again')
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async () => {
        const r = await eraseSubscriber(await privacyDeps(stack()), email);
        console.log(
          `erased ${r.email}: subscriber ${r.subscriberRemoved ? 'removed' : 'was not stored'}, ${r.deliveriesRemoved} ledger entr${r.deliveriesRemoved === 1 ? 'y' : 'ies'} removed; suppression kept as sha256 ${r.addressHash}`,
        );
      });
    });
}
