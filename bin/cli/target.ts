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
  waitForSends?(batches: number): Promise<{ deadLettered: number; paused?: import('../../lambdas/core/sending-brake').SendingPause }>;
  /** Per-issue send counters and state. */
  counters?: import('../../lambdas/core/ports').CampaignCounters;
  /** Put dead-lettered send jobs back; returns what was done, for the operator. */
  redrive?(): Promise<string>;
  /** The account-wide sending pause and reputation counts (adapters/sending-state.ts). */
  sending: import('../../lambdas/adapters/sending-state').DynamoSendingState;
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
    const { DynamoCampaignCounters } = await import('../../lambdas/adapters/dynamodb');
    const counters = new DynamoCampaignCounters(documentClient(), out.deliveriesTable);
    return fn({
      content,
      subscribers,
      ledger: new DynamoLedger(documentClient(), out.deliveriesTable),
      clock: systemClock,
      plan: (issueId) => planDigest({ content, subscribers, queue, clock: systemClock, counters }, { issueId }),
      counters,
      redrive: () => redriveDeployed(sqsClient(), out.sendQueueUrl),
      sending: new (await import('../../lambdas/adapters/sending-state')).DynamoSendingState(documentClient(), out.deliveriesTable),
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
    const sending = new (await import('../../lambdas/adapters/sending-state')).DynamoSendingState(documentClient(), t.deliveries);
    const drain = () => drainUnlessPaused(rt, sending);
    return await fn({
      content: new DynamoContentStore(documentClient(), t.content),
      subscribers: new DynamoSubscriberStore(documentClient(), t.subscribers),
      ledger: new DynamoLedger(documentClient(), t.deliveries),
      clock: systemClock,
      // The local queue lives in this process: an issue left unfinished by a killed run is
      // planned again (resume), and the ledger turns everyone already served into a skip.
      plan: (issueId) => rt.planDigest({ issueId, resume: true }),
      counters: rt.counters,
      sending,
      async redrive() {
        const moved = rt.queue.redrive();
        const result = await rt.planDigest({ resume: true });
        const paused = result.status !== 'skipped' ? await drain() : undefined;
        if (paused) return `sending paused again: ${paused.reason}`;
        return `${moved} dead-lettered job(s) in this process moved back; latest issue: ${result.status === 'skipped' ? `nothing to resume (${result.reason})` : `re-planned ${result.recipients} recipient(s), sent what was missing`}`;
      },
      async waitForSends(batches) {
        const bar = new SingleBar({ format: 'sending |{bar}| {value}/{total} batches', hideCursor: true }, Presets.shades_classic);
        bar.start(batches, 0);
        const timer = setInterval(() => bar.update(Math.min(batches, rt.queue.stats().delivered)), 200);
        // The campaign counters drive a second line: recipients done (sent, failed, suppressed) of the audience.
        const campaignId = (await import('./sending')).currentCampaign;
        const people = campaignId ? new SingleBar({ format: 'recipients |{bar}| {value}/{total} {detail}', hideCursor: true }, Presets.shades_classic) : undefined;
        const peopleTimer = people
          ? setInterval(() => {
              void rt.counters.get(campaignId!).then((p) => {
                if (!p) return;
                people.setTotal(p.planned ?? p.queued);
                people.update(p.sent + p.failed + p.suppressed, { detail: `${p.sent} sent, ${p.failed} failed, ${p.suppressed} suppressed, ${p.skipped} skipped` });
              });
            }, 500)
          : undefined;
        let paused: import('../../lambdas/core/sending-brake').SendingPause | undefined;
        try {
          paused = await drain();
        } finally {
          clearInterval(timer);
          if (peopleTimer) clearInterval(peopleTimer);
          bar.update(Math.min(batches, rt.queue.stats().delivered));
          bar.stop();
        }
        return { deadLettered: rt.queue.stats().deadLettered, paused };
      },
    });
  } finally {
    await rt.stop();
  }
}


/**
 * Wait for the local queue to empty, or stop waiting once sending is paused account-wide and
 * no handler is running (the paused jobs would only come back, delayed, again and again). The
 * campaign stays unfinished; `resume` plans it again. Returns the pause, if that ended the wait.
 */
async function drainUnlessPaused(rt: LocalRuntime, sending: import('../../lambdas/adapters/sending-state').DynamoSendingState) {
  let done = false;
  const watch = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 500));
      if (done || rt.queue.stats().running > 0) continue;
      const { pause } = await sending.get();
      if (pause) return pause;
    }
    return undefined;
  })();
  try {
    return await Promise.race([rt.queue.drain(60 * 60_000).then(() => undefined), watch]);
  } finally {
    done = true;
  }
}

/**
 * Move the deployed send queue's dead letters back (SQS StartMessageMoveTask from the
 * dead-letter queue named in its redrive policy to the queue itself).
 */
async function redriveDeployed(sqs: import('@aws-sdk/client-sqs').SQSClient, queueUrl: string): Promise<string> {
  const { GetQueueAttributesCommand, StartMessageMoveTaskCommand } = await import('@aws-sdk/client-sqs');
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  const dlqArn = attrs.Attributes?.RedrivePolicy ? (JSON.parse(attrs.Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
  if (!queueArn || !dlqArn) throw new Error('the send queue has no dead-letter queue in its redrive policy');
  const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn }));
  return `moving dead letters back to the send queue (task ${task.TaskHandle ?? '?'}); the ledger skips anyone already served`;
}
