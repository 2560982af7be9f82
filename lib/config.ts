/**
 * Stack settings, read from CDK context (`cdk.json` or `-c key=value`) and validated once
 * before any construct is created, so a bad value fails the synth with a message that says
 * which setting is wrong and how to fix it, instead of surfacing later as a failed deploy.
 */
import type { Construct } from 'constructs';
import { z } from 'zod';

/** Typed, validated stack settings. */
export interface BriefingConfig {
  /** The From address; its domain becomes the SES identity (Easy DKIM). */
  readonly senderEmail: string;
  /** The From display name. */
  readonly senderName: string;
  /** Name of the newsletter, used in descriptions and the alarm topic's display name. */
  readonly newsletterName: string;
  /** EventBridge Scheduler cron expression (6 fields) for the weekly digest. */
  readonly scheduleCron: string;
  /** IANA time zone the cron expression is read in. */
  readonly timeZone: string;
  /** Public base URL for links in mail; when absent, the HTTP API's own URL is used. */
  readonly publicBaseUrl?: string;
  /** Upper bound of concurrent sender invocations (the SQS event source's maximum concurrency). */
  readonly senderConcurrency: number;
  /** Where alarm notifications go; when absent, the alarm topic has no subscription. */
  readonly alarmEmail?: string;
  /** Breaking alerts one reader gets per day (their time zone); the rest wait for the digest. */
  readonly alertDailyCap: number;
}

/** The context keys, in the order they are reported. */
export const CONFIG_KEYS = [
  'senderEmail',
  'senderName',
  'newsletterName',
  'scheduleCron',
  'timeZone',
  'publicBaseUrl',
  'senderConcurrency',
  'alarmEmail',
  'alertDailyCap',
] as const satisfies readonly (keyof BriefingConfig)[];

/** An example value per key, quoted in error messages so the fix can be copied. */
const EXAMPLES: Record<keyof BriefingConfig, string> = {
  senderEmail: 'you@yourdomain.example',
  senderName: '"Your Brief"',
  newsletterName: '"Your Brief"',
  scheduleCron: '"cron(0 7 ? * MON *)"',
  timeZone: 'Europe/Brussels',
  publicBaseUrl: 'https://news.yourdomain.example',
  senderConcurrency: '2',
  alarmEmail: 'ops@yourdomain.example',
  alertDailyCap: '3',
};

/** Whether the runtime knows this IANA zone (Intl throws a RangeError for an unknown one). */
function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * EventBridge cron: `cron(minutes hours day-of-month month day-of-week year)`. Scheduler
 * rejects an expression that gives both day fields, so one of them must be `?`.
 */
function cronProblem(expression: string): string | undefined {
  const inner = /^cron\((.+)\)$/.exec(expression)?.[1];
  if (inner === undefined) return 'must look like cron(minutes hours day-of-month month day-of-week year)';
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) return `must have 6 fields inside cron(...), found ${fields.length}`;
  if (fields[2] !== '?' && fields[4] !== '?') return 'day-of-month or day-of-week must be "?"';
  return undefined;
}

const oneLine = z
  .string({ error: 'is missing' })
  .trim()
  .min(1, 'is empty')
  .regex(/^[^\r\n]+$/, 'must be one line (no line breaks)');

const email = z.email({ error: 'must be an email address' });

/** `-c key=` gives an empty string: treat it like an absent optional setting. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const schemas = {
  senderEmail: z.preprocess((v) => (v === undefined ? v : String(v).trim()), email),
  senderName: oneLine,
  newsletterName: oneLine,
  scheduleCron: z
    .string({ error: 'is missing' })
    .trim()
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  timeZone: z
    .string({ error: 'is missing' })
    .trim()
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Brussels'),
  publicBaseUrl: optional(
    z
      .url({ error: 'must be an absolute https URL' })
      .regex(/^https:\/\//, 'must be an https URL')
      // Links are built as `${base}/unsubscribe`; a trailing slash would double it.
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  // Values given with -c arrive as strings; cdk.json gives numbers.
  senderConcurrency: z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: 'must be a whole number from 2 to 50' })
      .int('must be a whole number from 2 to 50')
      // Lambda's SQS event source accepts a maximum concurrency of 2 or more.
      .min(2, 'must be at least 2 (the lowest maximum concurrency of an SQS event source)')
      .max(50, 'must be at most 50'),
  ),
  alarmEmail: optional(email),
  alertDailyCap: z.preprocess(
    (v) => (v === undefined ? 3 : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: 'must be a whole number from 1 to 50' }).int('must be a whole number from 1 to 50').min(1, 'must be at least 1').max(50, 'must be at most 50'),
  ),
} satisfies Record<keyof BriefingConfig, z.ZodType>;

/**
 * Read and validate every setting through `get` (a context lookup).
 * Pure, so it can be tested without an App.
 *
 * @throws Error listing each missing or invalid setting, what is wrong with it, and how to set it.
 */
export function readConfig(get: (key: string) => unknown): BriefingConfig {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of CONFIG_KEYS) {
    const raw = get(key);
    const parsed = schemas[key].safeParse(raw);
    if (parsed.success) {
      if (parsed.data !== undefined) out[key] = parsed.data;
    } else {
      const what = parsed.error.issues.map((i) => i.message).join('; ');
      const got = raw === undefined ? ' (not set)' : ` (got ${JSON.stringify(raw)})`;
      problems.push(
        `${key} ${what}${got}. Set it with -c ${key}=${EXAMPLES[key]} or edit "context" in cdk.json.`,
      );
    }
  }
  if (problems.length) throw new Error(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
  return out as unknown as BriefingConfig;
}

/** Read the settings from a construct's context (normally the App). */
export function configFromContext(scope: Construct): BriefingConfig {
  return readConfig((key) => scope.node.tryGetContext(key));
}
