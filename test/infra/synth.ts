/**
 * Synthesizes the stack for the infra tests: cdk.json's settings, with the placeholder sender
 * allowed (cdk.json keeps `newsletter@example.com`, which a real deploy refuses), plus the
 * test's own. Bundling is skipped (`aws:cdk:bundling-stacks: []`) to keep the tests fast.
 *
 * Each test file has a module registry of its own, so building the stack in a file first loads
 * every construct module again (seconds each time). The infra project's global setup
 * (./global-setup.ts) therefore synthesizes the contexts listed in SHARED_CONTEXTS once a run,
 * in one process, and `synth` reads those templates back; any other context is synthesized
 * where it is asked for, with the same result.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BriefingStack } from '../../lib/briefing-stack';
import { readConfig } from '../../lib/config';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- cdk.json is read as plain data, outside the TypeScript module graph
export const defaults: Record<string, unknown> = { ...require('../../cdk.json').context, allowPlaceholderSender: true };

/** A hosted zone that holds the sender domain (example.com in cdk.json). */
export const ZONE = { hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' } as const;

/** The folder the global setup wrote this run's templates to (unset outside the infra project's run). */
export const TEMPLATES_DIR_ENV = 'BRIEFING_INFRA_TEMPLATES';

/**
 * The contexts the infra tests synthesize, on top of cdk.json's: read from the run's templates
 * instead of built in each file. A context missing here is still synthesized, only slower.
 */
export const SHARED_CONTEXTS: Record<string, unknown>[] = [
  {},
  { senderConcurrency: 4 },
  { senderConcurrency: 7 },
  { sendRate: '14', sendRateShare: '0.5' },
  { publicBaseUrl: 'https://news.example.org/' },
  { scheduleCron: 'cron(30 6 ? * TUE *)', timeZone: 'Asia/Tokyo' },
  { replyToEmail: undefined },
  { replyToEmail: 'editors@example.org' },
  { alarmEmail: 'ops@example.org' },
  { digestDelivery: 'local-time', digestLocalTime: '06:30' },
  { corsOrigins: 'https://www.example.org, https://news.example.org' },
  { corsOrigins: 'https://www.example.org/' },
  { ...ZONE, dmarcReportEmail: 'dmarc@example.com' },
  { ...ZONE, dmarcReportEmail: `dmarc@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(50)}.com` },
  { ...ZONE, dmarcRecord: 'skip' },
  { ...ZONE, apiDomainName: 'news.example.com' },
  { ...ZONE, apiDomainName: 'news.example.com', dmarcReportEmail: 'dmarc@example.com' },
  { mailFromDomain: 'mail.example.com' },
  { existingIdentity: true },
  { tokenSecretName: 'Briefing/token-keys', addressKeySecretName: 'Briefing/address-key' },
  { apiDomainName: 'news.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234' },
  {
    organisationName: 'Briefing Mail SRL',
    postalAddress: 'Rue de la Loi 1, 1000 Brussels, Belgium',
    replyToEmail: 'editors@briefing-mail.eu',
  },
];

/** The app and stack for cdk.json's settings with `context` on top. */
export function build(context: Record<string, unknown> = {}): { app: App; stack: BriefingStack } {
  const all = { ...defaults, ...context };
  // Loaded on first use: a file that only reads shared templates never loads the constructs.
  /* eslint-disable @typescript-eslint/no-require-imports -- see above */
  const { App: CdkApp } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { BriefingStack: Stack } = require('../../lib/briefing-stack') as typeof import('../../lib/briefing-stack');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const app = new CdkApp({ context: { ...all, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Briefing', { config: readConfig((key) => all[key]) });
  return { app, stack };
}

/**
 * The name of the template for `context`: a hash of every setting after cdk.json's are merged
 * in, a setting given as undefined (which removes cdk.json's value) told apart from one absent.
 */
export function templateFile(context: Record<string, unknown>): string {
  const all = { ...defaults, ...context };
  const entries = Object.keys(all)
    .sort()
    .map((key) => [key, all[key] === undefined ? { undefined: true } : all[key]]);
  return `${createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 32)}.json`;
}

/** Write the template for `context` into `dir` (whole or not at all: written aside, then renamed). */
export function writeTemplate(dir: string, context: Record<string, unknown>): void {
  const file = join(dir, templateFile(context));
  const json = JSON.stringify(Template.fromStack(build(context).stack).toJSON());
  writeFileSync(`${file}.${process.pid}.tmp`, json);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** The template for cdk.json's settings with `context` on top. */
export function synth(context: Record<string, unknown> = {}): Template {
  const dir = process.env[TEMPLATES_DIR_ENV];
  const file = dir && join(dir, templateFile(context));
  if (file && existsSync(file)) return Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  return Template.fromStack(build(context).stack);
}
