/**
 * Function configuration, read from environment variables (their names: core/function-env.ts)
 * and validated once at cold start.
 */
import { z } from 'zod';
import { CLICK_TRACKING_MODES, DEFAULT_CLICK_TRACKING, type ClickTracking } from './click-token';
import { DEFAULT_LOCAL_TIME, DIGEST_DELIVERIES, LOCAL_TIME_PATTERN } from './local-time';
import { ENV } from './function-env';

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
    .enum(CLICK_TRACKING_MODES as [ClickTracking, ...ClickTracking[]], {
      error: `${'CLICK_TRACKING'} must be one of ${CLICK_TRACKING_MODES.join(', ')}`,
    })
    .default(DEFAULT_CLICK_TRACKING),
  issueScheduleGroup: z.string().optional(),
  issueScheduleRoleArn: z.string().optional(),
  issueScheduleDeadLetterArn: z.string().optional(),
  issueScheduleAccount: z.string().optional(),
  digestDelivery: z
    .enum(DIGEST_DELIVERIES, { error: `${ENV.digestDelivery} must be ${DIGEST_DELIVERIES.join(' or ')}` })
    .default('schedule'),
  digestLocalTime: z
    .string()
    .regex(LOCAL_TIME_PATTERN, `${ENV.digestLocalTime} must be HH:MM (00:00 to 23:59)`)
    .default(DEFAULT_LOCAL_TIME),
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
