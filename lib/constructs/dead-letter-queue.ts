import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A dead-letter queue as every part of the stack makes one: encrypted, TLS only, messages kept
 * 14 days (time to notice the alarm and redrive). It needs no dead-letter queue of its own;
 * `of` says what it catches, and is the written reason cdk-nag's SQS3 finding is acknowledged with.
 */
export function deadLetterQueue(scope: Construct, id: string, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter queue of ${of}, so it needs none.`,
  });
  return queue;
}
