/**
 * What the console's pages read and change, as ports (core/ports.ts), made once per function
 * instance from its environment through the composition root (lambdas/wiring.ts): the Content
 * table (issues, articles), the Deliveries table (campaign counters, the ledger's figures, the
 * sending state, the audit log), the digest's schedule. The role granted on AWS is exactly what
 * these calls need (lib/constructs/function-permissions.ts, `console`).
 */
import { auditDays, type AuditLog } from '../core/audit';
import { readEnv } from '../core/env';
import { ENV } from '../core/function-env';
import type { ContentCatalog } from '../core/find';
import type { CampaignCounters, Clock, ContentIds, ContentStore, IssueScheduler, Ledger } from '../core/ports';
import type { ClickCounts, SubjectTests } from '../core/click-ports';
import type { DigestSchedule } from '../core/schedule';
import type { SendingStateStore } from '../core/sending-state';
import type { AudienceCount, IssueEdits, IssuePlanTrigger } from '../core/desk-send-ports';
import { lambdaPlanTrigger } from '../adapters/lambda-plan-trigger';
import { consoleIssueSchedulerFromEnv, deskSendPorts, documentClient, dynamoPorts } from '../wiring';

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
  /** Sending an issue (pages/send.ts): the digest audience counted; absent, the page cannot confirm. */
  audience?: AudienceCount;
  /** An issue's sendAt and subject test changed in place. */
  edits?: IssueEdits;
  /** Issues' one-time schedules (EventBridge Scheduler on AWS; locally the stored sendAt is the schedule). */
  schedules?: IssueScheduler;
  /** Runs the digest planner for an issue now (Lambda, asynchronously; locally `npm start`'s planner). */
  planner?: IssuePlanTrigger;
}

/** The desk from the function's environment (set by lib/constructs/console.ts, or by `npm start`). */
export function deskFromEnv(clock: Clock, env: NodeJS.ProcessEnv = process.env): Desk {
  const { contentTable, deliveriesTable, digestScheduleCron, digestTimeZone } = readEnv(
    ['contentTable', 'deliveriesTable', 'digestScheduleCron', 'digestTimeZone'],
    env,
  );
  const db = dynamoPorts(documentClient(), { content: contentTable, deliveries: deliveriesTable });
  const days = auditDays(env[ENV.auditRetentionDays], ENV.auditRetentionDays);
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
    ...deskSendPorts(documentClient(), { content: contentTable, subscribers: env[ENV.subscribersTable] || undefined }),
    schedules: consoleIssueSchedulerFromEnv(env),
    planner: plannerArn ? lambdaPlanTrigger(plannerArn) : undefined,
  };
}
