/**
 * An in-process queue that keeps the contract of SQS with a Lambda event source mapping, so
 * the real SQS-triggered handler runs unchanged on this machine:
 *
 * - a received message is invisible for the visibility timeout, and becomes visible again
 *   when that runs out, even if the handler is still busy (so, as on SQS, a slow handler can
 *   see the same message twice);
 * - the handler gets a real `SQSEvent`; with `batchItemFailures` only the listed messages
 *   come back, the rest are deleted; a throw brings the whole batch back;
 * - after `maxReceiveCount` receives a message goes to the dead-letter sink instead of being
 *   delivered again, and `redrive()` moves it back.
 *
 * It holds messages in memory only: a stopped local mode loses what was queued.
 *
 * What Lambda does around a handler call (records, context, batchItemFailures) is in
 * sqs-event.ts; the SendQueue port on this queue is in send-queue.ts, re-exported here.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { batchFailures, lambdaContext, md5, sqsRecord, type QueuedMessage as Message } from './sqs-event';

export { LateSendQueue, LocalSendQueue, LocalSignupQueue } from './send-queue';

/** SQS's classic per-message limit; bigger bodies are refused here as they would be there. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The handler as Lambda calls it for an SQS event source; the context is given with a `timeoutMs`. */
export type SqsBatchHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse | void>;

/** A message as it sits in an array dead-letter sink. */
export interface DeadLetterMessage {
  messageId: string;
  body: string;
  /** How many times it was received before it was given up. */
  receiveCount: number;
  sentTimestamp: number;
  deadLetteredAt: number;
}

export interface LocalQueueOptions {
  /** Queue name; appears in the records' `eventSourceARN`. */
  name: string;
  handler: SqsBatchHandler;
  /** Most records in one event. @default 1 */
  batchSize?: number;
  /** Most handler calls running at once (the function's reserved concurrency). @default 2 */
  concurrency?: number;
  /**
   * The function's timeout: with it, each call gets a context whose `getRemainingTimeInMillis`
   * counts down from it, as on Lambda (the call is not stopped when it runs out). @default no context
   */
  timeoutMs?: number;
  /** How long a received message stays invisible. @default 30000 */
  visibilityTimeoutMs?: number;
  /**
   * How long a failed message stays invisible after the handler reported the failure.
   * Left out, it becomes visible when the visibility timeout that began at its receive runs
   * out, exactly as on SQS (Lambda does not change the visibility of failed messages). Tests
   * set a small value to retry fast without shortening the visibility timeout itself.
   */
  retryDelayMs?: number;
  /** Receives before a message is dead-lettered. @default 5 */
  maxReceiveCount?: number;
  /** How often the poller looks for visible messages. @default 20 */
  pollIntervalMs?: number;
  /** Where messages go after `maxReceiveCount` receives. Without one, they are dropped (and counted). */
  deadLetter?: LocalQueue | DeadLetterMessage[];
  /** Where handler errors are reported. @default console */
  logger?: Pick<Console, 'warn'>;
}

/** Counters, in SQS's terms. */
export interface LocalQueueStats {
  /** Messages that can be received now (ApproximateNumberOfMessagesVisible). */
  visible: number;
  /** Received and not yet deleted, or waiting for a retry (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
  /** Messages this queue has moved to its dead-letter sink (and not redriven). */
  deadLettered: number;
  /** Messages deleted after the handler succeeded for them. */
  delivered: number;
  /** Receives, redeliveries included (so `received - delivered` counts the retries). */
  received: number;
  /** Handler calls running now. */
  running: number;
}

export class LocalQueue {
  readonly name: string;
  /** The ARN records carry, shaped like a real one. */
  readonly arn: string;

  private readonly handler: SqsBatchHandler;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly visibilityTimeoutMs: number;
  private readonly timeoutMs: number | undefined;
  private readonly retryDelayMs: number | undefined;
  private readonly maxReceiveCount: number;
  private readonly pollIntervalMs: number;
  private readonly deadLetter: LocalQueue | DeadLetterMessage[] | undefined;
  private readonly logger: Pick<Console, 'warn'>;

  /** Insertion order is send order, which the poller follows (SQS standard queues only try). */
  private readonly messages = new Map<string, Message>();
  private readonly deadLettered = new Map<string, Message>();
  private readonly runningBatches = new Set<Promise<void>>();
  private delivered = 0;
  private received = 0;
  private started = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.arn = `arn:aws:sqs:local:000000000000:${options.name}`;
    this.handler = options.handler;
    this.batchSize = positiveInt('batchSize', options.batchSize ?? 1);
    this.concurrency = positiveInt('concurrency', options.concurrency ?? 2);
    this.timeoutMs = options.timeoutMs === undefined ? undefined : positiveInt('timeoutMs', options.timeoutMs);
    this.visibilityTimeoutMs = nonNegative('visibilityTimeoutMs', options.visibilityTimeoutMs ?? 30_000);
    this.retryDelayMs = options.retryDelayMs === undefined ? undefined : nonNegative('retryDelayMs', options.retryDelayMs);
    this.maxReceiveCount = positiveInt('maxReceiveCount', options.maxReceiveCount ?? 5);
    this.pollIntervalMs = positiveInt('pollIntervalMs', options.pollIntervalMs ?? 20);
    this.deadLetter = options.deadLetter;
    this.logger = options.logger ?? console;
    if (this.deadLetter === this) throw new Error(`Queue ${this.name} cannot be its own dead-letter queue`);
  }

  /**
   * Queue messages (SendMessageBatch without the limit of 10). Returns their message ids.
   *
   * Rejects with an Error when a body is empty or larger than {@link MAX_BODY_BYTES}; nothing is queued then.
   */
  send(bodies: string[], options: { delayMs?: number } = {}): Promise<string[]> {
    const refused = this.refusedBody(bodies);
    if (refused) return Promise.reject(refused);
    const now = Date.now();
    const ids = bodies.map((body) => {
      const messageId = randomUUID();
      // A delayed message (SQS DelaySeconds) is not visible until its delay is over.
      this.messages.set(messageId, {
        messageId,
        body,
        md5OfBody: md5(body),
        sentTimestamp: now,
        receiveCount: 0,
        visibleAt: now + (options.delayMs ?? 0),
      });
      return messageId;
    });
    this.kick();
    return Promise.resolve(ids);
  }

  /** Why SQS would refuse one of `bodies`, if it would. */
  private refusedBody(bodies: string[]): Error | undefined {
    for (const [i, body] of bodies.entries()) {
      if (typeof body !== 'string' || body.length === 0) return new Error(`Queue ${this.name}: message ${i} has an empty body`);
      const bytes = Buffer.byteLength(body, 'utf8');
      if (bytes > MAX_BODY_BYTES) {
        return new Error(`Queue ${this.name}: message ${i} is ${bytes} bytes, more than the ${MAX_BODY_BYTES} SQS accepts`);
      }
    }
    return undefined;
  }

  /** Begin polling and calling the handler. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /**
   * Stop polling and wait for the handler calls already running. Messages they hold stay
   * invisible until their visibility timeout ends, as on SQS.
   */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.runningBatches.size > 0) await Promise.allSettled([...this.runningBatches]);
  }

  /**
   * Resolve once the queue is empty (every message deleted or dead-lettered) and no handler
   * call is running.
   *
   * @throws Error when that does not happen within `timeoutMs`, or the queue is not started.
   */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.messages.size === 0 && this.runningBatches.size === 0) return;
      if (!this.started) throw new Error(`Queue ${this.name} is not started, it will never drain: ${JSON.stringify(this.stats())}`);
      if (Date.now() >= deadline) {
        throw new Error(`Queue ${this.name} did not drain within ${timeoutMs} ms: ${JSON.stringify(this.stats())}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollIntervalMs, 10)));
    }
  }

  stats(): LocalQueueStats {
    const now = Date.now();
    let visible = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) visible += 1;
    return {
      visible,
      inFlight: this.messages.size - visible,
      deadLettered: this.deadLettered.size,
      delivered: this.delivered,
      received: this.received,
      running: this.runningBatches.size,
    };
  }

  /**
   * Move the messages this queue dead-lettered back into it, with their receive count reset
   * (SQS's "start DLQ redrive"). Messages the dead-letter queue already consumed are gone
   * and are not brought back. Returns how many were moved.
   */
  redrive(): number {
    const sink = this.deadLetter;
    let moved = 0;
    const now = Date.now();
    for (const message of this.deadLettered.values()) {
      const stillThere =
        sink === undefined ? true : Array.isArray(sink) ? removeFromArray(sink, message.messageId) : sink.take(message.messageId);
      if (!stillThere) continue;
      this.messages.set(message.messageId, {
        messageId: message.messageId,
        body: message.body,
        md5OfBody: message.md5OfBody,
        sentTimestamp: message.sentTimestamp,
        receiveCount: 0,
        visibleAt: now,
      });
      moved += 1;
    }
    this.deadLettered.clear();
    this.kick();
    return moved;
  }

  // ---- used by another LocalQueue acting as source -------------------------------------

  /** Accept a message moved here as a dead letter, keeping its id and sent time. */
  private accept(message: Message): void {
    const now = Date.now();
    this.messages.set(message.messageId, {
      ...message,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      visibleAt: now,
    });
    this.kick();
  }

  /** Remove a message for a redrive; false when it is not here any more. */
  private take(messageId: string): boolean {
    return this.messages.delete(messageId);
  }

  // ---- the poller ------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), delayMs);
    // A forgotten queue must not keep the process alive; servers and tests hold it open.
    this.timer.unref();
  }

  /** Poll now rather than at the next interval (after a send or a finished batch). */
  private kick(): void {
    if (this.started) this.schedule(0);
  }

  private poll(): void {
    this.timer = undefined;
    if (!this.started) return;
    while (this.runningBatches.size < this.concurrency) {
      const batch = this.receive();
      if (batch.length === 0) break;
      const run = this.invoke(batch).finally(() => {
        this.runningBatches.delete(run);
        this.kick();
      });
      this.runningBatches.add(run);
    }
    this.schedule(this.pollIntervalMs);
  }

  /** Take up to batchSize visible messages, dead-lettering those received too often. */
  private receive(): Message[] {
    const now = Date.now();
    const batch: Message[] = [];
    for (const message of this.messages.values()) {
      if (batch.length >= this.batchSize) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= this.maxReceiveCount) {
        this.moveToDeadLetter(message, now);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + this.visibilityTimeoutMs;
      this.received += 1;
      batch.push(message);
    }
    return batch;
  }

  private moveToDeadLetter(message: Message, now: number): void {
    this.messages.delete(message.messageId);
    this.deadLettered.set(message.messageId, { ...message });
    const sink = this.deadLetter;
    if (Array.isArray(sink)) {
      sink.push({
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
        sentTimestamp: message.sentTimestamp,
        deadLetteredAt: now,
      });
    } else if (sink) {
      sink.accept(message);
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    // Snapshot the receipt handles: a later receive of the same message gets a new one.
    const records = batch.map((m) => sqsRecord(m, this.arn));
    let failedIds: Set<string>;
    try {
      const result = await this.handler({ Records: records }, lambdaContext(this.timeoutMs));
      failedIds = batchFailures(result, records, this.name, this.logger);
    } catch (error) {
      this.logger.warn(`Queue ${this.name}: handler threw; the whole batch of ${records.length} will be retried`, error);
      failedIds = new Set(records.map((r) => r.messageId));
    }
    const now = Date.now();
    for (const record of records) {
      const message = this.messages.get(record.messageId);
      if (!message) continue; // Already deleted by another delivery, or dead-lettered.
      if (!failedIds.has(record.messageId)) {
        // A delete with an older receipt handle still deletes on SQS.
        this.messages.delete(record.messageId);
        this.delivered += 1;
      } else if (message.receiptHandle === record.receiptHandle && this.retryDelayMs !== undefined) {
        // Only the latest receive owns the visibility; an older one has no say any more.
        message.visibleAt = now + this.retryDelayMs;
      }
    }
  }
}

function removeFromArray(sink: DeadLetterMessage[], messageId: string): boolean {
  const index = sink.findIndex((m) => m.messageId === messageId);
  if (index < 0) return false;
  sink.splice(index, 1);
  return true;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`LocalQueue: ${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`LocalQueue: ${name} must be zero or more, got ${value}`);
  return value;
}
