/**
 * The DynamoDB stores of the three tables, one a file; every key they read or write is built
 * by core/keys.ts, which also describes the tables' layout.
 */
export { batchGetAll, batchWriteAll, DEFAULT_RETRY, UnprocessedError, type RetryPolicy } from './batch';
export { isConditionFailure, writeIf } from './conditional';
export { DynamoContentStore } from './content-store';
export { alertTopicFilter, DynamoSubscriberStore, toSubscriberItem } from './subscriber-store';
export { DynamoLedger } from './ledger';
export { DynamoAlertCaps } from './alert-caps';
export { DynamoReaderAlertHistory } from './reader-alert-history';
export { DynamoCampaignCounters } from './campaign-counters';
export { DynamoRecipientGate } from './recipient-gate';
export { DynamoClickCounts } from './click-counts';
export { DynamoSubjectTests } from './subject-tests';
export { backfillAudienceKeys, DynamoLocalTimePlans, DynamoZoneAudience } from './zone-audience';
