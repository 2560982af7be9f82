/** The SignupQueue port on SQS: one message a sign-up or welcome (the API's only write of a sign-up). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SignupQueue } from '../core/ports';
import type { SignupJob } from '../core/signup-job';

export class SqsSignupQueue implements SignupQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: SignupJob): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
