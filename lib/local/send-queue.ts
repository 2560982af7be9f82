/**
 * The {@link SendQueue} and {@link SignupQueue} ports on the in-process queue
 * (lib/local/queue.ts): what the planners, the sender and the API are given in the local mode
 * instead of the SQS adapters.
 */
import type { SendJob } from '../../lambdas/core/model';
import type { SendQueue, SignupQueue } from '../../lambdas/core/ports';
import type { SignupJob } from '../../lambdas/core/signup-job';
import type { LocalQueue } from './queue';

/**
 * The {@link SendQueue} port on a {@link LocalQueue}: one message per job, as the SQS
 * adapter sends them.
 */
export class LocalSendQueue implements SendQueue {
  constructor(private readonly queue: LocalQueue) {}

  async enqueue(jobs: SendJob[], options?: { delayMs?: number }): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.send(
      jobs.map((job) => JSON.stringify(job)),
      options,
    );
  }
}

/**
 * The send queue for a handler made before its own queue (the sender queues what it has no
 * time left for on the queue that calls it): `attach` that queue once it exists.
 */
export class LateSendQueue implements SendQueue {
  private target: LocalSendQueue | undefined;

  /** Route jobs to `queue` from now on; returns its SendQueue for the planners. */
  attach(queue: LocalQueue): LocalSendQueue {
    this.target = new LocalSendQueue(queue);
    return this.target;
  }

  async enqueue(jobs: SendJob[], options?: { delayMs?: number }): Promise<void> {
    if (!this.target) throw new Error('LateSendQueue: no queue attached yet');
    await this.target.enqueue(jobs, options);
  }
}

/** The {@link SignupQueue} port on a {@link LocalQueue}: one message per sign-up or welcome, as on SQS. */
export class LocalSignupQueue implements SignupQueue {
  constructor(private readonly queue: LocalQueue) {}

  async enqueue(job: SignupJob): Promise<void> {
    await this.queue.send([JSON.stringify(job)]);
  }
}
