/**
 * Command-line tool: `npm run cli -- <command>`. It talks to the local stack that `npm start`
 * runs (or to whatever AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SES point at) and runs the
 * same handlers and use-cases as the deployed functions.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { startRuntime, type LocalRuntime } from '../lib/local/runtime';
import { markdownFilesUnder } from '../lib/local/files';
import { localConfig } from '../lib/local/config';

async function withRuntime<T>(fn: (rt: LocalRuntime) => Promise<T>): Promise<T> {
  let rt: LocalRuntime;
  try {
    const config = localConfig();
    rt = await startRuntime({ startEmulators: false, http: false, config, outboxDir: join(config.dataDir, 'outbox') });
  } catch (e) {
    throw new Error(
      `cannot reach the local stack (${(e as Error).message}).\n` +
        'Start it with `npm start` in another terminal, or set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SES.',
    );
  }
  try {
    return await fn(rt);
  } finally {
    await rt.stop();
  }
}

async function stores(rt: LocalRuntime) {
  const { DynamoContentStore, DynamoSubscriberStore, DynamoLedger } = await import('../lambdas/adapters/dynamodb');
  const { documentClient } = await import('../lambdas/adapters/clients');
  const { systemClock } = await import('../lambdas/adapters/system-clock');
  const t = rt.config.tables;
  return {
    content: new DynamoContentStore(documentClient(), t.content),
    subscribers: new DynamoSubscriberStore(documentClient(), t.subscribers),
    ledger: new DynamoLedger(documentClient(), t.deliveries),
    clock: systemClock,
  };
}

const program = new Command('briefing').description('Briefing newsletter and alert pipeline');

program
  .command('publish')
  .description('publish articles and issues (Markdown with front matter); folders are searched for .md files')
  .argument('<paths...>')
  .action(async (paths: string[]) => {
    const files = markdownFilesUnder(paths).map((f) => ({ name: relative(process.cwd(), f), text: readFileSync(f, 'utf8') }));
    const { publish } = await import('../lambdas/usecases/publish');
    await withRuntime(async (rt) => {
      const r = await publish(await stores(rt), files);
      console.log(`published ${r.articles.length} article(s), ${r.issues.length} issue(s)`);
      for (const id of [...r.articles, ...r.issues]) console.log(`  ${id}`);
    });
  });

program
  .command('send-digest')
  .description('plan the digest (the latest issue, or --issue) and send it through the local queue and sender')
  .option('--issue <id>', 'issue id (default: the latest issue)')
  .action(async (opts: { issueId?: string; issue?: string }) => {
    await withRuntime(async (rt) => {
      const result = await rt.planDigest({ issueId: opts.issue });
      if (result.status === 'skipped') {
        console.log(`nothing sent: ${result.reason}${result.issueId ? ` (${result.issueId})` : ''}`);
        return;
      }
      console.log(`queued ${result.recipients} recipient(s) of ${result.issueId} in ${result.batches} batch(es)`);
      const { ledger } = await stores(rt);
      const bar = new SingleBar({ format: 'sending |{bar}| {value}/{total} batches', hideCursor: true }, Presets.shades_classic);
      bar.start(result.batches, 0);
      const timer = setInterval(() => bar.update(rt.queue.stats().delivered), 200);
      await rt.queue.drain(10 * 60_000);
      clearInterval(timer);
      bar.update(rt.queue.stats().delivered);
      bar.stop();
      const deliveries = await ledger.list(result.issueId);
      const count = (s: string) => deliveries.filter((d) => d.status === s).length;
      console.log(`ledger for ${result.issueId}: ${count('sent')} sent, ${count('failed')} failed, ${count('claimed')} in flight`);
      if (rt.queue.stats().deadLettered > 0) {
        console.error(`${rt.queue.stats().deadLettered} batch(es) went to the dead-letter queue`);
        process.exitCode = 1;
      }
    });
  });

const subscribers = program.command('subscribers').description('manage subscribers');

subscribers
  .command('add')
  .description('add a confirmed subscriber (you vouch for the address)')
  .argument('<email>')
  .option('--topics <list>', 'comma-separated topics', '')
  .option('--alerts', 'also wants breaking alerts', false)
  .addOption(new Option('--no-digest', 'does not want the weekly digest'))
  .action(async (email: string, opts: { topics: string; alerts: boolean; digest: boolean }) => {
    const { addSubscriber } = await import('../lambdas/usecases/subscribers');
    await withRuntime(async (rt) => {
      const topics = opts.topics.split(',').map((t) => t.trim()).filter(Boolean);
      const s = await addSubscriber(await stores(rt), { email, topics, alerts: opts.alerts, digest: opts.digest }, 'cli');
      console.log(`subscribed ${s.email} (${s.subscriberId})`);
    });
  });

subscribers
  .command('import')
  .description('import confirmed subscribers from a CSV with a header row (email, digest, alerts, topics, timezone)')
  .argument('<file>')
  .action(async (file: string) => {
    const { importSubscribers } = await import('../lambdas/usecases/subscribers');
    const csv = readFileSync(file, 'utf8');
    await withRuntime(async (rt) => {
      const r = await importSubscribers(await stores(rt), csv);
      console.log(`imported ${r.imported} subscriber(s) from ${file}`);
      for (const e of r.errors) console.error(`${file}:${e.line}: ${e.message}`);
      if (r.errors.length) process.exitCode = 1;
    });
  });

program
  .command('deliveries')
  .description("list the ledger's entries for a campaign (an issue id)")
  .argument('<campaignId>')
  .action(async (campaignId: string) => {
    await withRuntime(async (rt) => {
      const { ledger } = await stores(rt);
      const rows = await ledger.list(campaignId);
      for (const d of rows) console.log(`${d.subscriberId}  ${d.status.padEnd(7)}  ${d.sentAt ?? d.claimedAt}  ${d.sesMessageId ?? d.error ?? ''}`);
      console.log(`${rows.length} deliveries`);
    });
  });

program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
