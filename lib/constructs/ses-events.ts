import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/function-env';
import { deadLetterQueue } from './dead-letter-queue';
import { BriefingFunction } from './briefing-function';

/** Props of {@link SesEvents}. */
export interface SesEventsProps {
  /** Bounces and complaints suppress subscribers here. */
  readonly subscribersTable: dynamodb.ITable;
  /** Deliveries, bounces and complaints are written onto the ledger entries here. */
  readonly deliveriesTable: dynamodb.ITable;
  /**
   * How long the handler may take for one SNS delivery.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
}

/**
 * Where SES reports what happened to each message: an SNS topic (encrypted with a key SES may
 * use) that the configuration set publishes bounce, complaint and delivery events to, and the
 * function subscribed to it, which suppresses addresses and writes the ledger. Two queues keep
 * what could not be applied, both alarmed: the subscription's dead-letter queue holds what SNS
 * could not hand to Lambda, and the function's on-failure destination holds events Lambda took
 * but the handler failed after its two retries (SNS invokes asynchronously, so the subscription's
 * queue never sees those).
 */
export class SesEvents extends Construct {
  /** The topic the configuration set's event destination publishes to. */
  readonly topic: sns.Topic;
  /** Key of the topic; SES is allowed to use it. */
  readonly key: kms.Key;
  /** The handler subscribed to the topic. */
  readonly handler: BriefingFunction;
  /** SNS deliveries to the handler that failed for good. */
  readonly deadLetterQueue: sqs.Queue;
  /** Events the handler failed after Lambda's retries (its asynchronous on-failure destination). */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SesEventsProps) {
    super(scope, id);

    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the SES events topic (bounce, complaint and delivery notifications name recipients).',
      enableKeyRotation: true,
    });
    // SES publishes to an encrypted topic only if it may use the topic's key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'SES events',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.handler = new BriefingFunction(this, 'Handler', {
      name: 'ses-events',
      description: 'Applies SES bounce, complaint and delivery events to subscribers and the delivery ledger.',
      timeout: props.timeout ?? Duration.seconds(30),
      environment: {
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.deliveriesTable]: props.deliveriesTable.tableName,
      },
    });
    this.handler.grantTable('subscribers', props.subscribersTable);
    this.handler.grantTable('deliveries', props.deliveriesTable);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the SNS subscription of the ses-events function (alarmed)');
    this.topic.addSubscription(new subscriptions.LambdaSubscription(this.handler.fn, { deadLetterQueue: this.deadLetterQueue }));
    // Applying an event is idempotent (a suppression, a ledger outcome), so Lambda's two retries
    // are safe; what still fails is kept with its event and error, for a person to replay.
    this.failureQueue = deadLetterQueue(
      this,
      'FailureDeadLetterQueue',
      "the ses-events function's asynchronous invocations (its on-failure destination)",
    );
    this.handler.sendFailuresTo('ses-events-failures', this.failureQueue, { retryAttempts: 2 });
  }
}
