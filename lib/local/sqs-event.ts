/**
 * What Lambda's SQS event source mapping does around a handler call, for the in-process queue
 * (lib/local/queue.ts): the record a message becomes, the context with the time left, and how
 * a `batchItemFailures` answer is read.
 */
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';

/** A message as the queue holds it. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentTimestamp: number;
  firstReceiveTimestamp?: number;
  receiveCount: number;
  /** Epoch ms from which it may be received. */
  visibleAt: number;
  /** Receipt handle of the latest receive; undefined before the first one. */
  receiptHandle?: string;
}

/** A Lambda context that knows the time left (the only part a handler here reads); none without a timeout. */
export function lambdaContext(timeoutMs: number | undefined): Context | undefined {
  if (timeoutMs === undefined) return undefined;
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

/**
 * Which records failed, by Lambda's rules for ReportBatchItemFailures: nothing returned or
 * an empty list means all succeeded; an identifier that is missing, empty or not in the
 * batch makes Lambda treat the whole batch as failed.
 */
export function batchFailures(
  result: SQSBatchResponse | void,
  records: SQSRecord[],
  queueName: string,
  logger: Pick<Console, 'warn'>,
): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (result === undefined || result === null) return new Set();
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) {
    logger.warn(`Queue ${queueName}: batchItemFailures is not a list; the whole batch will be retried`);
    return all;
  }
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) {
      logger.warn(`Queue ${queueName}: unknown itemIdentifier ${JSON.stringify(id)}; the whole batch will be retried`);
      return all;
    }
    failed.add(id);
  }
  return failed;
}

/** The record a message becomes in the event, with the queue's ARN. */
export function sqsRecord(m: QueuedMessage, eventSourceARN: string): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle ?? '',
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentTimestamp),
      SenderId: 'LOCAL',
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
    },
    messageAttributes: {},
    md5OfBody: m.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: 'local',
  };
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
