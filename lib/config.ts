/**
 * Stack settings, read from CDK context (`cdk.json` or `-c key=value`) and validated once
 * before any construct is created, so a bad value fails the synth with a message that says
 * which setting is wrong and how to fix it, instead of surfacing later as a failed deploy.
 */
import { DEFAULT_AUDIT_DAYS, MAX_AUDIT_DAYS, MIN_AUDIT_DAYS } from '../lambdas/core/audit';
import { cronProblem, email, flag, hostname, isKnownTimeZone, oneLine, optional, secretName, wholeNumber } from './config-fields';
import { domainOf, isPlaceholderDomain, isWithin } from './domains';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { CLICK_TRACKING_MODES, DEFAULT_CLICK_TRACKING, type ClickTracking } from '../lambdas/core/click-token';
import { DEFAULT_LOCAL_TIME, DIGEST_DELIVERIES, LOCAL_TIME_PATTERN, type DigestDelivery } from '../lambdas/core/local-time';

export { domainOf, isPlaceholderDomain, isWithin } from './domains';

/** Typed, validated stack settings. */
export interface BriefingConfig {
  /** The From address; its domain becomes the SES identity (Easy DKIM). */
  readonly senderEmail: string;
  /** The From display name. */
  readonly senderName: string;
  /** Name of the newsletter, used in descriptions and the alarm topic's display name. */
  readonly newsletterName: string;
  /** The organisation that sends the newsletter: shown in every footer and text part. Required. */
  readonly organisationName: string;
  /** Its postal address on one line (CAN-SPAM asks for one in commercial mail): in every footer and text part. Required. */
  readonly postalAddress: string;
  /** Reply-To of every message (the welcome invites replies); none when absent. */
  readonly replyToEmail?: string;
  /** EventBridge Scheduler cron expression (6 fields) for the weekly digest. */
  readonly scheduleCron: string;
  /** IANA time zone the cron expression is read in. */
  readonly timeZone: string;
  /**
   * `schedule`: the digest goes to everyone at `scheduleCron`. `local-time`: each reader gets
   * the latest issue on its date at `digestLocalTime` on their own clock; the planner then runs
   * every 15 minutes instead of on `scheduleCron`.
   * @default 'schedule'
   */
  readonly digestDelivery: DigestDelivery;
  /** `HH:MM`: the readers' local hour in local-time mode. @default '07:00' */
  readonly digestLocalTime: string;
  /** Public base URL for links in mail; when absent, the HTTP API's own URL is used. */
  readonly publicBaseUrl?: string;
  /** Upper bound of concurrent sender invocations (the SQS event source's maximum concurrency). */
  readonly senderConcurrency: number;
  /** Where alarm notifications go; when absent, the alarm topic has no subscription. */
  readonly alarmEmail?: string;
  /** Breaking alerts one reader gets per day (their time zone); the rest wait for the digest. */
  readonly alertDailyCap: number;
  /**
   * Accept a reserved placeholder sender domain (example.com, *.test, ...). For tests and CI
   * only: such a stack synthesizes but could never send.
   */
  readonly allowPlaceholderSender: boolean;
  /** Custom MAIL FROM domain (SPF alignment); `bounce.<sender domain>` unless set. */
  readonly mailFromDomain: string;
  /** Route 53 hosted zone that holds the sender domain (given with hostedZoneName); the stack then writes the DNS records itself. */
  readonly hostedZoneId?: string;
  /** Name of that hosted zone, e.g. `yourdomain.example`. */
  readonly hostedZoneName?: string;
  /** Where DMARC aggregate reports go (`rua=mailto:`); the record has no `rua` when absent. */
  readonly dmarcReportEmail?: string;
  /**
   * `create` publishes `_dmarc.<sender domain>` in the hosted zone (or lists it in the outputs);
   * `skip` when the domain has one already.
   */
  readonly dmarcRecord: 'create' | 'skip';
  /** Reuse the SES identity of the sender domain the account already has instead of creating it. */
  readonly existingIdentity: boolean;
  /** Name of a token key secret kept from an earlier deployment, to import instead of creating one. */
  readonly tokenSecretName?: string;
  /** Name of an address key secret kept from an earlier deployment (erasure markers stay readable), to import instead of creating one. */
  readonly addressKeySecretName?: string;
  /**
   * Days after a reader declined a sign-up or unsubscribed during which a web sign-up of their
   * address sends nothing (it answers as for any address).
   * @default 30
   */
  readonly signupCoolingDays: number;
  /**
   * Days the console's audit log keeps an entry (DynamoDB's TTL removes it after).
   * @default 400
   */
  readonly auditRetentionDays: number;
  /** Custom domain of the HTTP API, e.g. `news.yourdomain.example`; links in mail then use it. */
  readonly apiDomainName?: string;
  /** ACM certificate (same region as the stack) for apiDomainName; when absent one is created and validated in the hosted zone. */
  readonly certificateArn?: string;
  /** Origins (`https://www.yourdomain.example`) whose pages may POST /subscribe; none when absent. */
  readonly corsOrigins?: string[];
  /**
   * Clicks on article links, counted through the signed redirect `/r/<token>`: `aggregate`
   * (per article, nobody's clicks recorded), `per-reader` (also who clicked what, on the
   * reader's ledger entry), `off` (plain links).
   * @default 'aggregate'
   */
  readonly clickTracking: ClickTracking;
  /**
   * Open tracking by a pixel. Not implemented, by design: Apple Mail Privacy Protection and
   * image proxies load every pixel, so opens say little; only `false` is accepted.
   * @default false
   */
  readonly openTracking: boolean;
}

/** The context keys, in the order they are reported. */
export const CONFIG_KEYS = [
  'senderEmail',
  'senderName',
  'newsletterName',
  'organisationName',
  'postalAddress',
  'replyToEmail',
  'scheduleCron',
  'timeZone',
  'digestDelivery',
  'digestLocalTime',
  'publicBaseUrl',
  'senderConcurrency',
  'alarmEmail',
  'alertDailyCap',
  'allowPlaceholderSender',
  'mailFromDomain',
  'hostedZoneId',
  'hostedZoneName',
  'dmarcReportEmail',
  'dmarcRecord',
  'existingIdentity',
  'tokenSecretName',
  'addressKeySecretName',
  'signupCoolingDays',
  'auditRetentionDays',
  'apiDomainName',
  'certificateArn',
  'corsOrigins',
  'clickTracking',
  'openTracking',
] as const satisfies readonly (keyof BriefingConfig)[];

/** An example value per key, quoted in error messages so the fix can be copied. */
const EXAMPLES: Record<keyof BriefingConfig, string> = {
  senderEmail: 'you@yourdomain.example',
  senderName: '"Your Brief"',
  newsletterName: '"Your Brief"',
  organisationName: '"Your Organisation Ltd"',
  postalAddress: '"1 Main Street, 1000 City, Country"',
  replyToEmail: 'editors@yourdomain.example',
  scheduleCron: '"cron(0 7 ? * MON *)"',
  timeZone: 'Europe/Brussels',
  digestDelivery: 'local-time',
  digestLocalTime: '07:00',
  publicBaseUrl: 'https://news.yourdomain.example',
  senderConcurrency: '2',
  alarmEmail: 'ops@yourdomain.example',
  alertDailyCap: '3',
  allowPlaceholderSender: 'true',
  mailFromDomain: 'bounce.yourdomain.example',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'yourdomain.example',
  dmarcReportEmail: 'dmarc@yourdomain.example',
  dmarcRecord: 'skip',
  existingIdentity: 'true',
  tokenSecretName: 'Briefing/token-keys',
  addressKeySecretName: 'Briefing/address-key',
  signupCoolingDays: '30',
  auditRetentionDays: '400',
  apiDomainName: 'news.yourdomain.example',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/...',
  corsOrigins: 'https://www.yourdomain.example,https://yourdomain.example',
  clickTracking: 'aggregate',
  openTracking: 'false',
};

/**
 * The organisation and postal address a stack synthesised with allowPlaceholderSender shows
 * when none is given: such a stack can never send, so they are never seen by a reader.
 */
const PLACEHOLDER_IDENTITY = {
  organisationName: 'Example Organisation (placeholder)',
  postalAddress: '1 Example Street, 0000 Example City (placeholder)',
} as const;

const schemas = {
  senderEmail: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), email),
  senderName: oneLine,
  newsletterName: oneLine,
  organisationName: oneLine,
  postalAddress: oneLine,
  replyToEmail: optional(
    z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z
        .string()
        .regex(/^[^\r\n]*$/, 'must be one line (a line break in a header would let it add headers of its own)')
        .pipe(email),
    ),
  ),
  scheduleCron: z
    .string({ error: 'is missing' })
    .trim()
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  timeZone: z.string({ error: 'is missing' }).trim().refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Brussels'),
  digestDelivery: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? 'schedule' : v),
    z.enum(DIGEST_DELIVERIES, { error: `must be ${DIGEST_DELIVERIES.join(' or ')}` }),
  ),
  digestLocalTime: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? DEFAULT_LOCAL_TIME : typeof v === 'string' ? v.trim() : v),
    z.string({ error: 'must be HH:MM' }).regex(LOCAL_TIME_PATTERN, 'must be HH:MM, from 00:00 to 23:59'),
  ),
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
  alertDailyCap: wholeNumber(3, 1, 50),
  allowPlaceholderSender: flag,
  // Resolved to bounce.<sender domain> after the per-key checks, when not given.
  mailFromDomain: optional(hostname),
  hostedZoneId: optional(
    z
      .string()
      .trim()
      .regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
  ),
  hostedZoneName: optional(hostname),
  dmarcReportEmail: optional(email),
  dmarcRecord: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? 'create' : v),
    z.enum(['create', 'skip'], { error: 'must be create or skip' }),
  ),
  existingIdentity: flag,
  tokenSecretName: secretName,
  addressKeySecretName: secretName,
  signupCoolingDays: wholeNumber(30, 0, 3650, ' of days'),
  auditRetentionDays: wholeNumber(DEFAULT_AUDIT_DAYS, MIN_AUDIT_DAYS, MAX_AUDIT_DAYS, ' of days'),
  apiDomainName: optional(hostname),
  certificateArn: optional(
    z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, 'must be an ACM certificate ARN'),
  ),
  // The API function checks CORS_ORIGINS at cold start with this same pattern and refuses to
  // start on a bad one, which would take every route down: checked here, before a deploy.
  corsOrigins: optional(
    z
      .preprocess((v) => (Array.isArray(v) ? v.join(',') : v), z.string({ error: 'must be a comma-separated list of origins' }))
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().regex(/^https?:\/\/[^/\s]+$/, 'must list origins such as https://www.yourdomain.example (scheme and host, no path)'),
        ),
      ),
  ),
  clickTracking: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? DEFAULT_CLICK_TRACKING : typeof v === 'string' ? v.trim() : v),
    z.enum(CLICK_TRACKING_MODES as [ClickTracking, ...ClickTracking[]], { error: `must be one of ${CLICK_TRACKING_MODES.join(', ')}` }),
  ),
  // A pixel would count Apple Mail Privacy Protection's and image proxies' loads, not readers.
  openTracking: flag.pipe(
    z.literal(false, { error: 'is not implemented: opens are not tracked by design (privacy proxies load every pixel), leave it false' }),
  ),
} satisfies Record<keyof BriefingConfig, z.ZodType>;

/**
 * Checks that involve more than one setting, on settings that each passed their own check.
 * Each problem names the setting to change.
 */
function crossProblems(c: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const senderEmail = c.senderEmail as string | undefined;
  if (!senderEmail) return problems;
  const domain = domainOf(senderEmail);
  if (isPlaceholderDomain(domain) && !c.allowPlaceholderSender) {
    problems.push(
      `senderEmail ${senderEmail} uses ${domain}, a domain reserved for examples (RFC 2606/6761): SES can never verify it ` +
        `and mail from it cannot be delivered. Set your own with -c senderEmail=newsletter@<your domain> ` +
        `(tests and CI synthesize with -c allowPlaceholderSender=true).`,
    );
  }
  const mailFrom = c.mailFromDomain as string | undefined;
  // SES requires the MAIL FROM domain to be a subdomain of the identity, and not one used to send From.
  if (mailFrom !== undefined && (!isWithin(mailFrom, domain) || mailFrom === domain)) {
    problems.push(
      `mailFromDomain ${mailFrom} must be a subdomain of the sender domain ${domain}. Set it with -c mailFromDomain=bounce.${domain}.`,
    );
  }
  const zoneId = c.hostedZoneId as string | undefined;
  const zoneName = c.hostedZoneName as string | undefined;
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    problems.push(
      'hostedZoneId and hostedZoneName are given together or not at all. Set both with -c hostedZoneId=Z0123456789ABCDEFGHIJ -c hostedZoneName=yourdomain.example.',
    );
  } else if (zoneName !== undefined && !isWithin(domain, zoneName)) {
    problems.push(`hostedZoneName ${zoneName} does not hold the sender domain ${domain}: give the zone of ${domain} (or a parent of it).`);
  }
  const api = c.apiDomainName as string | undefined;
  if (api !== undefined && c.certificateArn === undefined && (zoneName === undefined || !isWithin(api, zoneName))) {
    problems.push(
      `apiDomainName ${api} needs a certificate: give -c certificateArn=arn:aws:acm:<region>:<account>:certificate/<id>, ` +
        'or a hosted zone that holds it (-c hostedZoneId=... -c hostedZoneName=...) so the stack can create and validate one.',
    );
  }
  // The MAIL FROM domain carries SES's MX and SPF records and nothing else: an API host there
  // would put its alias (or a CNAME, which cannot share a name with MX and TXT) on the same name.
  if (api !== undefined && api === (mailFrom ?? `bounce.${domain}`)) {
    problems.push(
      `apiDomainName ${api} is the MAIL FROM domain, which SES needs for its MX and SPF records alone. ` +
        `Give the API another host, e.g. -c apiDomainName=api.${domain}, or move MAIL FROM with -c mailFromDomain=mail.${domain}.`,
    );
  }
  if (c.certificateArn !== undefined && api === undefined) {
    problems.push(
      'certificateArn is only used with apiDomainName. Set -c apiDomainName=news.yourdomain.example, or leave certificateArn out.',
    );
  }
  return problems;
}

/**
 * Read and validate every setting through `get` (a context lookup).
 * Pure, so it can be tested without an App.
 *
 * @throws Error listing each missing or invalid setting, what is wrong with it, and how to set it.
 */
export function readConfig(get: (key: string) => unknown): BriefingConfig {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  const placeholdersAllowed = schemas.allowPlaceholderSender.safeParse(get('allowPlaceholderSender')).data === true;
  for (const key of CONFIG_KEYS) {
    let raw = get(key);
    // A stack that can never send (tests, CI) may leave the sender's identity out too.
    if (placeholdersAllowed && (raw === undefined || raw === '') && key in PLACEHOLDER_IDENTITY)
      raw = PLACEHOLDER_IDENTITY[key as keyof typeof PLACEHOLDER_IDENTITY];
    const parsed = schemas[key].safeParse(raw);
    if (parsed.success) {
      if (parsed.data !== undefined) out[key] = parsed.data;
    } else {
      const what = parsed.error.issues.map((i) => i.message).join('; ');
      const got = raw === undefined ? ' (not set)' : ` (got ${JSON.stringify(raw)})`;
      const identity =
        key in PLACEHOLDER_IDENTITY && raw === undefined ? ' Every message shows it in its footer (required for commercial mail).' : '';
      problems.push(`${key} ${what}${got}.${identity} Set it with -c ${key}=${EXAMPLES[key]} or edit "context" in cdk.json.`);
    }
  }
  problems.push(...crossProblems(out));
  if (problems.length) throw new Error(`Invalid CDK context:\n  ${problems.join('\n  ')}`);
  if (out.mailFromDomain === undefined) out.mailFromDomain = `bounce.${domainOf(out.senderEmail as string)}`;
  return out as unknown as BriefingConfig;
}

/** Read the settings from a construct's context (normally the App). */
export function configFromContext(scope: Construct): BriefingConfig {
  return readConfig((key) => scope.node.tryGetContext(key));
}
