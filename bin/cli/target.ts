/** Where a CLI command acts: the local stack that `npm start` runs, or a deployed stack. */
import { join } from 'node:path';
import { GetQueueAttributesCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SingleBar, Presets } from 'cli-progress';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { localAddressKey, localConfig } from '../../lib/local/config';
import { stackOutputs } from '../../lib/aws-target';
import type { DynamoSendingState } from '../../lambdas/adapters/dynamodb/sending-state';
import type {
  CampaignCounters,
  Clock,
  ContentIds,
  ContentStore,
  SettingsStore,
  TopicUsage,
  DeliveryEvents,
  IssueScheduler,
  Ledger,
  ReaderAlertHistory,
  SubscriberStore,
  SubscriptionStore,
} from '../../lambdas/core/ports';
import type { ClickCounts, SubjectTests } from '../../lambdas/core/click-ports';
import type { LocalTimePlans } from '../../lambdas/core/local-time-ports';
import type { ContentCatalog, SubscriberDirectory } from '../../lambdas/core/find';
import { AddressKeyMismatchError, verifyAddressKey, type AddressDigest } from '../../lambdas/core/address';
import { DynamoAddressMigration } from '../../lambdas/adapters/dynamodb/address-migration';
import type { AddressMigrationStore } from '../../lambdas/usecases/migrate-addresses';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { backfillAudienceKeys } from '../../lambdas/adapters/dynamodb';
import type { SendingPause } from '../../lambdas/core/sending-state';
import { planDigest, type PlanResult } from '../../lambdas/usecases/plan-digest';
import {
  addressDigestLoader,
  documentClient,
  dynamoPorts,
  issueScheduler,
  plannerPorts,
  schedulerClient,
  sqsClient,
  sqsPorts,
  systemClock,
  topicUsage,
} from '../../lambdas/wiring';

/** Where a command acts: the local stack (default) or a deployed one (`--stack <name>`). */
export interface Target {
  /** Articles and issues; with the settings' reader, so test sends and previews name topics by their labels. */
  content: ContentStore & Pick<SettingsStore, 'getSettings'>;
  /** Every stored issue and article id: a command given an unknown id names the nearest (usecases/find-content.ts). */
  ids: ContentIds;
  /** The newsletter's settings (topics, page text), and where topics are used (publish, add, import). */
  settings: SettingsStore;
  topicUsage: TopicUsage;
  /** Articles and issues, and readers, page by page: the operator's listings (core/find.ts). */
  catalog: ContentCatalog;
  directory: SubscriberDirectory;
  subscribers: SubscriberStore;
  /** The same table with conditional changes and erasure markers (add, import, erase, revoke-links, migrate-addresses). */
  subscriptions: SubscriptionStore;
  /** Keyed digests of addresses, with the target's address key (the stack's secret, or the local key file). */
  digest: () => Promise<AddressDigest>;
  /** The local stack: addresses at reserved domains (.test, .example, ...) are accepted there. */
  local: boolean;
  /** What `migrate-addresses` reads and rewrites: a Scan of the Subscribers table, and the ledger by subscriber. */
  migration: { store: AddressMigrationStore; deliveries: DeliveryEvents };
  ledger: Ledger;
  clock: Clock;
  /** Plan the digest onto the target's send queue. */
  plan(issueId?: string): Promise<PlanResult>;
  /**
   * Local only: wait for the in-process queue and show progress, in batches and in recipients
   * of `campaignId` (its counters). On AWS the deployed sender works on its own.
   */
  waitForSends?(batches: number, campaignId: string): Promise<{ deadLettered: number; paused?: SendingPause }>;
  /** Per-issue send counters and state. */
  counters?: CampaignCounters;
  /** Put dead-lettered send jobs back; returns what was done, for the operator. */
  redrive?(): Promise<string>;
  /** The account-wide sending pause and reputation counts (adapters/dynamodb/sending-state.ts). */
  sending: DynamoSendingState;
  /** Clicks through the redirect, per campaign and article. */
  clicks: ClickCounts;
  /** Issues' subject tests: the winner, for `stats`. */
  subjectTests: SubjectTests;
  /** Alerts each reader got or had held back (a digest's personal sections; `preview --email`). */
  history?: ReaderAlertHistory;
  /** Issues' one-time schedules (`sendAt`); absent for a stack deployed before them. */
  schedules?: IssueScheduler;
  /** The time zone the digest schedule is read in: scheduled times are shown in it as well. */
  timeZone?: string;
  /** Local-time delivery: each issue's progress by zone. */
  localTimePlans?: LocalTimePlans;
  /** Give every subscriber the audience-index keys its state calls for (`backfill-zones`). */
  backfillZones?(): Promise<{ scanned: number; updated: number }>;
}

export type WithTarget = <T>(fn: (t: Target) => Promise<T>) => Promise<T>;

/** Runs `fn` against the deployed stack named by `stack`, or against the local stack. */
export async function withTarget<T>(stack: string | undefined, fn: (t: Target) => Promise<T>): Promise<T> {
  if (stack) {
    const out = await stackOutputs(stack);
    const db = dynamoPorts(documentClient(), {
      content: out.contentTable,
      subscribers: out.subscribersTable,
      deliveries: out.deliveriesTable,
    });
    const { queue } = sqsPorts(sqsClient(), { sendQueueUrl: out.sendQueueUrl });
    const o = out.optional;
    // Publishing makes an issue's schedule: the group, the planner and the role come from the stack.
    const schedules =
      o.issueScheduleGroup && o.issueScheduleRoleArn && o.digestPlannerArn
        ? issueScheduler(schedulerClient(), {
            groupName: o.issueScheduleGroup,
            target: { plannerArn: o.digestPlannerArn, roleArn: o.issueScheduleRoleArn, deadLetterArn: o.issueScheduleDeadLetterArn },
          })
        : undefined;
    const secret = o.addressKeySecretName;
    return fn({
      schedules,
      timeZone: o.digestTimeZone,
      content: db.content,
      ids: db.content,
      settings: db.settings,
      topicUsage: topicUsage(documentClient(), { content: out.contentTable, subscribers: out.subscribersTable }),
      catalog: db.catalog,
      directory: db.directory,
      subscribers: db.subscribers,
      subscriptions: db.subscriptions,
      digest: secret
        ? checkedDigest(addressDigestLoader({ addressKeySecretArn: secret }), db.subscriptions)
        : () =>
            Promise.reject(
              new Error(
                `stack ${stack} has no AddressKeySecretName output: redeploy it (npx cdk deploy) before adding, importing or erasing addresses`,
              ),
            ),
      local: false,
      migration: { store: new DynamoAddressMigration(documentClient(), out.subscribersTable), deliveries: db.deliveryEvents },
      ledger: db.ledger,
      clock: systemClock,
      // The planner function's inputs, schedules included: a subject test's rest is scheduled as on AWS.
      plan: (issueId) => planDigest(plannerPorts(db, { queue, clock: systemClock, schedules }).plan, { issueId }),
      counters: db.counters,
      redrive: () => redriveDeployed(sqsClient(), out.sendQueueUrl),
      sending: db.sendingState,
      clicks: db.clicks,
      subjectTests: db.subjectTests,
      history: db.history,
      localTimePlans: db.localTimePlans,
      backfillZones: () => backfillAudienceKeys(documentClient(), out.subscribersTable),
    });
  }

  let rt: LocalRuntime;
  try {
    const config = localConfig();
    rt = await startRuntime({ startEmulators: false, http: false, config, outboxDir: join(config.dataDir, 'outbox') });
  } catch (e) {
    if (e instanceof AddressKeyMismatchError) throw e;
    throw new Error(
      `cannot reach the local stack (${(e as Error).message}).\n` +
        'Start it with `npm start` in another terminal, or set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SES, or use --stack <name> for a deployed stack.',
    );
  }
  try {
    const db = dynamoPorts(documentClient(), rt.config.tables);
    const sending = db.sendingState;
    const drain = () => drainUnlessPaused(rt, sending);
    return await fn({
      content: db.content,
      ids: db.content,
      settings: db.settings,
      topicUsage: topicUsage(documentClient(), rt.config.tables),
      catalog: db.catalog,
      directory: db.directory,
      subscribers: db.subscribers,
      subscriptions: db.subscriptions,
      digest: checkedDigest(addressDigestLoader({ addressKey: localAddressKey(rt.config.dataDir) }), db.subscriptions),
      local: true,
      migration: { store: new DynamoAddressMigration(documentClient(), rt.config.tables.subscribers), deliveries: db.deliveryEvents },
      ledger: db.ledger,
      clock: systemClock,
      // The local queue lives in this process: an issue left unfinished by a killed run is
      // planned again (resume), and the ledger turns everyone already served into a skip.
      plan: (issueId) => rt.planDigest({ issueId, resume: true }),
      counters: rt.counters,
      sending,
      clicks: db.clicks,
      subjectTests: db.subjectTests,
      history: db.history,
      // `npm start` plans issues whose sendAt has come (lib/local/issue-schedules.ts): nothing to schedule here.
      schedules: new LocalIssueScheduler(),
      timeZone: rt.config.timeZone,
      localTimePlans: db.localTimePlans,
      backfillZones: () => backfillAudienceKeys(documentClient(), rt.config.tables.subscribers),
      async redrive() {
        const moved = rt.queue.redrive();
        const result = await rt.planDigest({ resume: true });
        const paused = result.status !== 'skipped' ? await drain() : undefined;
        if (paused) return `sending paused again: ${paused.reason}`;
        return `${moved} dead-lettered job(s) in this process moved back; latest issue: ${result.status === 'skipped' ? `nothing to resume (${result.reason})` : `re-planned ${result.recipients} recipient(s), sent what was missing`}`;
      },
      async waitForSends(batches, campaignId) {
        const bar = new SingleBar({ format: 'sending |{bar}| {value}/{total} batches', hideCursor: true }, Presets.shades_classic);
        bar.start(batches, 0);
        const timer = setInterval(() => bar.update(Math.min(batches, rt.queue.stats().delivered)), 200);
        // The campaign counters drive a second line: recipients done (sent, failed, suppressed) of the audience.
        const people = new SingleBar({ format: 'recipients |{bar}| {value}/{total} {detail}', hideCursor: true }, Presets.shades_classic);
        const peopleTimer = setInterval(() => {
          void rt.counters.get(campaignId).then((p) => {
            if (!p) return;
            people.setTotal(p.planned ?? p.queued);
            people.update(p.sent + p.failed + p.suppressed, {
              detail: `${p.sent} sent, ${p.failed} failed, ${p.suppressed} suppressed, ${p.skipped} skipped`,
            });
          });
        }, 500);
        let paused: SendingPause | undefined;
        try {
          paused = await drain();
        } finally {
          clearInterval(timer);
          clearInterval(peopleTimer);
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
async function drainUnlessPaused(rt: LocalRuntime, sending: DynamoSendingState) {
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
async function redriveDeployed(sqs: SQSClient, queueUrl: string): Promise<string> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy'] }));
  const queueArn = attrs.Attributes?.QueueArn;
  const dlqArn = attrs.Attributes?.RedrivePolicy
    ? (JSON.parse(attrs.Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  if (!queueArn || !dlqArn) throw new Error('the send queue has no dead-letter queue in its redrive policy');
  const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn }));
  return `moving dead letters back to the send queue (task ${task.TaskHandle ?? '?'}); the ledger skips anyone already served`;
}

/** The address key, once checked against the one the table was used with (core/address.ts `verifyAddressKey`). */
function checkedDigest(load: () => Promise<AddressDigest>, store: SubscriptionStore): () => Promise<AddressDigest> {
  let checked: Promise<AddressDigest> | undefined;
  return () =>
    (checked ??= (async () => {
      const digest = await load();
      await verifyAddressKey(store, digest);
      return digest;
    })());
}
