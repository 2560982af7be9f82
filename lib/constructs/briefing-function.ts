import * as path from 'node:path';
import { Duration, Names, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import { POWERTOOLS_ENV } from '../../lambdas/core/metric-names';
import { DEFAULT_MEMORY_MB, functionNodeOptions } from './node-options';
import type { TableKey } from '../../lambdas/core/table-schema';
import {
  actionsOn,
  conditionKeysOn,
  handlerEntry,
  resourcesOf,
  type FunctionName,
  type PrincipalName,
  type QueueName,
  type ResourceName,
} from './function-permissions';

/** The repository root: entries, the lock file and the esbuild project root are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** IAM conditions of a statement: operator → key → value(s). */
export type Conditions = Record<string, Record<string, unknown>>;

const principals = new WeakMap<IConstruct, PrincipalName>();

/**
 * Mark a role or managed policy as the one the permissions table calls `name`
 * (lib/constructs/function-permissions.ts); the role test finds every role of the stack by this.
 */
export function declarePrincipal(construct: IConstruct, name: PrincipalName): void {
  principals.set(construct, name);
}

/** The permissions table's name of a role or managed policy, if it was declared. */
export function principalOf(construct: IConstruct): PrincipalName | undefined {
  return principals.get(construct);
}

/**
 * One statement: every action the permissions table lists for `principal` on `resource`, on
 * `arns`. Throws when the table lists nothing there (grant nothing the table does not name), or
 * when `conditions` lacks a condition key the table requires on that resource.
 */
export function statementFor(
  principal: PrincipalName,
  resource: ResourceName,
  arns: string[],
  conditions?: Conditions,
): iam.PolicyStatement {
  const actions = Object.keys(actionsOn(principal, resource));
  const where = `${principal} on ${resource}`;
  if (actions.length === 0)
    throw new Error(
      `The permissions table (lib/constructs/function-permissions.ts) lists no action for ${where}: add the row before granting it`,
    );
  const given = new Set(Object.values(conditions ?? {}).flatMap((block) => Object.keys(block)));
  const missing = conditionKeysOn(principal, resource).filter((key) => !given.has(key));
  if (missing.length)
    throw new Error(`Grant for ${where} needs the condition key(s) ${missing.join(', ')} (lib/constructs/function-permissions.ts)`);
  return new iam.PolicyStatement({ actions, resources: arns, conditions });
}

/** Props of {@link BriefingFunction}. */
export interface BriefingFunctionProps {
  /**
   * Which function: its folder under `lambdas/` (the handler is `lambdas/<name>/handler.ts`, which
   * must export `handler`) and its row of the permissions table, which every grant to it comes from.
   */
  readonly name: FunctionName;
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
   * @default lambda.Runtime.NODEJS_24_X
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
 *
 * Its role is granted only what its row of the permissions table
 * (lib/constructs/function-permissions.ts) lists, through {@link allow}, {@link grantTable},
 * {@link consumeQueue}, {@link consumeStream} and {@link sendFailuresTo}; none of CDK's broad
 * `grant*` helpers is used on it. Rows on `"*"` (actions that take no narrower resource) and on
 * the function's own log group are granted here, when the function is made.
 */
export class BriefingFunction extends Construct {
  /** Its name in the permissions table (and its folder under `lambdas/`). */
  readonly name: FunctionName;
  /** The function itself, for event sources and environment. */
  readonly fn: NodejsFunction;
  /** The function's role: granted from the permissions table only. */
  readonly role: iam.Role;
  /** The function's log group (retention set, so logs do not pile up forever). */
  readonly logGroup: logs.LogGroup;

  /** What this function was allowed so far, so a resource granted twice gives one statement. */
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: BriefingFunctionProps) {
    super(scope, id);
    this.name = props.name;
    const entry = handlerEntry(props.name);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An explicit role that may write to this function's own log group only, instead of the
    // managed AWSLambdaBasicExecutionRole (which allows any log group in the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${entry}`,
    });
    declarePrincipal(this.role, props.name);

    const memorySize = props.memorySize ?? DEFAULT_MEMORY_MB;
    this.fn = new NodejsFunction(this, 'Function', {
      role: this.role,
      entry: path.join(REPO_ROOT, entry),
      handler: 'handler',
      description: props.description,
      runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
      // Graviton: cheaper per GB-second and the code has no native modules.
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords on "*" to the role
      // itself; the permissions table lists them too, and allow('*') below grants the same.
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        // Every function emits its metrics in one namespace with one `service` dimension, the
        // names the alarms and the dashboard watch (lambdas/core/metric-names.ts).
        ...POWERTOOLS_ENV,
        // Stack traces point at the TypeScript sources instead of the minified bundle; V8's heap
        // limits as Lambda sizes them, with a smaller young generation (node-options.ts).
        NODE_OPTIONS: functionNodeOptions(memorySize),
      },
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
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

    this.allow('logs/own', [this.logGroup.logGroupArn]);
    const everywhere = Object.keys(actionsOn(props.name, '*'));
    if (everywhere.length) this.allow('*', ['*']);

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs24.x (supported to April 2028) is pinned on purpose, matching the esbuild target node24 and the Node the tests run on (node-linux-* in package.json); raise all three together.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `Only actions that take no resource narrower than "*" are granted on it, as the permissions table lists them: ${everywhere.join(', ')}.`,
      },
    );
  }

  /**
   * Allow every action the permissions table lists for this function on `resource`, on `arns`,
   * in one statement. Throws when the table lists nothing there, or when a condition key the
   * table requires on the resource is missing from `conditions`.
   */
  allow(resource: ResourceName, arns: string[], conditions?: Conditions): void {
    const key = JSON.stringify([resource, arns, conditions ?? null]);
    if (this.granted.has(key)) return;
    this.granted.add(key);
    this.role.addToPrincipalPolicy(statementFor(this.name, resource, arns, conditions));
  }

  /**
   * Allow what the permissions table lists on table `key`: its rows on the table, on the table's
   * ARN, and its rows on each index (a Query), on that index's ARN (`<table ARN>/index/<name>`).
   */
  grantTable(key: TableKey, table: dynamodb.ITable, conditions?: Conditions): void {
    const base = `table/${key}`;
    const rows = resourcesOf(this.name).filter((r) => r === base || r.startsWith(`${base}/index/`));
    if (rows.length === 0)
      throw new Error(`The permissions table (lib/constructs/function-permissions.ts) lists nothing for ${this.name} on ${base}`);
    for (const row of rows) this.allow(row, [row === base ? table.tableArn : `${table.tableArn}${row.slice(base.length)}`], conditions);
  }

  /**
   * Read `queue` with an SQS event source (the Lambda poller uses the role: the table's service
   * actions on `queue/<name>`, and whatever the function itself sends there).
   */
  consumeQueue(
    name: QueueName,
    queue: sqs.IQueue,
    options: Omit<lambda.EventSourceMappingOptions, 'eventSourceArn'>,
  ): lambda.EventSourceMapping {
    this.allow(`queue/${name}`, [queue.queueArn]);
    // The id SqsEventSource gives its mapping: the mapping keeps its logical id (one mapping per
    // queue and function; a replacement would collide with the one it replaces).
    return this.fn.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
      ...options,
      eventSourceArn: queue.queueArn,
    });
  }

  /**
   * Read table `key`'s stream with an event source; batches that fail every attempt go to
   * `onFailure`. Grants the table's rows on `table/<key>/stream` and on the failure queue.
   */
  consumeStream(
    key: TableKey,
    table: dynamodb.ITable,
    onFailure: { name: QueueName; queue: sqs.IQueue },
    options: Omit<lambda.EventSourceMappingOptions, 'eventSourceArn' | 'onFailure'>,
  ): lambda.EventSourceMapping {
    if (!table.tableStreamArn) throw new Error(`${this.name}: table ${key} has no stream`);
    this.allow(`table/${key}/stream`, [table.tableStreamArn]);
    this.allow(`queue/${onFailure.name}`, [onFailure.queue.queueArn]);
    // The id DynamoEventSource gives its mapping, for the same reason as in consumeQueue.
    return this.fn.addEventSourceMapping(`DynamoDBEventSource:${Names.nodeUniqueId(table.node)}`, {
      ...options,
      eventSourceArn: table.tableStreamArn,
      onFailure: toQueue(onFailure.queue),
    });
  }

  /** Asynchronous invocations that failed after `retryAttempts` retries go to `queue` (Lambda sends them with the role). */
  sendFailuresTo(name: QueueName, queue: sqs.IQueue, options: { retryAttempts: number }): void {
    this.allow(`queue/${name}`, [queue.queueArn]);
    this.fn.configureAsyncInvoke({ onFailure: toQueue(queue), retryAttempts: options.retryAttempts });
  }
}

/**
 * An on-failure destination on `queue` that grants nothing by itself (CDK's SqsDestination and
 * SqsDlq also grant GetQueueAttributes and GetQueueUrl, which Lambda does not use to send there).
 */
function toQueue(queue: sqs.IQueue): lambda.IDestination & lambda.IEventSourceDlq {
  return { bind: () => ({ destination: queue.queueArn }) };
}
