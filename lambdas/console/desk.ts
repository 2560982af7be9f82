/**
 * What the console's pages read and change, as ports (core/ports.ts), made once per function
 * instance from its environment through the composition root (lambdas/wiring.ts): the Content
 * table (issues, articles), the Deliveries table (campaign counters, the ledger's figures, the
 * sending state, the audit log), the digest's schedule, for owners the Subscribers table
 * (counts and search through the readers index, a reader's record, erase, revoke links, import),
 * and the sender's settings, signing keys and SES for the message preview and test sends. The role granted on AWS is exactly what
 * these calls need (lib/constructs/function-permissions.ts, `console`).
 */
import { auditDays, type AuditLog } from '../core/audit';
import { readEnv } from '../core/env';
import { ENV } from '../core/function-env';
import type { ContentCatalog } from '../core/find';
import type {
  CampaignCounters,
  Clock,
  ContentIds,
  ContentStore,
  DeliveryEvents,
  IssueScheduler,
  Ledger,
  TopicUsage,
  Mailer,
  SettingsStore,
  SubscriptionStore,
} from '../core/ports';
import type { DraftStore } from '../core/drafts';
import type { ClickCounts, SubjectTests } from '../core/click-ports';
import type { DigestSchedule } from '../core/schedule';
import type { SendingStateStore } from '../core/sending-state';
import {
  addressDigestLoader,
  consoleIssueSchedulerFromEnv,
  deskSendPorts,
  documentClient,
  dynamoPorts,
  sesClient,
  sesPorts,
  signingKeysLoader,
} from '../wiring';
import type { AudienceCount, IssueEdits, IssuePlanTrigger } from '../core/desk-send-ports';
import { lambdaPlanTrigger } from '../adapters/lambda-plan-trigger';
import type { AddressDigest } from '../core/address';
import { DynamoReaderIndex, type ReaderIndex } from '../adapters/dynamodb/reader-index';
import { articlesByTopic } from '../adapters/dynamodb/topic-usage';
import type { PrivacyDeps } from '../usecases/privacy';
import type { MailSettings } from '../core/mail-settings';
import type { SigningKeys } from '../core/tokens';
import { TEST_SENDS_PER_HOUR, type PreviewDeps, type TestMessageDeps, type TestSendAllowance } from '../usecases/test-send';
import { DynamoTestSendAllowance } from '../adapters/dynamodb/test-send-allowance';
import { DynamoDoctorVerdicts } from '../adapters/dynamodb/doctor-verdicts';
import { DynamoConfirmations, type Confirmations } from '../adapters/dynamodb/confirmations';
import type { DoctorVerdicts } from '../core/doctor-verdict';

/** What the preview and a test send need: the sender's own settings and keys, and SES (usecases/test-send.ts). */
export interface DeskMail {
  content: TestMessageDeps['content'];
  settings: MailSettings;
  keys: () => Promise<SigningKeys>;
  mailer: Mailer;
}

export interface Desk {
  clock: Clock;
  audit: AuditLog;
  /** Days an audit entry is kept. */
  auditDays: number;
  catalog: ContentCatalog;
  content: Pick<ContentStore, 'getIssue' | 'getArticles' | 'latestIssue'>;
  ids: ContentIds;
  counters: Pick<CampaignCounters, 'get'>;
  ledger: Pick<Ledger, 'list'>;
  clicks: Pick<ClickCounts, 'list'>;
  subjectTests: Pick<SubjectTests, 'get'>;
  sending: Pick<SendingStateStore, 'get' | 'buckets' | 'resume'>;
  /** The digest's schedule as deployed; absent when none is set. */
  schedule?: DigestSchedule;
  /** What editors typed and have not published. */
  drafts: DraftStore;
  /**
   * What a save goes through: publish's stores (usecases/save-content.ts). `topicUsage` (with a
   * Subscribers table) lets the settings page save topics: a topic still used cannot be dropped.
   */
  editing: { content: ContentStore; settings: SettingsStore; ids: ContentIds; schedules?: IssueScheduler; topicUsage?: TopicUsage };
  /** The digest's delivery mode as deployed (read-only on the settings page); absent when not set. */
  delivery?: { mode: string; localTime?: string };
  /** The Subscribers pages' ports (owners); absent when the function is given no Subscribers table. */
  subscribers?: DeskSubscribers;
  /** The preview and test sends; absent when the function has no sender settings (SENDER_EMAIL unset). */
  mail?: DeskMail;
  /** Each editor's test messages this hour (at most TEST_SENDS_PER_HOUR). */
  testSends: TestSendAllowance;
  /** Send confirmations used: each goes once. */
  confirmations: Confirmations;
  /** The doctor's last verdict, as `npm run cli -- doctor` kept it (Home shows it). */
  doctor: Pick<DoctorVerdicts, 'latest'>;
  /** Sending an issue (pages/send.ts): the digest audience counted; absent, the page cannot confirm. */
  audience?: AudienceCount;
  /** An issue's sendAt and subject test changed in place. */
  edits?: IssueEdits;
  /** Issues' one-time schedules (EventBridge Scheduler on AWS; locally the stored sendAt is the schedule). */
  schedules?: IssueScheduler;
  /** Runs the digest planner for an issue now (Lambda, asynchronously; locally `npm start`'s planner). */
  planner?: IssuePlanTrigger;
}

/** What the Subscribers pages use (pages/subscribers.ts, pages/subscriber-import.ts): the CLI's use-cases' ports. */
export interface DeskSubscribers {
  store: SubscriptionStore;
  /** Counts and address-prefix search without a Scan (the readers index). */
  readers: ReaderIndex;
  /** A reader's ledger entries (export, erase). */
  deliveries: DeliveryEvents;
  /** The erasure markers' keyed digest (the stack's address key). */
  digest: () => Promise<AddressDigest>;
  /** Topics, for the import's checks. */
  settings: SettingsStore;
  /** The sending pause's reason, scrubbed of an erased address. */
  pause: NonNullable<PrivacyDeps['pause']>;
  /** Reserved domains (.test, .example) accepted: locally only, as for the CLI. */
  allowReservedDomains: boolean;
}

/** What the preview composes with: the sender's settings and keys, for the sample reader only (the console reads no subscriber). */
export async function samplePreviewDeps(mail: DeskMail, now: Date): Promise<PreviewDeps> {
  return {
    content: mail.content,
    settings: mail.settings,
    keys: await mail.keys(),
    clock: { now: () => now },
    subscribers: { getByEmail: () => Promise.reject(new Error('the console previews for the sample reader only')) },
  };
}

/** The desk from the function's environment (set by lib/constructs/console.ts, or by `npm start`). */
export function deskFromEnv(clock: Clock, env: NodeJS.ProcessEnv = process.env): Desk {
  const { contentTable, deliveriesTable, digestScheduleCron, digestTimeZone } = readEnv(
    ['contentTable', 'deliveriesTable', 'digestScheduleCron', 'digestTimeZone'],
    env,
  );
  const db = dynamoPorts(documentClient(), { content: contentTable, deliveries: deliveriesTable });
  const days = auditDays(env[ENV.auditRetentionDays], ENV.auditRetentionDays);
  const subscribersTable = env[ENV.subscribersTable];
  let subscribers: DeskSubscribers | undefined;
  let topicUsage: TopicUsage | undefined;
  if (subscribersTable) {
    const { addressKeySecretArn, addressKey, reservedDomains } = readEnv(['addressKeySecretArn', 'addressKey', 'reservedDomains'], env);
    const sdb = dynamoPorts(documentClient(), { subscribers: subscribersTable });
    subscribers = {
      store: sdb.subscriptions,
      readers: new DynamoReaderIndex(documentClient(), subscribersTable),
      deliveries: db.deliveryEvents,
      digest: addressDigestLoader({ addressKeySecretArn, addressKey }),
      settings: db.settings,
      pause: db.sendingState,
      allowReservedDomains: reservedDomains,
    };
    // Readers are counted on the readers index (the console's role has no Scan).
    const readers = subscribers.readers;
    topicUsage = {
      articlesByTopic: (topics) => articlesByTopic(documentClient(), contentTable, topics),
      readersByTopic: (topics) => readers.readersByTopic(topics),
    };
  }
  const plannerArn = env[ENV.digestPlannerArn];
  return {
    clock,
    audit: db.audit(days),
    auditDays: days,
    catalog: db.catalog,
    content: db.content,
    ids: db.content,
    counters: db.counters,
    ledger: db.ledger,
    clicks: db.clicks,
    subjectTests: db.subjectTests,
    sending: db.sendingState,
    schedule: digestScheduleCron && digestTimeZone ? { cron: digestScheduleCron, timeZone: digestTimeZone } : undefined,
    drafts: db.drafts,
    editing: { content: db.content, settings: db.settings, ids: db.content, schedules: consoleIssueSchedulerFromEnv(env), topicUsage },
    delivery: env[ENV.digestDelivery] ? { mode: env[ENV.digestDelivery]!, localTime: env[ENV.digestLocalTime] || undefined } : undefined,
    subscribers,
    mail: env[ENV.senderEmail] ? deskMail(db.content, env) : undefined,
    testSends: new DynamoTestSendAllowance(documentClient(), deliveriesTable, TEST_SENDS_PER_HOUR),
    doctor: new DynamoDoctorVerdicts(documentClient(), deliveriesTable),
    confirmations: new DynamoConfirmations(documentClient(), deliveriesTable),
    ...deskSendPorts(documentClient(), { content: contentTable, subscribers: env[ENV.subscribersTable] || undefined }),
    schedules: consoleIssueSchedulerFromEnv(env),
    planner: plannerArn ? lambdaPlanTrigger(plannerArn) : undefined,
  };
}

/** The sender's settings as the stack gives them to the sender (lib/constructs/console.ts setMailSettings; npm start). */
function deskMail(content: DeskMail['content'], env: NodeJS.ProcessEnv): DeskMail {
  const e = readEnv(
    [
      'senderEmail',
      'senderName',
      'publicBaseUrl',
      'configurationSet',
      'organisationName',
      'postalAddress',
      'replyToEmail',
      'clickTracking',
      'tokenSecretArn',
      'tokenKeys',
    ],
    env,
  );
  return {
    content,
    settings: {
      senderEmail: e.senderEmail,
      senderName: e.senderName,
      publicBaseUrl: e.publicBaseUrl.replace(/\/+$/, ''),
      configurationSet: e.configurationSet,
      organisationName: e.organisationName,
      postalAddress: e.postalAddress,
      replyToEmail: e.replyToEmail,
      clickTracking: e.clickTracking,
    },
    keys: signingKeysLoader(e),
    mailer: sesPorts(sesClient(), e.configurationSet).mailer,
  };
}
