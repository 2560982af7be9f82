/**
 * Send one queued batch. The use-case lives in `send-batch/`: the coordinator (`sendBatch`,
 * with the ledger states it moves through), the send pool, the claim and the delivery. This
 * module keeps the one import path its callers use.
 */
export { sendBatch } from './send-batch/coordinator';
export { sendPool, invocationCounters, type SendPool } from './send-batch/pool';
export {
  DEFAULT_DEADLINE_RESERVE_MS,
  DEFAULT_LEASE_MS,
  type BatchBrake,
  type BatchResult,
  type PreparedCampaign,
  type SendDeps,
} from './send-batch/types';
