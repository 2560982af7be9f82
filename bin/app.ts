/**
 * The CDK app: reads and validates the context settings, builds the stack, and runs the
 * cdk-nag AwsSolutions checks on it. Environment-agnostic so `cdk synth` works offline.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BriefingStack } from '../lib/briefing-stack';
import { type BriefingConfig, configFromContext } from '../lib/config';

const app = new App();

let config: BriefingConfig;
try {
  config = configFromContext(app);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

new BriefingStack(app, 'Briefing', { config });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
