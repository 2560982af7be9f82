/**
 * Settings of the local mode, all from environment variables with defaults, validated once.
 *
 * | variable                      | default                 |
 * | BRIEFING_HTTP_PORT (or PORT)  | 3000                    |
 * | BRIEFING_DYNAMODB_PORT        | 8000                    |
 * | BRIEFING_SES_PORT             | 8005                    |
 * | BRIEFING_DATA_DIR             | .briefing               |
 * | BRIEFING_SENDER_EMAIL         | newsletter@example.com  |
 * | BRIEFING_SENDER_NAME          | EU–Japan Security Brief |
 * | BRIEFING_SCHEDULE             | 0 7 * * MON  (cron)     |
 * | BRIEFING_TIME_ZONE            | Europe/Brussels         |
 * | BRIEFING_DIGEST_DELIVERY      | schedule (or local-time: every reader at BRIEFING_DIGEST_LOCAL_TIME, planner every 15 min) |
 * | BRIEFING_DIGEST_LOCAL_TIME    | 07:00                   |
 * | BRIEFING_TABLE_PREFIX         | briefing-               |
 * | BRIEFING_ALERT_DAILY_CAP      | 3                       |
 * | BRIEFING_CLICK_TRACKING       | aggregate (per-reader, off) |
 * | BRIEFING_SEND_RATE            | 1000 (messages a second, when SES does not answer GetSendQuota) |
 * | AWS_ENDPOINT_URL_DYNAMODB     | (start DynamoDB Local)  |
 * | AWS_ENDPOINT_URL_SES          | (start the SES emulator)|
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { portFromEnv } from './ports';
import { LEASE_MS } from './sender-lease';
import { CLICK_TRACKING_MODES, DEFAULT_CLICK_TRACKING, type ClickTracking } from '../../lambdas/core/click-token';
import { DEFAULT_LOCAL_TIME, DIGEST_DELIVERIES, LOCAL_TIME_PATTERN, type DigestDelivery } from '../../lambdas/core/local-time';

export interface LocalConfig {
  httpPort: number;
  dynamoPort: number;
  sesPort: number;
  dataDir: string;
  senderEmail: string;
  senderName: string;
  /** The organisation and postal address in every footer (samples here; required settings on AWS). */
  organisationName: string;
  postalAddress: string;
  /** Reply-To of every message; none when unset. */
  replyToEmail?: string;
  /** Five-field cron, in `timeZone`. */
  schedule: string;
  timeZone: string;
  /**
   * `schedule`: the digest goes out at `schedule`. `local-time`: each reader gets it at
   * `digestLocalTime` on their own clock; the planner runs every 15 minutes.
   * @default 'schedule'
   */
  digestDelivery: DigestDelivery;
  /** `HH:MM`, the readers' local hour in local-time mode. @default '07:00' */
  digestLocalTime: string;
  /** Endpoints given from outside: no bundled emulator is started for these. */
  dynamoEndpoint?: string;
  sesEndpoint?: string;
  tables: { subscribers: string; content: string; deliveries: string };
  /** Breaking alerts per reader per day before the rest wait for the digest. */
  alertDailyCap: number;
  /**
   * Messages a second for the whole local send when the SES endpoint does not answer
   * GetSendQuota (aws-ses-v2-local does not); an endpoint that answers sets the rate, as on AWS.
   * @default 1000
   */
  sendRateFallback?: number;
  /**
   * How long the local sender lease lasts after its last renewal (lib/local/sender-lease.ts):
   * how long a killed sender blocks the next one at most.
   * @default 10000
   */
  senderLeaseMs?: number;
  /**
   * Article links through the click redirect (see lib/config.ts).
   * @default 'aggregate'
   */
  clickTracking: ClickTracking;
  /**
   * Open tracking: not implemented by design (privacy proxies load every pixel); always false.
   * @default false
   */
  openTracking: false;
}

export function localConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const timeZone = env.BRIEFING_TIME_ZONE ?? 'Europe/Brussels';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`BRIEFING_TIME_ZONE: unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as Europe/Brussels)`);
  }
  return {
    httpPort: portFromEnv('BRIEFING_HTTP_PORT', portFromEnv('PORT', 3000, env), env),
    dynamoPort: portFromEnv('BRIEFING_DYNAMODB_PORT', 8000, env),
    sesPort: portFromEnv('BRIEFING_SES_PORT', 8005, env),
    dataDir: resolve(env.BRIEFING_DATA_DIR ?? '.briefing'),
    senderEmail: env.BRIEFING_SENDER_EMAIL ?? 'newsletter@example.com',
    senderName: env.BRIEFING_SENDER_NAME ?? 'EU–Japan Security Brief',
    organisationName: env.BRIEFING_ORGANISATION_NAME || 'Briefing Sample Publishers',
    postalAddress: env.BRIEFING_POSTAL_ADDRESS || '1 Sample Street, 1000 Brussels, Belgium',
    replyToEmail: env.BRIEFING_REPLY_TO_EMAIL || undefined,
    schedule: env.BRIEFING_SCHEDULE ?? '0 7 * * MON',
    timeZone,
    ...digestDelivery(env),
    dynamoEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined,
    sesEndpoint: env.AWS_ENDPOINT_URL_SES || env.AWS_ENDPOINT_URL || undefined,
    tables: tablesWithPrefix(env.BRIEFING_TABLE_PREFIX ?? 'briefing-'),
    alertDailyCap: positiveInt('BRIEFING_ALERT_DAILY_CAP', env.BRIEFING_ALERT_DAILY_CAP, 3),
    sendRateFallback: positiveNumber('BRIEFING_SEND_RATE', env.BRIEFING_SEND_RATE, DEFAULT_LOCAL_SEND_RATE),
    senderLeaseMs: leaseMs(env.BRIEFING_SENDER_LEASE_MS),
    clickTracking: clickTrackingFrom(env.BRIEFING_CLICK_TRACKING),
    openTracking: false,
  };
}

function clickTrackingFrom(raw: string | undefined): ClickTracking {
  if (raw === undefined || raw === '') return DEFAULT_CLICK_TRACKING;
  if (!(CLICK_TRACKING_MODES as readonly string[]).includes(raw))
    throw new Error(`BRIEFING_CLICK_TRACKING: one of ${CLICK_TRACKING_MODES.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as ClickTracking;
}

function digestDelivery(env: NodeJS.ProcessEnv): Pick<LocalConfig, 'digestDelivery' | 'digestLocalTime'> {
  const mode = env.BRIEFING_DIGEST_DELIVERY || 'schedule';
  if (!(DIGEST_DELIVERIES as readonly string[]).includes(mode))
    throw new Error(`BRIEFING_DIGEST_DELIVERY: ${DIGEST_DELIVERIES.join(' or ')}, got ${JSON.stringify(mode)}`);
  const localTime = env.BRIEFING_DIGEST_LOCAL_TIME || DEFAULT_LOCAL_TIME;
  if (!LOCAL_TIME_PATTERN.test(localTime))
    throw new Error(`BRIEFING_DIGEST_LOCAL_TIME: HH:MM from 00:00 to 23:59, got ${JSON.stringify(localTime)}`);
  return { digestDelivery: mode as DigestDelivery, digestLocalTime: localTime };
}

/** The local send rate where the SES endpoint gives no quota: the emulator takes any rate. */
export const DEFAULT_LOCAL_SEND_RATE = 1000;

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The sender lease, 1 to 600 seconds in milliseconds: shorter, and a process could lose it
 * between two sends at a slow rate (two pacers at once); longer, and a killed sender blocks the
 * next for more than ten minutes.
 */
function leaseMs(raw: string | undefined): number {
  if (raw === undefined || raw === '') return LEASE_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1_000 || n > 600_000)
    throw new Error(`BRIEFING_SENDER_LEASE_MS: milliseconds from 1000 to 600000, got ${JSON.stringify(raw)}`);
  return n;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`${name}: a whole number from 1 to 50, got ${JSON.stringify(raw)}`);
  return n;
}

function tablesWithPrefix(prefix: string): LocalConfig['tables'] {
  if (!/^[A-Za-z0-9_.-]{0,200}$/.test(prefix))
    throw new Error(`BRIEFING_TABLE_PREFIX: use letters, digits, _ . - only, got ${JSON.stringify(prefix)}`);
  return { subscribers: `${prefix}subscribers`, content: `${prefix}content`, deliveries: `${prefix}deliveries` };
}

/**
 * The token signing keys of this machine, kept in the data folder so links in mail already
 * sent keep working after a restart. Created on first use.
 */
/**
 * The local address key (keyed digests of erased addresses and the sign-up limits), made once
 * and kept with the data: a new one would let addresses erased before back in.
 */
export function localAddressKey(dataDir: string): string {
  const file = join(dataDir, 'address-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

export function localSigningKeys(dataDir: string): string {
  const file = join(dataDir, 'token-keys.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}
