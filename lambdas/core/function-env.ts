/**
 * Every environment variable a function reads, by name: the CDK constructs set exactly these, the
 * local mode sets them for its own process, and core/env.ts, core/send-settings.ts and
 * core/sending-state.ts read and validate them. One module, so a construct and a handler can
 * never disagree on a name.
 */
import type { BrakeSettings } from './sending-state';

/** The functions' configuration (read by core/env.ts `readEnv`). */
export const ENV = {
  subscribersTable: 'SUBSCRIBERS_TABLE',
  contentTable: 'CONTENT_TABLE',
  deliveriesTable: 'DELIVERIES_TABLE',
  sendQueueUrl: 'SEND_QUEUE_URL',
  senderEmail: 'SENDER_EMAIL',
  senderName: 'SENDER_NAME',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  configurationSet: 'SES_CONFIGURATION_SET',
  /** AWS: ARN of the Secrets Manager secret holding the token signing keys. */
  tokenSecretArn: 'TOKEN_SECRET_ARN',
  /** Local: the signing keys themselves (JSON, see tokens.ts). Used when no secret ARN is set. */
  tokenKeys: 'TOKEN_KEYS',
  /** Origins (comma-separated) whose pages may POST /subscribe as JSON (CORS). */
  corsOrigins: 'CORS_ORIGINS',
  /** Subscribe requests a minute per client, per function instance. */
  subscribeRateLimit: 'SUBSCRIBE_RATE_LIMIT',
  /** Most breaking alerts one reader gets per day (their time zone); the rest wait for the digest. */
  alertDailyCap: 'ALERT_DAILY_CAP',
  /** The organisation that sends the mail: shown in every footer and text part. */
  organisationName: 'ORGANISATION_NAME',
  /** Its postal address, one line: shown in every footer and text part. */
  postalAddress: 'POSTAL_ADDRESS',
  /** Reply-To of every message; none when unset. */
  replyToEmail: 'REPLY_TO_EMAIL',
  /** The digest's schedule (EventBridge cron) and its time zone: the welcome says when it arrives. */
  digestScheduleCron: 'DIGEST_SCHEDULE_CRON',
  digestTimeZone: 'DIGEST_TIME_ZONE',
  /** Article links through the click redirect: aggregate (default), per-reader, off. */
  clickTracking: 'CLICK_TRACKING',
  /** The schedule group of issues' one-time schedules: the planner removes an issue's once it has run. */
  issueScheduleGroup: 'ISSUE_SCHEDULE_GROUP',
  /**
   * The role issues' one-time schedules invoke the planner with, and their dead-letter queue (the
   * planner schedules a subject test's rest).
   */
  issueScheduleRoleArn: 'ISSUE_SCHEDULE_ROLE_ARN',
  issueScheduleDeadLetterArn: 'ISSUE_SCHEDULE_DEAD_LETTER_ARN',
  /** The account: with Lambda's AWS_REGION and AWS_LAMBDA_FUNCTION_NAME, the planner's own ARN. */
  issueScheduleAccount: 'ISSUE_SCHEDULE_ACCOUNT',
  /** The console: the digest planner's ARN (Send now invokes it; an issue's schedule names it). */
  digestPlannerArn: 'DIGEST_PLANNER_ARN',
  /** `schedule` (the weekly cron) or `local-time` (each reader at DIGEST_LOCAL_TIME on their own clock). */
  digestDelivery: 'DIGEST_DELIVERY',
  /** `HH:MM`: the readers' local hour in local-time mode. */
  digestLocalTime: 'DIGEST_LOCAL_TIME',
  /** AWS: ARN of the secret holding the address key (keyed digests of erased addresses and limited keys). */
  addressKeySecretArn: 'ADDRESS_KEY_SECRET_ARN',
  /** The console (lambdas/console): the OpenID Connect issuer editors sign in with (the user pool's, or the local provider's). */
  consoleIssuer: 'CONSOLE_ISSUER',
  /** The console: its app client's id (the ID token's audience). */
  consoleClientId: 'CONSOLE_CLIENT_ID',
  /** The console: the base URL it is served under /admin of (its callback is `<base>/admin/callback`). */
  consoleBaseUrl: 'CONSOLE_BASE_URL',
  /** The console: where sign-out ends the provider's session when discovery names no end_session_endpoint (Cognito's /logout). */
  consoleLogoutUrl: 'CONSOLE_LOGOUT_URL',
  /** AWS: ARN of the secret the console's session cookies are sealed with. */
  consoleSessionSecretArn: 'CONSOLE_SESSION_SECRET_ARN',
  /** Local: the session key itself. Used when no secret ARN is set. */
  consoleSessionKey: 'CONSOLE_SESSION_KEY',
  /** The console: days its audit log keeps an entry (core/audit.ts; default 400). */
  auditRetentionDays: 'AUDIT_RETENTION_DAYS',
  /** Local: the address key itself. Used when no secret ARN is set. */
  addressKey: 'ADDRESS_KEY',
  /** The sign-up queue: the API hands each sign-up (and welcome) to the sign-ups function through it. */
  signupQueueUrl: 'SIGNUP_QUEUE_URL',
  /** Days after a reader declined or unsubscribed during which a web sign-up sends them nothing. */
  signupCoolingDays: 'SIGNUP_COOLING_DAYS',
  /** `allow`: addresses at reserved domains (.test, .example, .invalid, .localhost) may sign up (local mode only). */
  reservedDomains: 'RESERVED_DOMAINS',
} as const;

/** The send engine's settings, of the sender and the planner (read by core/send-settings.ts). */
export const SEND_ENV = {
  /** Fixed total send rate (messages a second, all senders together); unset: read SES GetSendQuota. */
  sendRate: 'SEND_RATE',
  /**
   * Total send rate when the SES endpoint does not answer GetSendQuota (an emulator: the local
   * mode sets it). Unset, as on AWS: the quota must be read, and failing to is an error.
   */
  sendRateFallback: 'SEND_RATE_FALLBACK',
  /** Share of the account's MaxSendRate to use when no fixed rate is set. */
  rateShare: 'SEND_RATE_SHARE',
  /** Most sender invocations at once (the queue event source's maximum concurrency). */
  senderConcurrency: 'SENDER_CONCURRENCY',
  /** Claim lease in milliseconds: longer than a sender can live (its timeout). */
  claimLeaseMs: 'CLAIM_LEASE_MS',
  /** Where the planner hands the rest of a large audience (AWS: an SQS queue it reads itself). */
  planQueueUrl: 'PLAN_QUEUE_URL',
} as const;

/** Environment variables of the sender and the ses-events function (all optional). */
export const BRAKE_ENV = {
  tripAfter: 'SENDING_PAUSE_TRIP_AFTER',
  backoffBaseMs: 'SENDING_PAUSE_BACKOFF_MS',
  backoffMaxMs: 'SENDING_PAUSE_BACKOFF_MAX_MS',
  cacheMs: 'SENDING_STATE_CACHE_MS',
  window: 'REPUTATION_WINDOW',
  minSample: 'REPUTATION_MIN_SAMPLE',
  minEvents: 'REPUTATION_MIN_EVENTS',
  bounceRate: 'REPUTATION_BOUNCE_RATE',
  complaintRate: 'REPUTATION_COMPLAINT_RATE',
} as const satisfies Partial<Record<keyof BrakeSettings, string>>;
