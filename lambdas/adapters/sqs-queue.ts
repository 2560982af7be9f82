/** The SendQueue port on SQS: jobs go out ten to a `SendMessageBatch` call. */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendJob } from '../core/model';
import type { SendQueue } from '../core/ports';

export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: SendJob[], options: { delayMs?: number } = {}): Promise<void> {
    // SQS counts a delay in whole seconds, at most 900.
    const DelaySeconds = options.delayMs ? Math.min(900, Math.ceil(options.delayMs / 1000)) : undefined;
    for (let i = 0; i < jobs.length; i += 10) {
      let entries = jobs.slice(i, i + 10).map((job, n) => ({ Id: String(n), MessageBody: JSON.stringify(job), DelaySeconds }));
      // A batch call can partly fail; send the failed entries again, a few times, then give up loudly.
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt === 5) throw new Error(`SQS refused ${entries.length} send jobs after 5 attempts`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }
}
