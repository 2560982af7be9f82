import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  /** Dead-letter queues by a short name; any message in one raises an alarm. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  /** Functions by a short name; any error raises an alarm. */
  readonly functions: Record<string, lambda.IFunction>;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription; alarms still show in the console
   */
  readonly alarmEmail?: string;
  /**
   * Display name of the alarm topic (the sender name of its mails).
   * @default 'Briefing alarms'
   */
  readonly topicDisplayName?: string;
}

/**
 * Alarms on what needs a person: a message in a dead-letter queue (a job that failed five
 * times) and function errors. Both notify one SNS topic.
 */
export class Monitoring extends Construct {
  /** Where alarms notify. */
  readonly topic: sns.Topic;
  /** Every alarm created here. */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: props.topicDisplayName ?? 'Briefing alarms',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries only alarm names and metric values, no subscriber data. CloudWatch ' +
        'cannot publish to a topic encrypted with the AWS managed SNS key, and a customer key ' +
        'for this alone is not worth its cost.',
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    // Any value above zero in five minutes is worth a look: a dead letter or a function error.
    const alarmOnAny = (id: string, alarmDescription: string, metric: cloudwatch.IMetric) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.alarms.push(alarm);
    };
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarmOnAny(
        `${name}DeadLetters`,
        `Messages are waiting in the ${name} dead-letter queue: jobs that kept failing.`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarmOnAny(`${name}Errors`, `The ${name} function reported errors.`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }));
    }
  }
}
