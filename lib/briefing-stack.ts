import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { BriefingConfig } from './config';
import { Alerts } from './constructs/alerts';
import { AddressKey } from './constructs/address-key';
import { Api } from './constructs/api';
import { ApiDomain } from './constructs/api-domain';
import { type DnsRecord, DnsRecords } from './constructs/dns-records';
import { Console } from './constructs/console';
import { Editors } from './constructs/editors';
import type { BriefingFunction } from './constructs/briefing-function';
import { Monitoring } from './constructs/monitoring';
import { Scheduling } from './constructs/scheduling';
import { SesEvents } from './constructs/ses-events';
import { Sending } from './constructs/sending';
import { Signups } from './constructs/signups';
import { ENV } from '../lambdas/core/function-env';
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
  /** The sign-up queue and the function that confirms and welcomes. */
  readonly signups: Signups;
  /** The secret the keyed digests of addresses are made with (erasure markers, sign-up limits). */
  readonly addressKey: AddressKey;
  readonly monitoring: Monitoring;
  readonly sesEvents: SesEvents;
  /** The API's custom domain, when `apiDomainName` is set. */
  readonly apiDomain?: ApiDomain;
  /** The sending domain's DNS records (and the API domain's CNAME when no zone holds it). */
  readonly dns: DnsRecords;
  /** The base of the links in mail. */
  readonly publicBaseUrl: string;
  /** Sign-in for the editor's desk: the user pool, its role groups, the managed login and the desk's client. */
  readonly editors: Editors;
  /** The editor's console under /admin: its own function on the HTTP API. */
  readonly console: Console;

  constructor(scope: Construct, id: string, props: BriefingStackProps) {
    const { config } = props;
    super(scope, id, { description: `${config.newsletterName}: newsletter and alert pipeline`, ...props });

    this.storage = new Storage(this, 'Storage');

    // Imported by its attributes, never looked up: `cdk synth` runs offline, without credentials.
    const zone =
      config.hostedZoneId && config.hostedZoneName
        ? route53.PublicHostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
            hostedZoneId: config.hostedZoneId,
            zoneName: config.hostedZoneName,
          })
        : undefined;

    this.sending = new Sending(this, 'Sending', {
      contentTable: this.storage.content,
      deliveriesTable: this.storage.deliveries,
      senderEmail: config.senderEmail,
      senderName: config.senderName,
      organisationName: config.organisationName,
      postalAddress: config.postalAddress,
      replyToEmail: config.replyToEmail,
      mailFromDomain: config.mailFromDomain,
      existingIdentity: config.existingIdentity,
      tokenSecretName: config.tokenSecretName,
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
      digestDelivery: config.digestDelivery,
      digestLocalTime: config.digestLocalTime,
    });

    this.alerts = new Alerts(this, 'Alerts', {
      contentTable: this.storage.content,
      subscribersTable: this.storage.subscribers,
      sendQueue: this.sending.queue,
      deliveriesTable: this.storage.deliveries,
      dailyCap: config.alertDailyCap,
    });

    // Other sites allowed to POST /subscribe from their pages: `-c corsOrigins=https://a.example,https://b.example`.
    this.api = new Api(this, 'Api', {
      subscribersTable: this.storage.subscribers,
      contentTable: this.storage.content,
      deliveriesTable: this.storage.deliveries,
      corsOrigins: config.corsOrigins ?? [],
    });
    // Article links in digests and alerts go through the API's /r/<token> (counted there).
    this.sending.sender.fn.addEnvironment(ENV.clickTracking, config.clickTracking);
    this.sending.grantTokenSecret(this.api.handler);

    // Sign-ups: the API queues each one (and each welcome); the sign-ups function looks the
    // address up and sends the mail, so the API answers every address alike and sends nothing.
    this.signups = new Signups(this, 'Signups', {
      subscribersTable: this.storage.subscribers,
      contentTable: this.storage.content,
      coolingDays: config.signupCoolingDays,
    });
    this.api.setSignupQueue(this.signups.queue);
    this.addressKey = new AddressKey(this, 'AddressKey', { secretName: config.addressKeySecretName });
    this.addressKey.grantRead(this.api.handler);
    this.addressKey.grantRead(this.signups.handler);
    this.sending.grantTokenSecret(this.signups.handler);
    if (config.apiDomainName) {
      this.apiDomain = new ApiDomain(this, 'ApiDomain', {
        httpApi: this.api.httpApi,
        stage: this.api.stage,
        domainName: config.apiDomainName,
        certificateArn: config.certificateArn,
        zone,
      });
    }
    // Links in mail point at the public URL: one given as such (e.g. a CDN in front), else the
    // API's custom domain, else the API itself.
    this.publicBaseUrl = config.publicBaseUrl ?? this.apiDomain?.url ?? this.api.url;
    this.sending.setPublicBaseUrl(this.publicBaseUrl);
    // The sign-ups function sends the confirmation and welcome messages; the API sends none.
    this.sending.grantSendMail(this.signups.handler);
    this.api.setMailSettings({ senderName: config.senderName, publicBaseUrl: this.publicBaseUrl });
    this.api.setDigestDelivery(config.digestDelivery, config.digestLocalTime, { cron: config.scheduleCron, timeZone: config.timeZone });
    this.signups.setMailSettings({
      senderEmail: config.senderEmail,
      senderName: config.senderName,
      organisationName: config.organisationName,
      postalAddress: config.postalAddress,
      replyToEmail: config.replyToEmail,
      publicBaseUrl: this.publicBaseUrl,
      digestSchedule: this.scheduling.digestSchedule,
    });

    // The desk will be served under /admin by the API (its own URL, and its custom domain when
    // there is one). The client names the API only by its URL: nothing of the API refers back.
    this.editors = new Editors(this, 'Editors', {
      consoleBaseUrls: [this.api.url, ...(this.apiDomain ? [this.apiDomain.url] : [])],
    });

    // The console answers /admin on the same HTTP API, with its own function and role; it is
    // reached at the API's custom domain when there is one (the client's first callback URL).
    this.console = new Console(this, 'Console', {
      httpApi: this.api.httpApi,
      editors: this.editors,
      baseUrl: this.apiDomain?.url ?? this.api.url,
      contentTable: this.storage.content,
      deliveriesTable: this.storage.deliveries,
      subscribersTable: this.storage.subscribers,
      digestSchedule: { cron: config.scheduleCron, timeZone: config.timeZone },
      digestDelivery: { mode: config.digestDelivery, localTime: this.scheduling.digestSchedule.localTime },
      auditRetentionDays: config.auditRetentionDays,
      digestPlanner: this.scheduling.planner.fn,
      issueSchedules: {
        group: this.scheduling.issueScheduleGroup,
        role: this.scheduling.issueScheduleRole,
        deadLetterArn: this.scheduling.deadLetterQueue.queueArn,
      },
    });
    // The Subscribers pages' erase and import use the erasure markers' keyed digest.
    this.addressKey.grantRead(this.console.handler);
    // The preview and test sends: the sender's settings, its signing keys, and SendRawEmail From the sender only.
    this.console.setMailSettings({
      senderEmail: config.senderEmail,
      senderName: config.senderName,
      organisationName: config.organisationName,
      postalAddress: config.postalAddress,
      replyToEmail: config.replyToEmail,
      publicBaseUrl: this.publicBaseUrl,
      clickTracking: config.clickTracking,
    });
    this.sending.grantSendMail(this.console.handler);
    this.sending.grantTokenSecret(this.console.handler);

    this.dns = new DnsRecords(this, 'Dns', { zone, records: this.dnsRecords(config) });

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
      Signups: this.signups.handler,
      Console: this.console.handler,
    };
    this.monitoring = new Monitoring(this, 'Monitoring', {
      deadLetterQueues: {
        Send: this.sending.deadLetterQueue,
        Schedule: this.scheduling.deadLetterQueue,
        PlannerFailures: this.scheduling.failureDeadLetterQueue,
        PlanContinuation: this.scheduling.continuationDeadLetterQueue,
        SesEvents: this.sesEvents.deadLetterQueue,
        SesEventFailures: this.sesEvents.failureQueue,
        Alerts: this.alerts.deadLetterQueue,
        Signups: this.signups.deadLetterQueue,
      },
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      alarmEmail: config.alarmEmail,
      topicDisplayName: `${config.newsletterName} alarms`,
      sendQueue: this.sending.queue,
      httpApi: this.api.httpApi,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'PublicBaseUrl', { value: this.publicBaseUrl, description: 'Base of the links in mail' });
    new CfnOutput(this, 'SendQueueUrl', { value: this.sending.queue.queueUrl });
    new CfnOutput(this, 'SubscribersTable', { value: this.storage.subscribers.tableName });
    new CfnOutput(this, 'ContentTable', { value: this.storage.content.tableName });
    new CfnOutput(this, 'DeliveriesTable', { value: this.storage.deliveries.tableName });
    new CfnOutput(this, 'SenderEmail', { value: config.senderEmail });
    // The rest of the sender's settings: `send-test` and `preview` compose the real message from them.
    new CfnOutput(this, 'SenderName', { value: config.senderName });
    new CfnOutput(this, 'OrganisationName', { value: config.organisationName });
    new CfnOutput(this, 'PostalAddress', { value: config.postalAddress });
    if (config.replyToEmail) new CfnOutput(this, 'ReplyToEmail', { value: config.replyToEmail });
    new CfnOutput(this, 'SenderDomain', { value: this.sending.senderDomain, description: 'The SES identity' });
    if (this.sending.createdIdentity) {
      new CfnOutput(this, 'MailFromDomain', { value: this.sending.mailFromDomain, description: 'Custom MAIL FROM domain (SPF alignment)' });
    } else {
      new CfnOutput(this, 'IdentityNote', {
        value: `existingIdentity=true: the SES identity ${this.sending.senderDomain} is the account's own; its DKIM and MAIL FROM are not set by this stack (configure them in SES)`,
      });
    }
    new CfnOutput(this, 'ConfigurationSetName', { value: this.sending.configurationSet.configurationSetName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DigestSchedule', {
      value: config.scheduleCron,
      description: 'EventBridge Scheduler expression of the weekly digest',
    });
    new CfnOutput(this, 'DigestTimeZone', { value: config.timeZone });
    // Publishing an issue with sendAt makes its one-time schedule: in this group, invoking the planner through this role.
    new CfnOutput(this, 'IssueScheduleGroup', {
      value: this.scheduling.issueScheduleGroupName,
      description: "Schedule group of issues' one-time schedules (sendAt)",
    });
    new CfnOutput(this, 'IssueScheduleRoleArn', { value: this.scheduling.issueScheduleRole.roleArn });
    new CfnOutput(this, 'DigestPlannerArn', { value: this.scheduling.planner.fn.functionArn });
    new CfnOutput(this, 'IssueScheduleDeadLetterArn', { value: this.scheduling.deadLetterQueue.queueArn });
    new CfnOutput(this, 'IssuePublisherPolicyArn', {
      value: this.scheduling.issuePublisherPolicy.managedPolicyArn,
      description: 'Attach to whoever publishes issues with sendAt (schedule actions on the group, iam:PassRole on the schedule role)',
    });
    if (this.monitoring.dashboard) new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'AddressKeySecretName', {
      value: this.addressKey.secretName,
      description: 'Kept when the stack is destroyed; deploy again with -c addressKeySecretName=<this> so erased addresses stay refused',
    });
    new CfnOutput(this, 'TokenSecretName', {
      value: this.sending.tokenSecretName,
      description: 'Kept when the stack is destroyed; deploy again with -c tokenSecretName=<this> so links already in inboxes keep working',
    });
    // What `cli editors` acts on, and where editors sign in.
    new CfnOutput(this, 'EditorsUserPoolId', {
      value: this.editors.userPool.userPoolId,
      description: 'User pool of the editors (cli editors)',
    });
    new CfnOutput(this, 'EditorsClientId', { value: this.editors.client.userPoolClientId, description: "The editor's desk's app client" });
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.apiDomain?.url ?? this.api.url}/admin/`, description: "The editor's console" });
    new CfnOutput(this, 'EditorsLoginDomain', { value: this.editors.loginDomainUrl, description: 'Managed login domain of the editors' });
    new CfnOutput(this, 'EditorsSignInUrl', {
      value: this.editors.signInUrl,
      description: 'Managed login page: an invited editor signs in here first (new password, authenticator app)',
    });
    // Easy DKIM's three CNAMEs, always listed (also when the hosted zone has them): doctor's
    // fixes and docs/operations.md name these outputs, and earlier deployments had them.
    this.sending.createdIdentity?.dkimRecords.forEach((record, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}` });
    });
    // One record per output, each a line to paste: what no hosted zone of this stack manages.
    this.dns.unmanaged.forEach((line, i) => {
      new CfnOutput(this, `DnsRecord${i + 1}`, { value: line, description: 'Add this record to the DNS of the domain' });
    });
  }

  /**
   * The DNS records the sending domain needs (and the API's custom domain when no zone holds
   * it): DKIM and MAIL FROM only when this stack created the identity (it knows their values).
   */
  private dnsRecords(config: BriefingConfig): DnsRecord[] {
    const records: DnsRecord[] = [];
    const identity = this.sending.createdIdentity;
    if (identity) {
      identity.dkimRecords.forEach((r, i) => records.push({ id: `Dkim${i + 1}`, name: r.name, type: 'CNAME', value: r.value }));
      const mailFrom = this.sending.mailFromDomain;
      // Bounces come back to SES through this MX; the SPF record lets SES send as this domain.
      records.push({ id: 'MailFromMx', name: mailFrom, type: 'MX', value: `10 feedback-smtp.${Aws.REGION}.amazonses.com` });
      records.push({ id: 'MailFromSpf', name: mailFrom, type: 'TXT', value: 'v=spf1 include:amazonses.com ~all' });
    }
    if (config.dmarcRecord === 'create') {
      // p=none: receivers report but do not reject while SPF and DKIM alignment are confirmed.
      const rua = config.dmarcReportEmail ? `; rua=mailto:${config.dmarcReportEmail}` : '';
      records.push({ id: 'Dmarc', name: `_dmarc.${this.sending.senderDomain}`, type: 'TXT', value: `v=DMARC1; p=none${rua}` });
    }
    if (this.apiDomain?.dnsRecord) {
      records.push({ id: 'ApiDomain', name: this.apiDomain.dnsRecord.name, type: 'CNAME', value: this.apiDomain.dnsRecord.value });
    }
    return records;
  }
}
