import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { BriefingConfig } from './config';
import { Alerts } from './constructs/alerts';
import { Api } from './constructs/api';
import type { BriefingFunction } from './constructs/briefing-function';
import { Monitoring } from './constructs/monitoring';
import { Scheduling } from './constructs/scheduling';
import { SesEvents } from './constructs/ses-events';
import { Sending } from './constructs/sending';
import { Storage } from './constructs/storage';

/** Props of {@link BriefingStack}. */
export interface BriefingStackProps extends StackProps {
  /** Validated settings (see `lib/config.ts`). */
  readonly config: BriefingConfig;
}

/** The whole pipeline in one stack: storage, sending, scheduling, the HTTP API and alarms. */
export class BriefingStack extends Stack {
  readonly storage: Storage;
  readonly sending: Sending;
  readonly scheduling: Scheduling;
  readonly alerts: Alerts;
  readonly api: Api;
  readonly monitoring: Monitoring;
  readonly sesEvents: SesEvents;

  constructor(scope: Construct, id: string, props: BriefingStackProps) {
    const { config } = props;
    super(scope, id, { description: `${config.newsletterName}: newsletter and alert pipeline`, ...props });

    this.storage = new Storage(this, 'Storage');

    this.sending = new Sending(this, 'Sending', {
      contentTable: this.storage.content,
      deliveriesTable: this.storage.deliveries,
      senderEmail: config.senderEmail,
      senderName: config.senderName,
      maxConcurrency: config.senderConcurrency,
      subscribersTable: this.storage.subscribers,
    });

    this.scheduling = new Scheduling(this, 'Scheduling', {
      contentTable: this.storage.content,
      subscribersTable: this.storage.subscribers,
      sendQueue: this.sending.queue,
      deliveriesTable: this.storage.deliveries,
      scheduleCron: config.scheduleCron,
      timeZone: config.timeZone,
    });

    this.alerts = new Alerts(this, 'Alerts', {
      contentTable: this.storage.content,
      subscribersTable: this.storage.subscribers,
      sendQueue: this.sending.queue,
      deliveriesTable: this.storage.deliveries,
      dailyCap: config.alertDailyCap,
    });

    // Other sites allowed to POST /subscribe from their pages: `-c corsOrigins=https://a.example,https://b.example`.
    const corsOrigins = String(this.node.tryGetContext('corsOrigins') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    this.api = new Api(this, 'Api', { subscribersTable: this.storage.subscribers, corsOrigins });
    this.sending.grantTokenSecret(this.api.handler.fn);
    // Links in mail point at the public URL when there is one (a custom domain), else at the API itself.
    this.sending.setPublicBaseUrl(config.publicBaseUrl ?? this.api.url);
    // The API sends the confirmation and welcome messages itself.
    this.sending.grantSendMail(this.api.handler.fn);
    this.api.setMailSettings({ senderEmail: config.senderEmail, senderName: config.senderName, publicBaseUrl: config.publicBaseUrl ?? this.api.url });

    // Bounces, complaints and deliveries: configuration set ─► SNS ─► ses-events function.
    this.sesEvents = new SesEvents(this, 'SesEvents', {
      subscribersTable: this.storage.subscribers,
      deliveriesTable: this.storage.deliveries,
    });
    this.sending.publishEventsTo(this.sesEvents.topic);

    const functions: Record<string, BriefingFunction> = {
      Sender: this.sending.sender,
      DigestPlanner: this.scheduling.planner,
      AlertPlanner: this.alerts.planner,
      Api: this.api.handler,
      SesEvents: this.sesEvents.handler,
    };
    this.monitoring = new Monitoring(this, 'Monitoring', {
      deadLetterQueues: {
        Send: this.sending.deadLetterQueue,
        Schedule: this.scheduling.deadLetterQueue,
        PlanContinuation: this.scheduling.continuationDeadLetterQueue,
        SesEvents: this.sesEvents.deadLetterQueue,
        Alerts: this.alerts.deadLetterQueue,
      },
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      alarmEmail: config.alarmEmail,
      topicDisplayName: `${config.newsletterName} alarms`,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'SendQueueUrl', { value: this.sending.queue.queueUrl });
    new CfnOutput(this, 'SubscribersTable', { value: this.storage.subscribers.tableName });
    new CfnOutput(this, 'ContentTable', { value: this.storage.content.tableName });
    new CfnOutput(this, 'DeliveriesTable', { value: this.storage.deliveries.tableName });
    // Easy DKIM: publish these three CNAMEs in the sender domain's DNS to verify it.
    this.sending.identity.dkimRecords.forEach((record, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}` });
    });
  }
}

