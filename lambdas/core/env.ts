/**
 * Function configuration, read from environment variables and validated once at cold start.
 * The CDK constructs set exactly these names; the local mode sets them for its own process.
 */
import { z } from 'zod';
import { CLICK_TRACKING_MODES, DEFAULT_CLICK_TRACKING, type ClickTracking } from './click-token';
import { DEFAULT_LOCAL_TIME, DIGEST_DELIVERIES, LOCAL_TIME_PATTERN } from './local-time';

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
  /** The role issues' one-time schedules invoke the planner with, and their dead-letter queue (the planner schedules a subject test's rest). */
  issueScheduleRoleArn: 'ISSUE_SCHEDULE_ROLE_ARN',
  issueScheduleDeadLetterArn: 'ISSUE_SCHEDULE_DEAD_LETTER_ARN',
  /** The account: with Lambda's AWS_REGION and AWS_LAMBDA_FUNCTION_NAME, the planner's own ARN. */
  issueScheduleAccount: 'ISSUE_SCHEDULE_ACCOUNT',
  /** `schedule` (the weekly cron) or `local-time` (each reader at DIGEST_LOCAL_TIME on their own clock). */
  digestDelivery: 'DIGEST_DELIVERY',
  /** `HH:MM`: the readers' local hour in local-time mode. */
  digestLocalTime: 'DIGEST_LOCAL_TIME',
  /** AWS: ARN of the secret holding the address key (keyed digests of erased addresses and limited keys). */
  addressKeySecretArn: 'ADDRESS_KEY_SECRET_ARN',
  /** Local: the address key itself. Used when no secret ARN is set. */
  addressKey: 'ADDRESS_KEY',
  /** The sign-up queue: the API hands each sign-up (and welcome) to the sign-ups function through it. */
  signupQueueUrl: 'SIGNUP_QUEUE_URL',
  /** Days after a reader declined or unsubscribed during which a web sign-up sends them nothing. */
  signupCoolingDays: 'SIGNUP_COOLING_DAYS',
  /** `allow`: addresses at reserved domains (.test, .example, .invalid, .localhost) may sign up (local mode only). */
  reservedDomains: 'RESERVED_DOMAINS',
} as const;

const nonEmpty = (name: string) => z.string({ error: `${name} is not set` }).min(1, `${name} is empty`);

const oneLine = (name: string) => nonEmpty(name).regex(/^[^\r\n]+$/, `${name} must be one line`);

const schemas = {
  subscribersTable: nonEmpty(ENV.subscribersTable),
  contentTable: nonEmpty(ENV.contentTable),
  deliveriesTable: nonEmpty(ENV.deliveriesTable),
  sendQueueUrl: nonEmpty(ENV.sendQueueUrl),
  senderEmail: z.email({ error: `${ENV.senderEmail} must be an email address` }),
  senderName: nonEmpty(ENV.senderName).regex(/^[^\r\n]+$/, `${ENV.senderName} must be one line`),
  publicBaseUrl: z.url({ error: `${ENV.publicBaseUrl} must be an absolute http(s) URL` }).regex(/^https?:\/\//),
  configurationSet: z.string().optional(),
  tokenSecretArn: z.string().optional(),
  tokenKeys: z.string().optional(),
  corsOrigins: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, `${'CORS_ORIGINS'} must list origins like https://www.example.org (no path)`))),
  subscribeRateLimit: z.coerce.number().int().min(1).max(10_000).default(5),
  organisationName: oneLine(ENV.organisationName),
  postalAddress: oneLine(ENV.postalAddress),
  replyToEmail: z
    .string()
    .regex(/^[^\r\n]*$/, `${ENV.replyToEmail} must be one line (a line break would add headers of its own)`)
    .pipe(z.email({ error: `${ENV.replyToEmail} must be an email address` }))
    .optional(),
  // EventBridge `cron(...)` on AWS, a five-field cron locally: core/schedule reads both.
  digestScheduleCron: z.string().optional(),
  digestTimeZone: z.string().optional(),
  clickTracking: z
    .enum(CLICK_TRACKING_MODES as [ClickTracking, ...ClickTracking[]], { error: `${'CLICK_TRACKING'} must be one of ${CLICK_TRACKING_MODES.join(', ')}` })
    .default(DEFAULT_CLICK_TRACKING),
  issueScheduleGroup: z.string().optional(),
  issueScheduleRoleArn: z.string().optional(),
  issueScheduleDeadLetterArn: z.string().optional(),
  issueScheduleAccount: z.string().optional(),
  digestDelivery: z.enum(DIGEST_DELIVERIES, { error: `${ENV.digestDelivery} must be ${DIGEST_DELIVERIES.join(' or ')}` }).default('schedule'),
  digestLocalTime: z.string().regex(LOCAL_TIME_PATTERN, `${ENV.digestLocalTime} must be HH:MM (00:00 to 23:59)`).default(DEFAULT_LOCAL_TIME),
  alertDailyCap: z.coerce
    .number({ error: `${ENV.alertDailyCap} must be a number` })
    .int()
    .min(1)
    .max(50)
    .default(3),
  addressKeySecretArn: z.string().optional(),
  addressKey: z.string().optional(),
  signupQueueUrl: nonEmpty(ENV.signupQueueUrl),
  signupCoolingDays: z.coerce
    .number({ error: `${ENV.signupCoolingDays} must be a number of days` })
    .min(0)
    .max(3650)
    .default(30),
  reservedDomains: z
    .enum(['allow', 'refuse'], { error: `${ENV.reservedDomains} must be allow or refuse` })
    .default('refuse')
    .transform((v) => v === 'allow'),
};

export type EnvKey = keyof typeof schemas;
export type FunctionEnv<K extends EnvKey> = { [P in K]: z.infer<(typeof schemas)[P]> };

/**
 * Read and validate the named settings. Throws one error listing every missing or invalid
 * variable, so a misconfigured function fails at cold start with a message that says which.
 */
export function readEnv<K extends EnvKey>(keys: readonly K[], source: NodeJS.ProcessEnv = process.env): FunctionEnv<K> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const raw = source[ENV[key]];
    const parsed = schemas[key].safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${ENV[key]}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length) throw new Error(`Invalid function configuration:\n  ${problems.join('\n  ')}`);
  return out as FunctionEnv<K>;
}
