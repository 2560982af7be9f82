import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_STREAM_FILTERS } from '../../lambdas/alert-planner/filter';
import { ENV } from '../../lambdas/core/function-env';
import { deadLetterQueue } from './dead-letter-queue';
import { BriefingFunction } from './briefing-function';

/** Props of {@link Alerts}. */
export interface AlertsProps {
  /** Articles; its stream starts the planner. Must have a NEW_AND_OLD_IMAGES stream. */
  readonly contentTable: dynamodb.ITable;
  /** Read through its sparse alert audience index. */
  readonly subscribersTable: dynamodb.ITable;
  /** Where alert jobs go: the same queue, sender and ledger as digests. */
  readonly sendQueue: sqs.IQueue;
  /** The ledger: alerts held back by the daily cap are recorded there, and the cap's counters. */
  readonly deliveriesTable: dynamodb.ITable;
  /**
   * Breaking alerts one reader gets per day (their time zone); the rest wait for the digest.
   * @default 3
   */
  readonly dailyCap?: number;
  /**
   * Attempts per stream batch before it is set aside in the dead-letter queue.
   * @default 5
   */
  readonly retryAttempts?: number;
}

/**
 * Breaking alerts: the alert planner, started by the Content table's stream. The event source's
 * filter criteria (lambdas/alert-planner/filter.ts, the same patterns the local mode applies)
 * pass only new or newly breaking articles, so edits and the planner's own mark never invoke it.
 */
export class Alerts extends Construct {
  readonly planner: BriefingFunction;
  /** Stream batches that failed every attempt (alarmed on). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.planner = new BriefingFunction(this, 'AlertPlanner', {
      name: 'alert-planner',
      description: 'Queues a breaking article for the readers who follow one of its topics.',
      timeout: Duration.minutes(5),
      environment: {
        [ENV.contentTable]: props.contentTable.tableName,
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.sendQueueUrl]: props.sendQueue.queueUrl,
        [ENV.deliveriesTable]: props.deliveriesTable.tableName,
        [ENV.alertDailyCap]: String(props.dailyCap ?? 3),
      },
    });
    this.planner.grantTable('deliveries', props.deliveriesTable);
    // The planner marks an article alerted (conditionally) so it alerts once.
    this.planner.grantTable('content', props.contentTable);
    this.planner.grantTable('subscribers', props.subscribersTable);
    this.planner.allow('queue/send', [props.sendQueue.queueArn]);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the alert stream (its on-failure destination)');

    this.planner.consumeStream(
      'content',
      props.contentTable,
      { name: 'alert-failures', queue: this.deadLetterQueue },
      {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts ?? 5,
        maxRecordAge: Duration.hours(6),
        filters: ALERT_STREAM_FILTERS.map((pattern) => lambda.FilterCriteria.filter(pattern)),
      },
    );
  }
}
