/**
 * Synthesizes the stack for the infra tests: cdk.json's settings, with the placeholder sender
 * allowed (cdk.json keeps `newsletter@example.com`, which a real deploy refuses), plus the
 * test's own. Bundling is skipped (`aws:cdk:bundling-stacks: []`) to keep the tests fast.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BriefingStack } from '../../lib/briefing-stack';
import { readConfig } from '../../lib/config';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- cdk.json is read as plain data, outside the TypeScript module graph
export const defaults: Record<string, unknown> = { ...require('../../cdk.json').context, allowPlaceholderSender: true };

/** The app and stack for cdk.json's settings with `context` on top. */
export function build(context: Record<string, unknown> = {}) {
  const all = { ...defaults, ...context };
  const app = new App({ context: { ...all, 'aws:cdk:bundling-stacks': [] } });
  const stack = new BriefingStack(app, 'Briefing', { config: readConfig((key) => all[key]) });
  return { app, stack };
}

/** The template for cdk.json's settings with `context` on top. */
export function synth(context: Record<string, unknown> = {}): Template {
  return Template.fromStack(build(context).stack);
}

/** A hosted zone that holds the sender domain (example.com in cdk.json). */
export const ZONE = { hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' } as const;
