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
import { stackOutputs } from '../lib/aws-target';

/** Where a command acts: the local stack (default) or a deployed one (`--stack <name>`). */
interface Target {
  content: import('../lambdas/core/ports').ContentStore;
  subscribers: import('../lambdas/core/ports').SubscriberStore;
  ledger: import('../lambdas/core/ports').Ledger;
  clock: import('../lambdas/core/ports').Clock;
  /** Plan the digest onto the target's send queue. */
  plan(issueId?: string): Promise<import('../lambdas/usecases/plan-digest').PlanResult>;
  /** Local only: wait for the in-process queue and show progress. On AWS the deployed sender works on its own. */
  waitForSends?(batches: number): Promise<{ deadLettered: number }>;
}

async function withTarget<T>(fn: (t: Target) => Promise<T>): Promise<T> {
  const stack = program.opts<{ stack?: string }>().stack;
  const { DynamoContentStore, DynamoSubscriberStore, DynamoLedger } = await import('../lambdas/adapters/dynamodb');
  if (stack) {
    const out = await stackOutputs(stack);
    const { documentClient, sqsClient } = await import('../lambdas/adapters/clients');
    const { SqsSendQueue } = await import('../lambdas/adapters/sqs-queue');
    const { systemClock } = await import('../lambdas/adapters/system-clock');
    const { planDigest } = await import('../lambdas/usecases/plan-digest');
    const content = new DynamoContentStore(documentClient(), out.contentTable);
    const subscribers = new DynamoSubscriberStore(documentClient(), out.subscribersTable);
    const queue = new SqsSendQueue(sqsClient(), out.sendQueueUrl);
    return fn({
      content,
      subscribers,
      ledger: new DynamoLedger(documentClient(), out.deliveriesTable),
      clock: systemClock,
      plan: (issueId) => planDigest({ content, subscribers, queue, clock: systemClock }, { issueId }),
    });
  }

  let rt: LocalRuntime;
  try {
    const config = localConfig();
    rt = await startRuntime({ startEmulators: false, http: false, config, outboxDir: join(config.dataDir, 'outbox') });
  } catch (e) {
    throw new Error(
      `cannot reach the local stack (${(e as Error).message}).\n` +
        'Start it with `npm start` in another terminal, or set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SES, or use --stack <name> for a deployed stack.',
    );
  }
  try {
    const { documentClient } = await import('../lambdas/adapters/clients');
    const { systemClock } = await import('../lambdas/adapters/system-clock');
    const t = rt.config.tables;
    return await fn({
      content: new DynamoContentStore(documentClient(), t.content),
      subscribers: new DynamoSubscriberStore(documentClient(), t.subscribers),
      ledger: new DynamoLedger(documentClient(), t.deliveries),
      clock: systemClock,
      plan: (issueId) => rt.planDigest({ issueId }),
      async waitForSends(batches) {
        const bar = new SingleBar({ format: 'sending |{bar}| {value}/{total} batches', hideCursor: true }, Presets.shades_classic);
        bar.start(batches, 0);
        const timer = setInterval(() => bar.update(Math.min(batches, rt.queue.stats().delivered)), 200);
        try {
          await rt.queue.drain(60 * 60_000);
        } finally {
          clearInterval(timer);
          bar.update(Math.min(batches, rt.queue.stats().delivered));
          bar.stop();
        }
        return { deadLettered: rt.queue.stats().deadLettered };
      },
    });
  } finally {
    await rt.stop();
  }
}

const program = new Command('briefing')
  .description('Briefing newsletter and alert pipeline')
  .option('--stack <name>', 'act on a deployed stack (tables and queue from its outputs) instead of the local one');

program
  .command('publish')
  .description('publish articles and issues (Markdown with front matter); folders are searched for .md files')
  .argument('<paths...>')
  .action(async (paths: string[]) => {
    const files = markdownFilesUnder(paths).map((f) => ({ name: relative(process.cwd(), f), text: readFileSync(f, 'utf8') }));
    const { publish } = await import('../lambdas/usecases/publish');
    await withTarget(async (t) => {
      const r = await publish(t, files);
      console.log(`published ${r.articles.length} article(s), ${r.issues.length} issue(s)`);
      for (const id of [...r.articles, ...r.issues]) console.log(`  ${id}`);
    });
  });

program
  .command('send-digest')
  .description('plan the digest (the latest issue, or --issue) and send it through the local queue and sender')
  .option('--issue <id>', 'issue id (default: the latest issue)')
  .action(async (opts: { issueId?: string; issue?: string }) => {
    await withTarget(async (t) => {
      const result = await t.plan(opts.issue);
      if (result.status === 'skipped') {
        console.log(`nothing sent: ${result.reason}${result.issueId ? ` (${result.issueId})` : ''}`);
        return;
      }
      console.log(`queued ${result.recipients} recipient(s) of ${result.issueId} in ${result.batches} batch(es)`);
      if (!t.waitForSends) {
        console.log('queued on the deployed send queue; follow it with `npm run cli -- --stack <name> deliveries <issue>`');
        return;
      }
      const { deadLettered } = await t.waitForSends(result.batches);
      const deliveries = await t.ledger.list(result.issueId);
      const count = (s: string) => deliveries.filter((d) => d.status === s).length;
      console.log(`ledger for ${result.issueId}: ${count('sent')} sent, ${count('failed')} failed, ${count('claimed')} in flight`);
      if (deadLettered > 0) {
        console.error(`${deadLettered} batch(es) went to the dead-letter queue`);
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
    await withTarget(async (t) => {
      const topics = opts.topics.split(',').map((t) => t.trim()).filter(Boolean);
      const s = await addSubscriber(t, { email, topics, alerts: opts.alerts, digest: opts.digest }, 'cli');
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
    await withTarget(async (t) => {
      const r = await importSubscribers(t, csv);
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
    await withTarget(async (t) => {
      const rows = await t.ledger.list(campaignId);
      for (const d of rows) console.log(`${d.subscriberId}  ${d.status.padEnd(7)}  ${d.sentAt ?? d.claimedAt}  ${d.sesMessageId ?? d.error ?? ''}`);
      console.log(`${rows.length} deliveries`);
    });
  });

program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
