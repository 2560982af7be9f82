/**
 * Grants several roles share, from which FUNCTION_PERMISSIONS (function-permissions.ts) is made:
 * each action with the reason the role needs it.
 */
import type { Grants } from './function-permissions';

/** Every function's logs and traces: the same for all. */
export const RUNTIME: Grants = {
  'logs/own': {
    'logs:CreateLogStream': "Lambda: the function's log streams, in its own log group only",
    'logs:PutLogEvents': 'Lambda: log lines (and Powertools metrics, written as log lines)',
  },
  // X-Ray takes no resource narrower than "*".
  '*': {
    'xray:PutTraceSegments': 'active tracing: the trace segments (Powertools Tracer subsegments)',
    'xray:PutTelemetryRecords': 'active tracing: the X-Ray daemon telemetry',
  },
};

/** SendRawEmail, on the three resources SES authorises it against; From the sender's address only. */
export const sendMail = (why: string): Grants => ({
  'ses/identity': { 'ses:SendRawEmail': `${why} (SES authorises the send against the From identity)` },
  'ses/configuration-set': { 'ses:SendRawEmail': `${why} (and against the configuration set it names)` },
  'ses/recipients': { 'ses:SendRawEmail': `${why} (in the SES sandbox, also against the recipient's verified identity)` },
});
export const FROM_SENDER = {
  'ses/identity': ['ses:FromAddress'],
  'ses/configuration-set': ['ses:FromAddress'],
  'ses/recipients': ['ses:FromAddress'],
} as const;

export const TOKEN_KEYS: Grants = {
  'secret/token-keys': {
    'secretsmanager:GetSecretValue':
      'signingKeysLoader: Powertools SecretsProvider.get (cached 5 minutes), the keys that sign and check tokens',
  },
};

export const ADDRESS_KEY: Grants = {
  'secret/address-key': {
    'secretsmanager:GetSecretValue':
      'addressDigestLoader: Powertools SecretsProvider.get (cached an hour), the key of the erasure markers and the sign-up limits',
  },
};

/** An asynchronous invocation's on-failure destination (Lambda sends the failed event with the role). */
export const ON_FAILURE = { 'sqs:SendMessage': 'asynchronous invocation on-failure destination: Lambda sends the failed event' } as const;

export const SQS_POLLER = {
  'sqs:ReceiveMessage': 'event source: the Lambda SQS poller receives the batches',
  'sqs:DeleteMessage': 'event source: the poller deletes what the function finished',
  'sqs:GetQueueAttributes': 'event source: the poller reads the queue settings',
} as const;
