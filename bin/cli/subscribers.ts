/** `subscribers add|import`: operator-managed subscribers. */
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { addSubscriber, importSubscribers } from '../../lambdas/usecases/subscribers';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  const subscribers = program.command('subscribers').description('manage subscribers');

  subscribers
    .command('add')
    .description('add a confirmed subscriber (you vouch for the address)')
    .argument('<email>')
    .option('--topics <list>', 'comma-separated topics', '')
    .option('--alerts', 'also wants breaking alerts', false)
    .addOption(new Option('--no-digest', 'does not want the weekly digest'))
    .action(async (email: string, opts: { topics: string; alerts: boolean; digest: boolean }) => {
      await withTarget(async (t) => {
        const topics = opts.topics
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const s = await addSubscriber(t, { email, topics, alerts: opts.alerts, digest: opts.digest }, 'cli');
        console.log(`subscribed ${s.email} (${s.subscriberId})`);
      });
    });

  subscribers
    .command('import')
    .description('import confirmed subscribers from a CSV with a header row (email, digest, alerts, topics, timezone)')
    .argument('<file>')
    .action(async (file: string) => {
      const csv = readFileSync(file, 'utf8');
      await withTarget(async (t) => {
        const r = await importSubscribers(t, csv);
        console.log(`imported ${r.imported} subscriber(s) from ${file}`);
        for (const e of r.errors) console.error(`${file}:${e.line}: ${e.message}`);
        if (r.errors.length) process.exitCode = 1;
      });
    });
}
