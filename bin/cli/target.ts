/** Where a CLI command acts: the local stack that `npm start` runs, or a deployed stack. */
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { localConfig } from '../../lib/local/config';
import { stackOutputs } from '../../lib/aws-target';

/** Where a command acts: the local stack (default) or a deployed one (`--stack <name>`). */
export interface Target {
  content: import('../../lambdas/core/ports').ContentStore;
  subscribers: import('../../lambdas/core/ports').SubscriberStore;
  ledger: import('../../lambdas/core/ports').Ledger;
  clock: import('../../lambdas/core/ports').Clock;
  /** Plan the digest onto the target's send queue. */
  plan(issueId?: string): Promise<import('../../lambdas/usecases/plan-digest').PlanResult>;
  /** Local only: wait for the in-process queue and show progress. On AWS the deployed sender works on its own. */
  waitForSends?(batches: number): Promise<{ deadLettered: number }>;
}

export type WithTarget = <T>(fn: (t: Target) => Promise<T>) => Promise<T>;

/** Runs `fn` against the deployed stack named by `stack`, or against the local stack. */
export async function withTarget<T>(stack: string | undefined, fn: (t: Target) => Promise<T>): Promise<T> {
  const { DynamoContentStore, DynamoSubscriberStore, DynamoLedger } = await import('../../lambdas/adapters/dynamodb');
  if (stack) {
    const out = await stackOutputs(stack);
    const { documentClient, sqsClient } = await import('../../lambdas/adapters/clients');
    const { SqsSendQueue } = await import('../../lambdas/adapters/sqs-queue');
    const { systemClock } = await import('../../lambdas/adapters/system-clock');
    const { planDigest } = await import('../../lambdas/usecases/plan-digest');
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
    const { documentClient } = await import('../../lambdas/adapters/clients');
    const { systemClock } = await import('../../lambdas/adapters/system-clock');
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

