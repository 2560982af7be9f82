/**
 * What the console's pages read and change, as ports (core/ports.ts), made once per function
 * instance from its environment through the composition root (lambdas/wiring.ts): the Content
 * table (issues, articles), the Deliveries table (campaign counters, the ledger's figures, the
 * sending state, the audit log), the digest's schedule, and the sender's settings, signing keys
 * and SES for the message preview and test sends. The role granted on AWS is exactly what
 * these calls need (lib/constructs/function-permissions.ts, `console`).
 */
import { auditDays, type AuditLog } from '../core/audit';
import { readEnv } from '../core/env';
import { ENV } from '../core/function-env';
import type { ContentCatalog } from '../core/find';
import type { CampaignCounters, Clock, ContentIds, ContentStore, Ledger, Mailer } from '../core/ports';
import type { ClickCounts, SubjectTests } from '../core/click-ports';
import type { DigestSchedule } from '../core/schedule';
import type { SendingStateStore } from '../core/sending-state';
import type { MailSettings } from '../core/mail-settings';
import type { SigningKeys } from '../core/tokens';
import type { TestMessageDeps } from '../usecases/test-send';
import { documentClient, dynamoPorts, sesClient, sesPorts, signingKeysLoader } from '../wiring';

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
  /** The preview and test sends; absent when the function has no sender settings (SENDER_EMAIL unset). */
  mail?: DeskMail;
}

/** The desk from the function's environment (set by lib/constructs/console.ts, or by `npm start`). */
export function deskFromEnv(clock: Clock, env: NodeJS.ProcessEnv = process.env): Desk {
  const { contentTable, deliveriesTable, digestScheduleCron, digestTimeZone } = readEnv(
    ['contentTable', 'deliveriesTable', 'digestScheduleCron', 'digestTimeZone'],
    env,
  );
  const db = dynamoPorts(documentClient(), { content: contentTable, deliveries: deliveriesTable });
  const days = auditDays(env[ENV.auditRetentionDays], ENV.auditRetentionDays);
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
    mail: env[ENV.senderEmail] ? deskMail(db.content, env) : undefined,
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
