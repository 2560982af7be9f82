import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/function-env';
import type { ApiMailSettings } from './api';
import { BriefingFunction } from './briefing-function';
import { deadLetterQueue } from './dead-letter-queue';

/** Props of {@link Signups}. */
export interface SignupsProps {
  /** Subscribers: sign-ups are stored here (pending), and the per-mailbox limit is kept here. */
  readonly subscribersTable: dynamodb.ITable;
  /** Content, read only: the latest issue the welcome links. */
  readonly contentTable: dynamodb.ITable;
  /**
   * Days after a reader declined a sign-up or unsubscribed during which a web sign-up of their
   * address sends nothing.
   * @default 30
   */
  readonly coolingDays?: number;
  /**
   * Most sign-ups function invocations at once (the SQS event source's maximum concurrency).
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * The function's timeout; the queue's visibility timeout is six times this.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
}

/**
 * Sign-ups: the queue the API puts each web sign-up and welcome on, and the function that
 * handles them (lambdas/signups/handler.ts): it looks the address up, stores the pending
 * sign-up, and sends the confirmation or the welcome. The API answers without reading the
 * address or sending mail, so its answer takes the same time for every address, and the public
 * function holds no right to send mail. A job that keeps failing (five receives) waits in the
 * dead-letter queue, which is alarmed.
 */
export class Signups extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly handler: BriefingFunction;

  constructor(scope: Construct, id: string, props: SignupsProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(30);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the sign-up queue (alarmed)');
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.handler = new BriefingFunction(this, 'Handler', {
      name: 'signups',
      description: 'Handles queued sign-ups (stores them, sends the confirmation within the limits) and welcomes.',
      timeout,
      environment: {
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.contentTable]: props.contentTable.tableName,
        [ENV.signupCoolingDays]: String(props.coolingDays ?? 30),
      },
    });
    this.handler.consumeQueue('signups', this.queue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency ?? 2,
    });
    this.handler.grantTable('subscribers', props.subscribersTable);
    this.handler.grantTable('content', props.contentTable);
  }

  /** The sender identity and the digest's schedule, for the confirmation and welcome messages. */
  setMailSettings(settings: ApiMailSettings): void {
    const fn = this.handler.fn;
    fn.addEnvironment(ENV.senderEmail, settings.senderEmail);
    fn.addEnvironment(ENV.senderName, settings.senderName);
    fn.addEnvironment(ENV.organisationName, settings.organisationName);
    fn.addEnvironment(ENV.postalAddress, settings.postalAddress);
    if (settings.replyToEmail) fn.addEnvironment(ENV.replyToEmail, settings.replyToEmail);
    fn.addEnvironment(ENV.publicBaseUrl, settings.publicBaseUrl.replace(/\/+$/, ''));
    if (settings.digestSchedule) {
      fn.addEnvironment(ENV.digestScheduleCron, settings.digestSchedule.cron);
      fn.addEnvironment(ENV.digestTimeZone, settings.digestSchedule.timeZone);
      if (settings.digestSchedule.localTime) {
        fn.addEnvironment(ENV.digestDelivery, 'local-time');
        fn.addEnvironment(ENV.digestLocalTime, settings.digestSchedule.localTime);
      }
    }
  }
}
