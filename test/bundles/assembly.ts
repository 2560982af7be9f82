/**
 * The real stack synthesized as `cdk synth` makes it: cdk.json's settings (with the placeholder
 * sender allowed), esbuild bundling on, asset and path metadata on. Unlike test/infra/synth.ts,
 * nothing is skipped: each function's asset folder is the bundle Lambda would run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { BriefingStack } from '../../lib/briefing-stack';
import { readConfig } from '../../lib/config';

/** A resource of the template, as CloudFormation reads it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** One function of the assembly: what Lambda is given to run it. */
export interface BundledFunction {
  logicalId: string;
  /** Its construct path without the stack and the last two parts, e.g. `Api/Handler`. */
  name: string;
  /** e.g. `nodejs24.x`. */
  runtime: string;
  /** e.g. `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The asset folder (the bundle) in the cloud assembly. */
  assetDir: string;
  /** The template's environment variables, intrinsics unresolved. */
  environment: Record<string, unknown>;
}

export interface Assembly {
  resources: Record<string, CfnResource>;
  functions: BundledFunction[];
  /** Remove the assembly folder. */
  remove: () => void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- cdk.json is read as plain data, outside the TypeScript module graph
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };
const cdkContext: Record<string, unknown> = { ...cdkJson.context, allowPlaceholderSender: true };

/** Synthesize the stack with its bundles into a fresh folder under the system's temporary directory. */
export function synthesizeWithBundles(): Assembly {
  const outdir = mkdtempSync(join(tmpdir(), 'briefing-assembly-'));
  try {
    // The two metadata switches the CDK CLI turns on: each function names its asset folder and its construct path.
    const app = new App({
      outdir,
      context: { ...cdkContext, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true },
    });
    new BriefingStack(app, 'Briefing', { config: readConfig((key) => cdkContext[key]) });
    const stack = app.synth().getStackByName('Briefing');
    const resources = (stack.template as { Resources: Record<string, CfnResource> }).Resources;
    const functions = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => bundledFunction(logicalId, r, outdir));
    return { resources, functions, remove: () => rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

function bundledFunction(logicalId: string, resource: CfnResource, outdir: string): BundledFunction {
  const p = resource.Properties ?? {};
  const meta = resource.Metadata ?? {};
  const assetPath = meta['aws:asset:path'];
  const cdkPath = meta['aws:cdk:path'];
  if (typeof assetPath !== 'string' || meta['aws:asset:property'] !== 'Code')
    throw new Error(`${logicalId}: no asset folder in its metadata (is it a bundled function?)`);
  if (typeof cdkPath !== 'string') throw new Error(`${logicalId}: no construct path in its metadata`);
  return {
    logicalId,
    name: cdkPath.split('/').slice(1, -2).join('/'),
    runtime: String(p.Runtime),
    handler: String(p.Handler),
    timeoutSeconds: Number(p.Timeout ?? 3),
    memorySize: Number(p.MemorySize ?? 128),
    assetDir: join(outdir, assetPath),
    environment: (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
  };
}
