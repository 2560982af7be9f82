import * as path from 'node:path';
import { CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { POWERTOOLS_ENV } from '../../lambdas/core/metric-names';

/** The repository root: entries, the lock file and the esbuild project root are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Props of {@link BriefingFunction}. */
export interface BriefingFunctionProps {
  /** Handler file relative to the repository root, e.g. `lambdas/sender/handler.ts`; it must export `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description?: string;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Environment variables; use the names from `lambdas/core/env.ts` `ENV`.
   * @default - none besides NODE_OPTIONS and the Powertools namespace and service name
   */
  readonly environment?: Record<string, string>;
  /**
   * The Node.js runtime.
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Node.js function with the project's defaults: arm64, an explicit log group with
 * retention, X-Ray tracing, and an esbuild bundle (local esbuild, no Docker) that is
 * minified, carries source maps and includes every dependency.
 */
export class BriefingFunction extends Construct {
  /** The function itself, for grants and event sources. */
  readonly fn: NodejsFunction;
  /** The function's log group (retention set, so logs do not pile up forever). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BriefingFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An explicit role that may write to this function's own log group only, instead of the
    // managed AWSLambdaBasicExecutionRole (which allows any log group in the account).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    this.logGroup.grantWrite(role);

    this.fn = new NodejsFunction(this, 'Function', {
      role,
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      // Graviton: cheaper per GB-second and the code has no native modules.
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        // Every function emits its metrics in one namespace with one `service` dimension, the
        // names the alarms and the dashboard watch (lambdas/core/metric-names.ts).
        ...POWERTOOLS_ENV,
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Source maps without embedded sources keep the bundle small; line numbers suffice.
        sourcesContent: false,
        // Bundle everything, the AWS SDK included: the code is tested against the SDK
        // versions in package-lock.json, not whatever the runtime happens to ship.
        // MJML is never imported by run-time code (templates are compiled at build time),
        // so it cannot end up in a bundle.
        externalModules: [],
        bundleAwsSDK: true,
      },
    });

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason: 'nodejs22.x is pinned on purpose, matching the esbuild target node22; raise both together.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which take no ' + 'resource narrower than "*". No other grant here uses "*".',
      },
    );
  }

  /** Let the function read `table` and its indexes. */
  grantRead(table: dynamodb.ITable): void {
    table.grantReadData(this.fn);
    this.acknowledgeIndexes(table);
  }

  /** Let the function read and write `table` and read its indexes. */
  grantReadWrite(table: dynamodb.ITable): void {
    table.grantReadWriteData(this.fn);
    this.acknowledgeIndexes(table);
  }

  /**
   * Table grants include `<table ARN>/index/*` so queries on the table's global secondary
   * indexes work; cdk-nag reports the wildcard, which is scoped to this one table.
   */
  private acknowledgeIndexes(table: dynamodb.ITable): void {
    const cfn = table.node.defaultChild;
    if (!CfnResource.isCfnResource(cfn)) return;
    const logicalId = Stack.of(table).getLogicalId(cfn);
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
      reason: `Queries the global secondary indexes of ${table.node.id}; the wildcard covers that table's indexes only.`,
    });
  }
}
