/** `subscribers add|import|revoke-links`: operator-managed subscribers. */
import { Option, type Command } from 'commander';
import { normaliseEmail } from '../../lambdas/core/address';
import { otherStoredForms, sameInboxMessage } from '../../lambdas/usecases/inbox-forms';
import { migrateAddresses } from '../../lambdas/usecases/migrate-addresses';
import { revokeLinks } from '../../lambdas/usecases/revoke-links';
import { keptMessage, upsertSubscriber, type NewSubscriber } from '../../lambdas/usecases/subscribers';
import { parseColumnMap } from '../../lambdas/core/import-formats';
import { importSubscribers } from '../../lambdas/usecases/import-subscribers';
import { printImport, readCsv } from './import-file';
import type { WithTarget } from './target';

const RESUBSCRIBE = 'bring back an address that unsubscribed, was suppressed or was erased: only when the reader agreed again';

export function register(program: Command, withTarget: WithTarget): void {
  const subscribers = program.command('subscribers').description('manage subscribers');

  subscribers
    .command('add')
    .description('add a confirmed subscriber (you vouch for the address), or change the choices of a stored one')
    .argument('<email>')
    .option('--topics <list>', 'comma-separated topics (default for a new subscriber: every topic)')
    .option('--alerts', 'wants breaking alerts')
    .addOption(new Option('--no-alerts', 'does not want breaking alerts'))
    .option('--digest', 'wants the weekly digest (the default for a new subscriber)')
    .addOption(new Option('--no-digest', 'does not want the weekly digest'))
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Brussels (default for a new subscriber: UTC)')
    .option('--resubscribe', RESUBSCRIBE, false)
    .action(
      async (
        email: string,
        opts: { topics?: string; alerts?: boolean; digest?: boolean; timezone?: string; resubscribe: boolean },
        cmd: Command,
      ) => {
        await withTarget(async (t) => {
          // Only what the operator gave changes a stored subscriber: a flag left out keeps its choice.
          const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
          const input: NewSubscriber = {
            email,
            ...(opts.topics !== undefined && {
              topics: opts.topics
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            }),
            ...(given('alerts') && { alerts: opts.alerts }),
            ...(given('digest') && { digest: opts.digest }),
            ...(opts.timezone !== undefined && { timezone: opts.timezone }),
          };
          const r = await upsertSubscriber({ subscribers: t.subscriptions, clock: t.clock, digest: await t.digest() }, input, 'cli', {
            resubscribe: opts.resubscribe,
            allowReservedDomains: t.local,
            settings: await t.settings.getSettings(),
          });
          if (!r.subscriber || r.outcome.startsWith('kept-')) {
            console.error(
              `error: ${keptMessage(r.inbox ? email.trim() : (r.subscriber?.email ?? email.trim()), r.outcome, r.said ?? r.subscriber, r.inbox)}`,
            );
            process.exitCode = 1;
            return;
          }
          const what = {
            added: 'subscribed',
            updated: 'updated',
            unchanged: 'already subscribed, nothing to change:',
            confirmed: 'confirmed (was waiting for its confirmation)',
            resubscribed: "brought back on the reader's new consent:",
          } as const;
          console.log(`${what[r.outcome as keyof typeof what]} ${r.subscriber.email} (${r.subscriber.subscriberId})`);
        });
      },
    );

  subscribers
    .command('import')
    .description(
      'import confirmed subscribers from a CSV (`,` or `;`): columns email, digest, alerts, topics, timezone, name; or the export of ' +
        'Mailchimp, listmonk, Ghost, Substack or Buttondown (by its header row); stored ones are merged into, never replaced',
    )
    .argument('<file>', 'a relative path is read from the folder the command runs in')
    .option('--map <fields>', 'read any other file by its columns: email=<column>,name=<column> (also digest, alerts, topics, timezone)')
    .option('--resubscribe', RESUBSCRIBE, false)
    .action(async (file: string, opts: { map?: string; resubscribe: boolean }) => {
      const map = opts.map === undefined ? undefined : parseColumnMap(opts.map);
      const csv = readCsv(file);
      await withTarget(async (t) => {
        const r = await importSubscribers({ subscribers: t.subscriptions, clock: t.clock, digest: await t.digest() }, csv, {
          resubscribe: opts.resubscribe,
          allowReservedDomains: t.local,
          map,
          settings: await t.settings.getSettings(),
        });
        printImport(file, r, opts.resubscribe);
      });
    });

  subscribers
    .command('revoke-links')
    .description(
      'turn off every link in the mail a reader got so far (unsubscribe, preferences, confirm); the next message carries working ones',
    )
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async (t) => {
        const r = await revokeLinks({ subscribers: t.subscriptions }, email);
        if (!r) {
          console.error(
            `error: no subscriber ${email.trim()} (in any capitals): nothing to revoke; \`subscribers export ${email.trim()}\` shows what is stored`,
          );
          process.exitCode = 1;
          return;
        }
        console.log(
          `revoked the links of ${r.email}: the preferences, confirmation and unsubscribe pages of mail sent before now answer "this link no longer works" ` +
            `(a mailbox's one-click unsubscribe still works: an opt-out in mail already sent must); ${r.status === 'confirmed' && !r.suppressed ? 'the next message carries new links' : 'they get no more mail, so no new links'} (link version ${r.linkVersion})`,
        );
      });
    });

  subscribers
    .command('unsubscribe')
    .description(
      "unsubscribe an address on the reader's request (a reply, a phone call): they get no more mail, and a sign-up sends them nothing for the cooling period",
    )
    .argument('<email>')
    .action(async (email: string) => {
      await withTarget(async (t) => {
        const s = await t.subscriptions.getByEmail(normaliseEmail(email));
        if (!s) {
          // Each form of an inbox has its own link and its own unsubscribe: name the stored ones, change none.
          const forms = await otherStoredForms(t.subscriptions, normaliseEmail(email));
          console.error(
            `error: ${forms.length ? sameInboxMessage(email.trim(), forms) : `no subscriber ${email.trim()} (in any capitals): nothing to unsubscribe`}`,
          );
          process.exitCode = 1;
          return;
        }
        await t.subscriptions.unsubscribe(s.subscriberId, t.clock.now());
        console.log(`unsubscribed ${s.email}${s.status === 'unsubscribed' ? ' (had unsubscribed already)' : ''}`);
      });
    });

  program
    .command('migrate-addresses')
    .description(
      'upgrade step: merge subscribers whose addresses differ only in capitals into one (the most restrictive state wins), key every address by its lower-cased form and give each its inbox and readers-index keys; safe to run again',
    )
    .option('--dry-run', 'say what would change, change nothing', false)
    .action(async (opts: { dryRun: boolean }) => {
      await withTarget(async (t) => {
        const r = await migrateAddresses(
          {
            store: t.migration.store,
            subscriptions: t.subscriptions,
            deliveries: t.migration.deliveries,
            digest: await t.digest(),
            clock: t.clock,
            log: (line) => console.log(`  ${line}`),
          },
          { dryRun: opts.dryRun },
        );
        console.log(
          `migrate-addresses${r.dryRun ? ' (dry run: nothing changed)' : ''}: ${r.scanned} subscriber(s) read; ${r.merged} address(es) ${r.dryRun ? 'to merge' : 'merged'}, ${r.moved} ${r.dryRun ? 'to move' : 'moved'} to their lower-cased key, ${r.erased} erased earlier ${r.dryRun ? 'to remove' : 'and removed'}; ${r.removed} item(s) ${r.dryRun ? 'to remove' : 'removed'}; ${r.indexed} ${r.dryRun ? 'to give' : 'given'} their inbox key${r.skipped ? `; ${r.skipped} changed meanwhile, run again` : ''}${r.dryRun || r.skipped ? '' : ' (a second run finds nothing to do)'}`,
        );
        if (r.skipped) process.exitCode = 1;
      });
    });
}
