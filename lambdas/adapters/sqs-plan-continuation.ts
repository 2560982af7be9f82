/** The PlanContinuation port on SQS: the rest of a large plan as a message the planner itself reads. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PlanContinuation } from '../core/ports';

export class SqsPlanContinuation implements PlanContinuation {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async continueLater(event: Parameters<PlanContinuation['continueLater']>[0]): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(event) }));
  }
}
