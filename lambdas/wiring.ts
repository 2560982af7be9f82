/**
 * The composition root: the one place that turns SDK clients, table names and queue URLs into
 * the ports the use-cases take (core/ports.ts). The six Lambda handlers, the local runtime,
 * the CLI, the bench and the test support all get their adapters from here; a new port gets its
 * adapter here too, never another hand-made set-up.
 *
 *   dynamoPorts(db, tables)            the stores of the Content, Subscribers and Deliveries tables
 *   sesPorts(ses, configurationSet)    the mailer and the account's send quota
 *   sqsPorts(sqs, { sendQueueUrl })    the send queue and the planner's own queue
 *   signupQueue(sqs, url)              the sign-up queue (API ─► sign-ups function)
 *   issueScheduler(scheduler, settings) issues' one-time schedules (EventBridge Scheduler)
 *   plannerPorts(db, io, localTime)    the digest planners' inputs (the planner function, npm start, send-digest)
 *   documentClient(), sesClient(), sqsClient(), systemClock, signingKeysLoader(env), addressDigestLoader(env)
 *   (the editors' user pool, editorDirectory(poolId), is in adapters/cognito-editors.ts: only the CLI uses it)
 *
 * Building a port only stores the client and a name: no request is made until it is used.
 * Every function's bundle includes this module: an adapter whose package esbuild cannot drop
 * when unused is imported where it is used instead.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDeliveryEvents } from './adapters/dynamodb/delivery-events';
import { DynamoAuditLog } from './adapters/dynamodb/audit-log';
import { DynamoDraftStore } from './adapters/dynamodb/drafts';
import type { AuditLog } from './core/audit';
import type {
  Clock,
  IssueArchive,
  IssueScheduler,
  SettingsStore,
  TopicUsage,
  PlanContinuation,
  RateLimiter,
  SendQueue,
  SignupQueue,
} from './core/ports';
import type { PlanDeps } from './usecases/plan-digest';
import type { LocalTimePlanDeps } from './usecases/plan-local-time';
import { subjectTestPorts } from './usecases/subject-test';
import { logger } from './adapters/logger';
import { ADDRESS_RULES, clientRules } from './core/sign-up-limits';
import { DynamoRateLimiter } from './adapters/dynamodb/rate-limits';
import { SqsSignupQueue } from './adapters/sqs-signup-queue';
import {
  DynamoAlertCaps,
  DynamoCampaignCounters,
  DynamoClickCounts,
  DynamoContentStore,
  DynamoLedger,
  DynamoLocalTimePlans,
  DynamoReaderAlertHistory,
  DynamoRecipientGate,
  DynamoSubjectTests,
  DynamoSubscriberStore,
  DynamoZoneAudience,
} from './adapters/dynamodb';
import { askSendQuota } from './adapters/send-quota';
import { DynamoSendingState } from './adapters/dynamodb/sending-state';
import { readSendQuota, SesMailer } from './adapters/ses-mailer';
import { SqsPlanContinuation } from './adapters/sqs-plan-continuation';
import { SqsSendQueue } from './adapters/sqs-queue';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeIssueScheduler, type IssueScheduleSettings } from './adapters/issue-scheduler';
import { schedulerClient } from './adapters/clients';
import { ENV } from './core/function-env';
import { DynamoSubscriptionStore } from './adapters/dynamodb/subscriptions';
import { DynamoTopicUsage } from './adapters/dynamodb/topic-usage';
import { DynamoContentCatalog, DynamoSubscriberDirectory } from './adapters/dynamodb/finder';
import { DynamoAudienceCount, DynamoIssueEdits } from './adapters/dynamodb/desk-send';

export { documentClient, schedulerClient, sesClient, sqsClient } from './adapters/clients';
export type { IssueScheduleSettings } from './adapters/issue-scheduler';
export { signingKeysLoader } from './adapters/signing-keys';
export { addressDigestLoader } from './adapters/address-key';
export { systemClock } from './adapters/system-clock';

/** The three tables' names (CDK outputs and function environment on AWS, lib/local/tables.ts here). */
export interface Tables {
  content: string;
  subscribers: string;
  deliveries: string;
}

/** What the Content table holds: articles and issues. */
export function contentPorts(db: DynamoDBDocumentClient, table: string) {
  const content = new DynamoContentStore(db, table);
  /**
   * `archive`: the public archive's reads (sent issues only); `settings`: topics and page text; both from the same store.
   * `catalog`: articles and issues page by page, newest first (the operator's listings).
   */
  return {
    content,
    archive: content as IssueArchive,
    settings: content as SettingsStore,
    catalog: new DynamoContentCatalog(db, table),
    /** What editors typed in the console and have not published (core/drafts.ts). */
    drafts: new DynamoDraftStore(db, table),
  };
}

/** Where topics are used (publish refuses to drop one that is): articles in Content, readers in Subscribers. */
export function topicUsage(db: DynamoDBDocumentClient, tables: Pick<Tables, 'content' | 'subscribers'>): TopicUsage {
  return new DynamoTopicUsage(db, tables);
}

/** What the Subscribers table holds: the readers, their audiences, and the send-time check. */
export function subscriberPorts(db: DynamoDBDocumentClient, table: string) {
  return {
    /** Reading readers and paging the audiences (planners, CLI). */
    subscribers: new DynamoSubscriberStore(db, table),
    /** The same store with conditional changes and erasure (subscribing, preferences, privacy, SES events). */
    subscriptions: new DynamoSubscriptionStore(db, table),
    /** Readers by status, topic, source and address prefix, page by page (the operator's listings). */
    directory: new DynamoSubscriberDirectory(db, table),
    /** Who may still be mailed when a queued job is sent. */
    gate: new DynamoRecipientGate(db, table),
    /** The digest audience by time zone (local-time delivery). */
    zones: new DynamoZoneAudience(db, table),
    /** The per-client limit on sign-up requests (the API), kept in this table so it holds across instances. */
    clientLimit: (clock: Clock, perMinute?: number): RateLimiter =>
      new DynamoRateLimiter(db, table, 'client', clientRules(perMinute), clock),
    /** The per-mailbox limit on confirmations (the sign-ups function): one an hour, three a day. */
    mailboxLimit: (clock: Clock): RateLimiter => new DynamoRateLimiter(db, table, 'address', ADDRESS_RULES, clock),
  };
}

/** What the Deliveries table holds: the ledger and everything kept beside it. */
export function deliveryPorts(db: DynamoDBDocumentClient, table: string) {
  return {
    ledger: new DynamoLedger(db, table),
    /** Per-campaign progress counters and state. */
    counters: new DynamoCampaignCounters(db, table),
    /** The daily alert cap. */
    caps: new DynamoAlertCaps(db, table),
    /** Alerts held back by the cap, and alerts already sent, per reader. */
    history: new DynamoReaderAlertHistory(db, table),
    /** The ledger found by subscriber (SES events, privacy requests). */
    deliveryEvents: new DynamoDeliveryEvents(db, table),
    /** The account-wide sending pause and the reputation counts. */
    sendingState: new DynamoSendingState(db, table),
    /** Clicks through the redirect, per campaign and article. */
    clicks: new DynamoClickCounts(db, table),
    /** An issue's subject test: when its share was queued, and the winner once decided. */
    subjectTests: new DynamoSubjectTests(db, table),
    /** Local-time delivery: how far each issue's plan has got. */
    localTimePlans: new DynamoLocalTimePlans(db, table),
    /** The console's audit log, kept `days` (core/audit.ts). */
    audit: (days: number): AuditLog => new DynamoAuditLog(db, table, days),
  };
}

type ContentPorts = ReturnType<typeof contentPorts>;
type SubscriberPorts = ReturnType<typeof subscriberPorts>;
type DeliveryPorts = ReturnType<typeof deliveryPorts>;

/** The ports of the tables named in `T`, and only those. */
export type DynamoPorts<T extends Partial<Tables>> = (T extends { content: string } ? ContentPorts : unknown) &
  (T extends { subscribers: string } ? SubscriberPorts : unknown) &
  (T extends { deliveries: string } ? DeliveryPorts : unknown);

/**
 * The DynamoDB ports of the tables given. A caller passes only the tables it has (a Lambda
 * function's environment names only the tables it may use) and gets the ports of those tables.
 */
export function dynamoPorts<T extends Partial<Tables>>(db: DynamoDBDocumentClient, tables: T): DynamoPorts<T> {
  return {
    ...(tables.content === undefined ? {} : contentPorts(db, tables.content)),
    ...(tables.subscribers === undefined ? {} : subscriberPorts(db, tables.subscribers)),
    ...(tables.deliveries === undefined ? {} : deliveryPorts(db, tables.deliveries)),
  } as DynamoPorts<T>;
}

/**
 * SES: the mailer (each message tagged with the configuration set, whose events come back
 * through SNS), and the account's send quota read two ways: `readQuota` fails when the endpoint
 * does not answer GetSendQuota (AWS), `askQuota` answers undefined then (an emulator; see
 * adapters/send-quota.ts).
 */
export function sesPorts(ses: SESClient, configurationSet?: string) {
  return {
    mailer: new SesMailer(ses, configurationSet),
    readQuota: () => readSendQuota(ses),
    askQuota: () => askSendQuota(ses),
  };
}

/** SQS: the send queue, and the digest planner's own queue for the rest of a large plan (when it has one). */
export function sqsPorts(sqs: SQSClient, queues: { sendQueueUrl: string; planQueueUrl?: string }) {
  return {
    queue: new SqsSendQueue(sqs, queues.sendQueueUrl),
    continuation: queues.planQueueUrl ? new SqsPlanContinuation(sqs, queues.planQueueUrl) : undefined,
  };
}

/** The sign-up queue: the API queues each sign-up and welcome for the sign-ups function. */
export function signupQueue(sqs: SQSClient, queueUrl: string): SignupQueue {
  return new SqsSignupQueue(sqs, queueUrl);
}

/** Issues' one-time schedules in the stack's schedule group (publish makes and moves them; the planner removes them). */
export function issueScheduler(scheduler: SchedulerClient, settings: IssueScheduleSettings): IssueScheduler {
  return new EventBridgeIssueScheduler(scheduler, settings);
}

/**
 * The planner's scheduler: removes an issue's schedule once planned, and schedules the rest of a
 * subject test, invoking this same function (its ARN from the account the stack gives and
 * Lambda's own AWS_REGION and AWS_LAMBDA_FUNCTION_NAME). None when the function has no group (an
 * older stack); one that can only remove schedules when the role is not given.
 */
export function issueSchedulerFromEnv(env: NodeJS.ProcessEnv = process.env): IssueScheduler | undefined {
  const groupName = env[ENV.issueScheduleGroup];
  if (!groupName) return undefined;
  const roleArn = env[ENV.issueScheduleRoleArn];
  const account = env[ENV.issueScheduleAccount];
  const region = env.AWS_REGION;
  const fnName = env.AWS_LAMBDA_FUNCTION_NAME;
  const partition = region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const target =
    roleArn && account && region && fnName
      ? {
          plannerArn: `arn:${partition}:lambda:${region}:${account}:function:${fnName}`,
          roleArn,
          deadLetterArn: env[ENV.issueScheduleDeadLetterArn],
        }
      : undefined;
  return issueScheduler(schedulerClient(), { groupName, target });
}

/**
 * The console's sending actions (usecases/desk-send.ts): an issue's sendAt and subject test
 * changed in place (Content), the digest audience counted (Subscribers' digestAudience index).
 */
export function deskSendPorts(db: DynamoDBDocumentClient, tables: { content: string; subscribers?: string }) {
  return {
    edits: new DynamoIssueEdits(db, tables.content),
    audience: tables.subscribers === undefined ? undefined : new DynamoAudienceCount(db, tables.subscribers),
  };
}

/**
 * Issues' one-time schedules made by the console: the same as publish's, invoking the digest
 * planner (its ARN given to the console). None when the environment names no group or planner.
 */
export function consoleIssueSchedulerFromEnv(env: NodeJS.ProcessEnv = process.env): IssueScheduler | undefined {
  const groupName = env[ENV.issueScheduleGroup];
  const plannerArn = env[ENV.digestPlannerArn];
  const roleArn = env[ENV.issueScheduleRoleArn];
  if (!groupName || !plannerArn || !roleArn) return undefined;
  return issueScheduler(schedulerClient(), {
    groupName,
    target: { plannerArn, roleArn, deadLetterArn: env[ENV.issueScheduleDeadLetterArn] },
  });
}

/** What local-time delivery adds to the planner's inputs. */
export type LocalTimePorts = Pick<LocalTimePlanDeps, 'zones' | 'plans' | 'localTime' | 'ledger' | 'unsent'>;

/**
 * The digest planners' inputs, built once for every caller (the planner function, `npm start`,
 * `send-digest`): the issue's content and audience, the send queue, the counters, the subject
 * test's record and outcome, the schedules that send the rest of a subject test, and in
 * local-time mode (`localTime`, the readers' `HH:MM`) the zone index and each issue's progress.
 */
export function plannerPorts(
  db: DynamoPorts<Tables>,
  io: { queue: SendQueue; clock: Clock; schedules?: IssueScheduler; continuation?: PlanContinuation },
  localTime?: string,
): { plan: PlanDeps; localTime?: LocalTimePorts } {
  const plan: PlanDeps = {
    content: db.content,
    subscribers: db.subscribers,
    queue: io.queue,
    clock: io.clock,
    counters: db.counters,
    continuation: io.continuation,
    schedules: io.schedules,
    subjectTests: subjectTestPorts({ ...db, log: (message, fields) => logger.info(message, fields) }),
  };
  return {
    plan,
    localTime:
      localTime === undefined ? undefined : { zones: db.zones, plans: db.localTimePlans, localTime, ledger: db.ledger, unsent: db.content },
  };
}
