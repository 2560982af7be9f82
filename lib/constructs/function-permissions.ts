/**
 * What each role of the stack may do, and why: the one table every IAM grant of the stack is
 * made from (BriefingFunction.allow / grantTable / consumeQueue, lib/constructs/briefing-function.ts)
 * and that test/infra/roles.test.ts checks the synthesized template against, role by role.
 *
 * Read it as: function → resource → IAM action → the adapter method (or AWS service) that needs
 * it. It lives here, beside the construct that grants from it, rather than beside each handler:
 * a newcomer asking "what may the sender do?" finds all five functions (and the stack's other
 * roles) on one page, and the handlers stay free of CDK. Found by reading the code each handler
 * reaches: lambdas/<function>/handler.ts → lambdas/wiring.ts → lambdas/adapters/**, through the
 * use-cases it runs (an adapter in a bundle does not mean each of its methods is called).
 *
 * Two columns per function:
 *   calls    what the function's own code asks for (SDK calls, in lambdas/adapters/); the role
 *            test also checks that each DynamoDB, SES, SQS, Scheduler and Secrets Manager action
 *            here has its SDK call in the function's bundle (so nothing is declared that nobody calls)
 *   service  what AWS does with the role on the function's behalf: the event source poller, an
 *            on-failure destination, the function's logs, X-Ray
 *
 * IAM names some calls differently from the SDK: `SendMessageBatch` is authorised as
 * `sqs:SendMessage`; `TransactWriteItems` per item as `PutItem`, `UpdateItem`, `DeleteItem` or
 * `ConditionCheckItem` (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html);
 * Powertools' secret read (`SecretsProvider.get`) is `GetSecretValue` alone. A Query on a global secondary index needs
 * the index's ARN (`<table ARN>/index/<name>`), not the table's.
 *
 * Adding a function: add its row to FUNCTION_PERMISSIONS (keyed by its folder under lambdas/, whose
 * handler.ts is its entry) and build it with `new BriefingFunction(scope, id, { name })`; its grants
 * come from the row, and the role test picks it up by itself. A new kind of resource also needs
 * its name in ResourceName and in the test's map of names to ARNs (test/infra/roles.ts).
 */
import { INDEXES } from '../../lambdas/core/indexes';
import type { TableKey } from '../../lambdas/core/table-schema';
import { ADDRESS_KEY, FROM_SENDER, ON_FAILURE, RUNTIME, sendMail, SQS_POLLER, TOKEN_KEYS } from './grant-parts';
import { CONSOLE_PERMISSIONS } from './console-permissions';

/** An index name of the tables (lambdas/core/indexes.ts). */
export type IndexName = (typeof INDEXES)[keyof typeof INDEXES];

/** The queues a role sends to or reads from. */
export type QueueName =
  /** Send jobs: planners queue them, the sender consumes them. */
  | 'send'
  /** The digest planner's own continuations of a large plan. */
  | 'plan-continuation'
  /** The digest planner's failed asynchronous invocations (its on-failure destination). */
  | 'planner-failures'
  /** SES events the ses-events function failed after Lambda's retries (its on-failure destination). */
  | 'ses-events-failures'
  /** Stream batches the alert planner failed every attempt (its event source's on-failure destination). */
  | 'alert-failures'
  /** Invocations EventBridge Scheduler gave up on (weekly and issues' schedules). */
  | 'schedule-dead-letter'
  /** Web sign-ups and welcomes: the API queues them, the sign-ups function consumes them. */
  | 'signups';

/**
 * A resource, by name. Tables by their key in lambdas/core/table-schema.ts; `ses/identity` is the
 * sender's domain identity, `ses/recipients` every identity (the SES sandbox also authorises a send
 * against the recipient's verified identity); `logs/own` is the function's own log group.
 */
export type ResourceName =
  | `table/${TableKey}`
  | `table/${TableKey}/index/${IndexName}`
  | `table/${TableKey}/stream`
  | `queue/${QueueName}`
  | 'ses/identity'
  | 'ses/configuration-set'
  | 'ses/recipients'
  | 'secret/token-keys'
  | 'secret/address-key'
  | 'secret/console-session'
  | 'schedules/issues'
  | 'role/issue-schedule'
  | 'function/digest-planner'
  | 'logs/own'
  | '*';

/** IAM action → why it is needed (the adapter method or the AWS feature that uses it). */
export type Actions = Readonly<Record<string, string>>;
/** Resource → its actions. */
export type Grants = Readonly<Partial<Record<ResourceName, Actions>>>;

/** What one role (or managed policy) may do. */
export interface Permissions {
  /** What the code calls. */
  readonly calls: Grants;
  /** What AWS does with the role on the code's behalf. */
  readonly service: Grants;
  /**
   * Condition keys every statement on the resource must carry (their values are set where the
   * grant is made, e.g. the sender's address for `ses:FromAddress`).
   */
  readonly conditions?: Readonly<Partial<Record<ResourceName, readonly string[]>>>;
}

/** The seven functions, by their folder under lambdas/ (entry `lambdas/<name>/handler.ts`). */
export const FUNCTION_PERMISSIONS = {
  /** lambdas/api/handler.ts: every route of the HTTP API. It sends no mail: sign-ups and welcomes go to the sign-up queue. */
  api: {
    calls: {
      'table/subscribers': {
        'dynamodb:GetItem':
          'DynamoRateLimiter.take (POST /subscribe: the client network limit); DynamoSubscriberStore.getById of a merged id (its forward item)',
        'dynamodb:PutItem': 'DynamoRateLimiter.take (POST /subscribe): the limit item, conditional on its revision',
        'dynamodb:UpdateItem':
          'DynamoSubscriptionStore.change (POST /confirm, POST /preferences), DynamoSubscriberStore.unsubscribe (POST /unsubscribe)',
      },
      'table/subscribers/index/bySubscriberId': {
        'dynamodb:Query': 'DynamoSubscriberStore.getById: links carry the subscriber id (confirm, preferences, unsubscribe)',
      },
      'table/content': {
        'dynamodb:GetItem':
          'DynamoContentStore.getIssue (GET /archive/<issue>, GET /r/<token>), getArchiveSnapshot (GET /archive/<issue>); getSettings: topics and page text (GET /, /preferences)',
        'dynamodb:BatchGetItem': "DynamoContentStore.getArticles: an issue's articles (GET /archive/<issue>, GET /r/<token>)",
      },
      'table/content/index/byKind': {
        'dynamodb:Query': 'DynamoContentStore.sentIssues (GET /archive, GET /feed.xml)',
      },
      'table/deliveries': {
        'dynamodb:UpdateItem': 'DynamoClickCounts.count, noteReader (GET /r/<token>): the click attributes only',
      },
      'queue/signups': {
        'sqs:SendMessage': 'SqsSignupQueue.enqueue: a sign-up (POST /subscribe) or a welcome (POST /confirm)',
      },
      ...TOKEN_KEYS,
      ...ADDRESS_KEY,
    },
    service: RUNTIME,
    conditions: {
      // lib/constructs/api.ts CLICK_ATTRIBUTES: a public function must not rewrite the ledger.
      'table/deliveries': ['dynamodb:Attributes', 'dynamodb:ReturnValues'],
    },
  },

  /** lambdas/console/handler.ts: the editor's console under /admin (console-permissions.ts). */
  console: CONSOLE_PERMISSIONS,

  /** lambdas/signups/handler.ts: a queued web sign-up (look up, store, confirm) or welcome. */
  signups: {
    calls: {
      'table/subscribers': {
        'dynamodb:GetItem':
          'DynamoSubscriberStore.getByEmail, DynamoSubscriptionStore.isErased, DynamoRateLimiter.take and giveBack (the mailbox limit)',
        'dynamodb:PutItem': 'DynamoSubscriptionStore.create: a new sign-up, conditional; DynamoRateLimiter: the mailbox limit item',
        'dynamodb:UpdateItem': 'DynamoSubscriptionStore.change: a fresh confirmation, the welcome claim (welcomedAt)',
      },
      'table/subscribers/index/bySubscriberId': {
        'dynamodb:Query': 'DynamoSubscriberStore.getById: the welcome job names the subscriber id',
      },
      'table/subscribers/index/byMailbox': {
        'dynamodb:Query': 'DynamoSubscriptionStore.inboxMembers: whether another form of the inbox said no (usecases/inbox-keep-out.ts)',
      },
      'table/content': {
        'dynamodb:GetItem': "DynamoContentStore.getSettings: the topics' labels in the confirmation and the welcome",
      },
      'table/content/index/byKind': {
        'dynamodb:Query': "DynamoContentStore.latestIssue: the welcome's link to the latest issue",
      },
      ...sendMail('SesMailer.sendRaw: the confirmation and the welcome'),
      ...TOKEN_KEYS,
      ...ADDRESS_KEY,
    },
    service: {
      'queue/signups': SQS_POLLER,
      ...RUNTIME,
    },
    conditions: FROM_SENDER,
  },

  /** lambdas/sender/handler.ts: one queued batch of send jobs. */
  sender: {
    calls: {
      'table/content': {
        'dynamodb:GetItem':
          "DynamoContentStore.getIssue: a digest job's issue; getSettings: the topics' labels in an alert's reason (campaignCache)",
        'dynamodb:BatchGetItem': "DynamoContentStore.getArticles: the issue's articles, an alert's article, a reader's held-back alerts",
      },
      'table/subscribers': {
        'dynamodb:BatchGetItem': 'DynamoRecipientGate.allowed: the send-time check of a batch',
      },
      'table/deliveries': {
        'dynamodb:PutItem': "DynamoLedger.claim, markSuppressed, and claimNew's TransactWriteItems (Put items only)",
        'dynamodb:GetItem': 'DynamoLedger.get (a claim another sender holds), DynamoSendingState.get (the account-wide pause)',
        'dynamodb:UpdateItem':
          'DynamoLedger.markFailed, DynamoCampaignCounters.add and setState, DynamoSendingState (open, takeProbe, releaseProbe, reopen, closeByProbe, addCounts), DynamoReaderAlertHistory.resolveDeferred',
        'dynamodb:DeleteItem': "DynamoLedger.release (a claim given back), DynamoReaderAlertHistory's emptied waiting-alerts item",
        'dynamodb:BatchWriteItem': 'DynamoLedger.markSent: `sent` entries written together (batchWriteAll, puts only)',
        'dynamodb:BatchGetItem': "DynamoReaderAlertHistory.alerted, deferred: a digest batch's readers",
        'dynamodb:Query': "DynamoReaderAlertHistory.anyDeferred, DynamoSendingState.buckets (a quota pause: the day's sends)",
      },
      'queue/send': {
        'sqs:SendMessage': 'SqsSendQueue.enqueue (SendMessageBatch): recipients put back while paused or out of time',
      },
      ...sendMail('SesMailer.sendRaw: one digest or alert per reader'),
      '*': {
        // GetSendQuota supports no resource-level permission.
        'ses:GetSendQuota':
          "readSendQuota, askSendQuota: the account's send rate and daily quota (adapters/send-rate.ts ratePorts, SendingBrake)",
      },
      ...TOKEN_KEYS,
    },
    service: {
      'queue/send': SQS_POLLER,
      ...RUNTIME,
    },
    conditions: FROM_SENDER,
  },

  /** lambdas/digest-planner/handler.ts: the weekly (or local-time) digest, issues' schedules, continuations. */
  'digest-planner': {
    calls: {
      'table/content': {
        'dynamodb:GetItem': 'DynamoContentStore.getIssue: a named or scheduled issue',
        'dynamodb:BatchGetItem': "DynamoContentStore.getArticles: the issue's articles",
        'dynamodb:UpdateItem': 'DynamoContentStore.markIssuePlanned',
        'dynamodb:PutItem': "DynamoContentStore.putArchiveSnapshot: a sent issue's articles as sent (conditional: once)",
      },
      'table/content/index/byKind': {
        'dynamodb:Query': 'DynamoContentStore.latestIssue (the weekly run), unsentIssuesFrom (local time: an issue still going out)',
      },
      'table/subscribers/index/digestAudience': {
        'dynamodb:Query': 'DynamoSubscriberStore.digestAudiencePage',
      },
      'table/subscribers/index/digestByZone': {
        'dynamodb:Query': 'DynamoZoneAudience.zonePage (local-time delivery)',
      },
      'table/deliveries': {
        'dynamodb:GetItem':
          'DynamoCampaignCounters.get (resume), DynamoSubjectTests.get, DynamoClickCounts.list (a subject test: clicks per subject), DynamoLocalTimePlans.get, DynamoLedger.get (local time: a reader who moved zone)',
        'dynamodb:UpdateItem':
          'DynamoCampaignCounters.startPlanning, add, finishPlanning; DynamoSubjectTests.markTestQueued, decide; DynamoLocalTimePlans.advance',
        'dynamodb:Query': "DynamoLedger.list (campaignPartition): a subject test's deliveries per subject",
      },
      'queue/send': {
        'sqs:SendMessage': 'SqsSendQueue.enqueue (SendMessageBatch): the audience in jobs of 50',
      },
      'queue/plan-continuation': {
        'sqs:SendMessage': 'SqsPlanContinuation.continueLater (SendMessage): the rest of a large plan',
      },
      'schedules/issues': {
        'scheduler:CreateSchedule': "EventBridgeIssueScheduler.schedule: the one-time schedule of a subject test's rest",
        'scheduler:UpdateSchedule': 'EventBridgeIssueScheduler.schedule: when that schedule exists already',
        'scheduler:DeleteSchedule': "EventBridgeIssueScheduler.cancel: an issue's schedule once planned",
      },
      'role/issue-schedule': {
        'iam:PassRole': 'CreateSchedule and UpdateSchedule name the role the schedule invokes the planner with',
      },
    },
    service: {
      'queue/plan-continuation': SQS_POLLER,
      'queue/planner-failures': ON_FAILURE,
      ...RUNTIME,
    },
    conditions: { 'role/issue-schedule': ['iam:PassedToService'] },
  },

  /** lambdas/alert-planner/handler.ts: a breaking article from the Content table's stream. */
  'alert-planner': {
    calls: {
      'table/content': {
        'dynamodb:BatchGetItem': "DynamoContentStore.getArticles: the stream record's article",
        'dynamodb:UpdateItem': 'DynamoContentStore.markArticleAlerted',
      },
      'table/subscribers/index/alertAudience': {
        'dynamodb:Query': 'DynamoSubscriberStore.alertAudiencePage',
      },
      'table/deliveries': {
        'dynamodb:UpdateItem':
          "DynamoAlertCaps.admit, and admitMany's TransactWriteItems (Update items only); DynamoReaderAlertHistory.defer: the waiting-alerts set (in its transaction, and alone on a retry)",
        'dynamodb:PutItem': 'DynamoReaderAlertHistory.defer: the `deferred` ledger entry (a Put item of its TransactWriteItems)',
      },
      'queue/send': {
        'sqs:SendMessage': 'SqsSendQueue.enqueue (SendMessageBatch): the alert in jobs of 50',
      },
    },
    service: {
      'table/content/stream': {
        'dynamodb:DescribeStream': "event source: the Lambda stream poller reads the Content table's stream",
        'dynamodb:GetShardIterator': 'event source: the poller',
        'dynamodb:GetRecords': 'event source: the poller',
      },
      'queue/alert-failures': {
        'sqs:SendMessage': 'event source on-failure destination: a batch that failed every attempt',
      },
      '*': {
        ...RUNTIME['*'],
        // ListStreams takes no resource narrower than "*".
        'dynamodb:ListStreams': 'event source: the poller lists the streams',
      },
      'logs/own': RUNTIME['logs/own'],
    },
  },

  /** lambdas/ses-events/handler.ts: bounces, complaints and deliveries from SNS. */
  'ses-events': {
    calls: {
      'table/subscribers': {
        'dynamodb:GetItem': 'DynamoSubscriberStore.getByEmail: each event names an address',
        'dynamodb:UpdateItem': 'DynamoSubscriptionStore.change: suppress, count or clear soft bounces',
      },
      'table/subscribers/index/byMailbox': {
        'dynamodb:Query':
          'DynamoSubscriptionStore.inboxMembers: a permanent bounce or a complaint suppresses every form of the inbox (usecases/inbox-forms.ts)',
      },
      'table/deliveries': {
        'dynamodb:GetItem': 'DynamoDeliveryEvents.findBySesMessageId; DynamoSendingState.get, campaignCounts (the reputation brake)',
        'dynamodb:UpdateItem': 'DynamoDeliveryEvents.record; DynamoSendingState.addCounts, addCampaign, open (the reputation brake)',
        'dynamodb:Query': 'DynamoSendingState.buckets: the last day of sends, bounces and complaints',
      },
      'table/deliveries/index/bySubscriber': {
        'dynamodb:Query': "DynamoDeliveryEvents.findBySesMessageId: the recipient's ledger entries",
      },
    },
    service: { 'queue/ses-events-failures': ON_FAILURE, ...RUNTIME },
  },
} as const satisfies Record<string, Permissions>;

/** A function of the stack: its folder under lambdas/. */
export type FunctionName = keyof typeof FUNCTION_PERMISSIONS;

/** The stack's roles and managed policies that are not a function's. */
export const OTHER_PERMISSIONS = {
  /** Scheduling/ScheduleRole: the weekly (or every-15-minutes) schedule's target role. */
  'weekly-schedule': {
    calls: {},
    service: {
      'function/digest-planner': { 'lambda:InvokeFunction': 'EventBridge Scheduler invokes the digest planner' },
      'queue/schedule-dead-letter': { 'sqs:SendMessage': 'EventBridge Scheduler: an invocation it gave up on' },
    },
  },
  /** Scheduling/IssueScheduleRole: issues' one-time schedules (sendAt) and a subject test's rest. */
  'issue-schedules': {
    calls: {},
    service: {
      'function/digest-planner': { 'lambda:InvokeFunction': 'EventBridge Scheduler invokes the digest planner for the issue' },
      'queue/schedule-dead-letter': { 'sqs:SendMessage': 'EventBridge Scheduler: an invocation it gave up on' },
    },
  },
  /** Scheduling/IssuePublisherPolicy: attached by operators to whoever runs `publish` for issues with sendAt. */
  'issue-publisher': {
    calls: {
      'schedules/issues': {
        'scheduler:CreateSchedule': "EventBridgeIssueScheduler.schedule (bin/cli/content.ts publish): an issue's sendAt",
        'scheduler:UpdateSchedule': 'EventBridgeIssueScheduler.schedule: a re-publish moves the schedule',
        'scheduler:DeleteSchedule': 'EventBridgeIssueScheduler.cancel: a re-publish without sendAt',
      },
      'role/issue-schedule': {
        'iam:PassRole': 'CreateSchedule and UpdateSchedule name the role the schedule invokes the planner with',
      },
    },
    service: {},
    conditions: { 'role/issue-schedule': ['iam:PassedToService'] },
  },
} as const satisfies Record<string, Permissions>;

/** A role or managed policy of the stack that is not a function's. */
export type OtherPrincipal = keyof typeof OTHER_PERMISSIONS;
/** Any principal the table describes. */
export type PrincipalName = FunctionName | OtherPrincipal;

/** The handler file of a function, relative to the repository root. */
export const handlerEntry = (name: FunctionName) => `lambdas/${name}/handler.ts`;

/** The table's row of a principal. */
export function permissionsOf(name: PrincipalName): Permissions {
  return name in FUNCTION_PERMISSIONS ? FUNCTION_PERMISSIONS[name as FunctionName] : OTHER_PERMISSIONS[name as OtherPrincipal];
}

/** The actions the row allows on `resource` (calls and service together), with why. */
export function actionsOn(name: PrincipalName, resource: ResourceName): Actions {
  const p = permissionsOf(name);
  return { ...p.calls[resource], ...p.service[resource] };
}

/** The resources the row names, in table order. */
export function resourcesOf(name: PrincipalName): ResourceName[] {
  const p = permissionsOf(name);
  return [...new Set([...Object.keys(p.calls), ...Object.keys(p.service)])] as ResourceName[];
}

/** The condition keys a statement on `resource` must carry. */
export function conditionKeysOn(name: PrincipalName, resource: ResourceName): readonly string[] {
  return permissionsOf(name).conditions?.[resource] ?? [];
}
