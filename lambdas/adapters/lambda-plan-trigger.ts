/**
 * "Plan this issue now" on AWS: the digest planner invoked asynchronously (InvocationType
 * Event) with `{ "issueId": "..." }`, the event `send-digest --issue` and the planner's own
 * handler take. Lambda queues the event and retries it on error; the planner's rules (an issue
 * planned once: plannedAt; each reader once: the ledger) make a retry or a second click harmless.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { IssuePlanTrigger } from '../core/desk-send-ports';
import { clientConfig } from './clients';
import { tracer } from './tracer';

export class LambdaPlanTrigger implements IssuePlanTrigger {
  constructor(
    private readonly client: Pick<LambdaClient, 'send'>,
    private readonly plannerArn: string,
  ) {}

  async planNow(issueId: string): Promise<void> {
    const out = await this.client.send(
      new InvokeCommand({
        FunctionName: this.plannerArn,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ issueId })),
      }),
    );
    // 202: accepted for an asynchronous run; anything else did not queue the event.
    if (out.StatusCode !== 202) throw new Error(`the digest planner did not take the event (status ${String(out.StatusCode)})`);
  }
}

let lambda: LambdaClient | undefined;

/** The trigger on this process's Lambda client (made here, not in clients.ts: only the console's bundle needs the package). */
export function lambdaPlanTrigger(plannerArn: string): IssuePlanTrigger {
  lambda ??= tracer.captureAWSv3Client(new LambdaClient(clientConfig()));
  return new LambdaPlanTrigger(lambda, plannerArn);
}
