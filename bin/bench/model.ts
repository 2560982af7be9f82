/**
 * Bench section `model` (`npm run bench -- --model` alone): wall time, invocations and cost of
 * a digest to 1,000,000 subscribers at 14, 100 and 1,000 msg/s, and what the pipeline costs
 * beyond SES's own $100 a million, as a percentage of it (goal: at most 5 %).
 *
 * Prices, us-east-1, on demand, today's list prices:
 * - DynamoDB on demand (since November 2024): $0.625 per million write request units, $0.125
 *   per million read request units;
 * - Lambda arm64: $0.0000133334 per GB-s, $0.20 per million requests;
 * - SQS standard: $0.40 per million requests (64 KB chunks);
 * - SES: $0.10 per 1,000 messages (outbound, no attachments beyond the first GB).
 */
import { fmt, measured, verdict } from './shared';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';

export const PRICES = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sqsRequest: 0.4 / 1e6,
  sesMessage: 0.1 / 1000,
};

/** The overhead beyond SES the issue allows, as a share of SES's own cost. */
export const OVERHEAD_GOAL = 0.05;

function model(): Promise<void> {
  const N = 1_000_000;
  const batch = 50;
  const batches = N / batch;
  const invocations = Math.ceil(batches / SEND_JOBS_PER_INVOCATION);
  // Per batch, the sender's DynamoDB work: 50 claims in one transaction (a transactional write
  // costs 2 write units an item), 50 `sent` puts (group-committed BatchWriteItem, one unit
  // each), and for each of those one more unit for the `bySubscriber` index (a claim adds an
  // entry, a `sent` put changes its projected status and message id); a share of the
  // invocation's one counters ADD. Reads: the send-time check (one consistent BatchGet of 50: 1
  // RCU each under 4 KB) and the planner's pages (eventually consistent: half a unit a reader).
  const claimWrites = batch * 2;
  const sentWrites = batch;
  const indexWrites = batch + batch;
  const counterWrites = 1 / SEND_JOBS_PER_INVOCATION;
  const writesPerBatch = claimWrites + sentWrites + indexWrites + counterWrites;
  const readsPerBatch = batch;
  // SQS: the planner's send (1/10 of a SendMessageBatch a job), and per invocation one receive
  // and one batch delete by Lambda's poller (each body < 64 KB).
  const sqsPerBatch = 0.1 + 2 / SEND_JOBS_PER_INVOCATION;
  // A sender's CPU a message: measured by send-rate (this process, planner + queue + sender,
  // against the SES stand-in) when it ran; 2 ms otherwise.
  const cpuMs = measured.senderCpuMs ?? 2;
  console.log(
    `\nmodel: 1,000,000 subscribers, batches of ${batch}, ${SEND_JOBS_PER_INVOCATION} an invocation (${fmt(invocations)} sender invocations), 512 MB senders`,
  );
  console.log(
    `  sender CPU a message: ${fmt(cpuMs, 2)} ms (${measured.senderCpuMs ? 'measured by send-rate in this run' : 'default: send-rate did not run'}); SES ~100 ms a call, 8 in flight a sender`,
  );
  console.log(
    `  DynamoDB a message: ${fmt(writesPerBatch / batch, 3)} write units (claim 2, sent 1, index 2, counters ${fmt(counterWrites / batch, 3)}), ${fmt(readsPerBatch / batch + 0.5, 1)} read units`,
  );
  console.log(
    '  rate (msg/s) | senders | wall time | sender invocations | Lambda $ | DynamoDB $ | SQS $ | SES $ | total $ | beyond SES | goal <= 5 %',
  );
  const overheads: number[] = [];
  for (const rate of [14, 100, 1000]) {
    // Senders: each keeps 8 sends in flight at ~100 ms a call = 80 msg/s at most; at least 2.
    const senders = Math.max(2, Math.ceil(rate / 80));
    const wallSeconds = N / rate;
    // A paced sender is alive for its whole share of the send (it waits for its slots); the
    // compute is that wait, not only the CPU: GB-s = senders x wall time x 0.5 GB, plus the
    // CPU beyond one core's share when it would not fit in the wait (it always does here).
    const busySeconds = Math.max(wallSeconds * senders, (N * cpuMs) / 1000);
    const gbSeconds = busySeconds * 0.5;
    const plannerInvocations = Math.max(1, Math.ceil(N / 400_000));
    const lambda = gbSeconds * PRICES.lambdaGbSecond + (invocations + plannerInvocations) * PRICES.lambdaRequest;
    const dynamo = batches * writesPerBatch * PRICES.dynamoWriteUnit + (batches * readsPerBatch + N / 2) * PRICES.dynamoReadUnit;
    const sqs = batches * sqsPerBatch * PRICES.sqsRequest;
    const ses = N * PRICES.sesMessage;
    const overhead = (lambda + dynamo + sqs) / ses;
    overheads.push(overhead);
    const hours = wallSeconds / 3600;
    console.log(
      `  ${String(rate).padStart(12)} | ${String(senders).padStart(7)} | ${hours >= 1 ? `${fmt(hours, 1)} h` : `${fmt(wallSeconds / 60, 1)} min`} | ${fmt(invocations)} | ${fmt(lambda, 2)} | ${fmt(dynamo, 2)} | ${fmt(sqs, 2)} | ${fmt(ses, 2)} | ${fmt(lambda + dynamo + sqs + ses, 2)} | ${fmt(overhead * 100, 2)} % | ${verdict(overhead <= OVERHEAD_GOAL)}`,
    );
  }
  // Where the overhead goes, at the worst rate: DynamoDB's parts by what they are for.
  const unit = (writes: number) => (batches * writes * PRICES.dynamoWriteUnit * 100) / (N * PRICES.sesMessage);
  console.log(
    `  of SES's cost: claims ${fmt(unit(claimWrites), 2)} %, \`sent\` records ${fmt(unit(sentWrites), 2)} %, bySubscriber index ${fmt(unit(indexWrites), 2)} %, ` +
      `reads ${fmt(((batches * readsPerBatch + N / 2) * PRICES.dynamoReadUnit * 100) / (N * PRICES.sesMessage), 2)} %; the rest is Lambda's paced wait (largest at 14 msg/s) and SQS`,
  );
  console.log(
    `  highest overhead ${fmt(Math.max(...overheads) * 100, 2)} %   target <= 5 %: ${verdict(Math.max(...overheads) <= OVERHEAD_GOAL)}`,
  );
  return Promise.resolve();
}

export const MODEL_SECTIONS = { model };
