import { CfnResource, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/env';
import { SEND_ENV } from '../../lambdas/core/send-settings';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { deadLetterQueue } from './dead-letter-queue';
import { BriefingFunction } from './briefing-function';
import { DEFAULT_LOCAL_TIME, LOCAL_TIME_PLANNER_SCHEDULE, type DigestDelivery } from '../../lambdas/core/local-time';

/** Props of {@link Scheduling}. */
export interface SchedulingProps {
  /** Issues and articles; the planner marks an issue planned here. */
  readonly contentTable: dynamodb.ITable;
  /** Subscribers; the planner pages the digest audience index. */
  readonly subscribersTable: dynamodb.ITable;
  /** The send queue the planner fills. */
  readonly sendQueue: sqs.IQueue;
  /** EventBridge Scheduler cron expression, e.g. `cron(0 7 ? * MON *)`. */
  readonly scheduleCron: string;
  /** IANA time zone the cron is read in (so 07:00 stays 07:00 across daylight saving). */
  readonly timeZone: string;
  /**
   * The Deliveries table, where the planner keeps each campaign's counters and state.
   * @default - no counters (status shows nothing for planned campaigns)
   */
  readonly deliveriesTable?: dynamodb.ITable;
  /**
   * `local-time`: the planner runs every 15 minutes ({@link LOCAL_TIME_PLANNER_SCHEDULE}, UTC)
   * and queues each reader at `digestLocalTime` on their own clock; `scheduleCron` is then unused.
   * @default 'schedule'
   */
  readonly digestDelivery?: DigestDelivery;
  /**
   * `HH:MM`, the readers' local hour in local-time mode.
   * @default '07:00'
   */
  readonly digestLocalTime?: string;
  /**
   * Planner timeout: long enough to page a large audience onto the queue.
   * @default Duration.minutes(5)
   */
  readonly plannerTimeout?: Duration;
}

/**
 * The weekly digest: an EventBridge Scheduler schedule that invokes the digest planner,
 * which queues the audience in batches. Planning is idempotent (an issue is marked planned
 * and the ledger stops double sends), so the schedule may retry freely.
 */
export class Scheduling extends Construct {
  /** The digest planner. */
  readonly planner: BriefingFunction;
  /** The weekly schedule. */
  readonly schedule: scheduler.Schedule;
  /** The digest's cron expression and the time zone it is read in, as scheduled. */
  readonly digestSchedule: { readonly cron: string; readonly timeZone: string; readonly localTime?: string };
  /** Invocations the scheduler could not deliver after its retries (alarmed on). */
  readonly deadLetterQueue: sqs.Queue;
  /**
   * Scheduled runs of the planner that failed after Lambda's own retries (alarmed on). The
   * scheduler invokes the planner asynchronously: its dead-letter queue only catches runs it
   * could not hand to Lambda, not runs that threw.
   */
  readonly failureDeadLetterQueue: sqs.Queue;
  /** Plan continuations that failed every receive (alarmed on): a large audience left half planned. */
  readonly continuationDeadLetterQueue: sqs.Queue;
  /**
   * The group of issues' one-time schedules (an issue's `sendAt`), made at run time by whoever
   * publishes. Removed with the stack, and with it any schedule still waiting in it.
   */
  readonly issueScheduleGroup: scheduler.ScheduleGroup;
  /** The group's name as CloudFormation knows it (a reference, so users of it wait for the group). */
  readonly issueScheduleGroupName: string;
  /** The role issues' schedules invoke the planner with: trusted by Scheduler for this group only. */
  readonly issueScheduleRole: iam.Role;
  /**
   * What a publisher needs to make, move and remove issues' schedules (attach it to the
   * operators' role): the schedule actions on this group's schedules and iam:PassRole on
   * {@link issueScheduleRole}, nothing more.
   */
  readonly issuePublisherPolicy: iam.ManagedPolicy;
  /**
   * Continuations of a large plan: when an invocation runs low on time it queues
   * `{issueId, from: {shard, cursor}}` here and a fresh invocation carries on.
   */
  readonly continuationQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    // In local-time mode the welcome tells each reader the hour on their own clock instead.
    this.digestSchedule = {
      cron: props.scheduleCron,
      timeZone: props.timeZone,
      ...(props.digestDelivery === 'local-time' && { localTime: props.digestLocalTime ?? DEFAULT_LOCAL_TIME }),
    };

    this.planner = new BriefingFunction(this, 'DigestPlanner', {
      entry: 'lambdas/digest-planner/handler.ts',
      description: 'Finds the issue to send and queues its audience in batches.',
      timeout: props.plannerTimeout ?? Duration.minutes(5),
      environment: {
        [ENV.contentTable]: props.contentTable.tableName,
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.sendQueueUrl]: props.sendQueue.queueUrl,
        [ENV.digestDelivery]: props.digestDelivery ?? 'schedule',
        [ENV.digestLocalTime]: props.digestLocalTime ?? DEFAULT_LOCAL_TIME,
      },
    });
    const fn = this.planner.fn;
    this.planner.grantReadWrite(props.contentTable);
    // Covers the table's indexes as well: the planner pages the digest audience index.
    this.planner.grantRead(props.subscribersTable);
    props.sendQueue.grantSendMessages(fn);
    if (props.deliveriesTable) {
      fn.addEnvironment(ENV.deliveriesTable, props.deliveriesTable.tableName);
      // Only the campaign summary items are written, but DynamoDB grants per table.
      this.planner.grantReadWrite(props.deliveriesTable);
    }

    const plannerTimeout = props.plannerTimeout ?? Duration.minutes(5);
    const continuationDlq = (this.continuationDeadLetterQueue = deadLetterQueue(this, 'ContinuationDeadLetterQueue', 'the plan continuation queue'));
    this.continuationQueue = new sqs.Queue(this, 'ContinuationQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(plannerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: continuationDlq, maxReceiveCount: 5 },
    });
    this.continuationQueue.grantSendMessages(fn);
    fn.addEnvironment(SEND_ENV.planQueueUrl, this.continuationQueue.queueUrl);
    // One piece of a plan at a time: pieces run one after another, each within the time limit.
    fn.addEventSource(new SqsEventSource(this.continuationQueue, { batchSize: 1, maxConcurrency: 2 }));

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the schedule target');
    this.failureDeadLetterQueue = deadLetterQueue(this, 'PlannerFailureDeadLetterQueue', "the planner's asynchronous invocations (its on-failure destination)");
    fn.configureAsyncInvoke({
      onFailure: new SqsDestination(this.failureDeadLetterQueue),
      // Planning is idempotent, so Lambda's two retries are safe; what still fails is kept with
      // its event and error for a person to look at and replay.
      retryAttempts: 2,
    });

    // Our own role, so the one finding on it can be acknowledged where it is made.
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the weekly schedule invoke the digest planner.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnResource)}.Arn>:*]`,
      reason: 'The invoke grant covers the planner function and its versions/aliases, nothing else.',
    });

    const issues = this.issueSchedules(fn);
    this.issueScheduleGroup = issues.group;
    this.issueScheduleGroupName = issues.groupName;
    this.issueScheduleRole = issues.role;
    this.issuePublisherPolicy = issues.publisherPolicy;

    const localTime = props.digestDelivery === 'local-time';
    // Same construct id in both modes: switching modes updates the schedule in place.
    this.schedule = new scheduler.Schedule(this, 'WeeklyDigest', {
      description: localTime ? `Plans the digest every 15 minutes: each reader at ${props.digestLocalTime ?? DEFAULT_LOCAL_TIME} on their own clock.` : 'Plans the weekly digest.',
      schedule: localTime
        ? scheduler.ScheduleExpression.expression(LOCAL_TIME_PLANNER_SCHEDULE, TimeZone.ETC_UTC)
        : scheduler.ScheduleExpression.expression(props.scheduleCron, TimeZone.of(props.timeZone)),
      target: new targets.LambdaInvoke(fn, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({}),
        // A digest that starts hours late is still wanted; one a day late is not. In local-time
        // mode a run that is late is superseded by the next, which covers its range too.
        maxEventAge: localTime ? Duration.minutes(15) : Duration.hours(6),
        retryAttempts: 10,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  /**
   * Issues with a `sendAt` each get a one-time schedule, made by publish (the CLI) in this
   * group: CloudFormation makes the group, the role and the grants, never the schedules.
   */
  private issueSchedules(fn: BriefingFunction['fn']) {
    const stack = Stack.of(this);
    // Destroyed with the stack: deleting a group deletes the schedules in it, so none is left
    // to fire at a function that is gone.
    const group = new scheduler.ScheduleGroup(this, 'IssueSchedules', { removalPolicy: RemovalPolicy.DESTROY });
    const groupName = (group.node.defaultChild as scheduler.CfnScheduleGroup).ref;
    const groupArn = stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: groupName });
    const schedulesArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*` });

    // Scheduler assumes it only on behalf of this account's schedules in this group (confused deputy).
    const role = new iam.Role(this, 'IssueScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': groupArn } },
      }),
      description: "Lets issues' one-time schedules invoke the digest planner.",
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    // The same dead-letter queue as the weekly schedule: an invocation Scheduler gave up on.
    this.deadLetterQueue.grantSendMessages(role);

    // The planner removes an issue's schedule once planned (the schedule also removes itself),
    // and makes the one that sends the rest of a subject test after its wait. Its own ARN is
    // put together at run time from the account given here and Lambda's own variables: an
    // environment naming the function's own ARN would be a circular reference.
    fn.addEnvironment(ENV.issueScheduleGroup, groupName);
    fn.addEnvironment(ENV.issueScheduleRoleArn, role.roleArn);
    fn.addEnvironment(ENV.issueScheduleDeadLetterArn, this.deadLetterQueue.queueArn);
    fn.addEnvironment(ENV.issueScheduleAccount, stack.account);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], resources: [schedulesArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }));
    Validations.of(this.planner).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(group.node.defaultChild as CfnResource)}>/*]`,
      reason: "The schedule actions cover the issue schedule group's schedules only; their names are made at run time (issue ids).",
    });

    const publisherPolicy = new iam.ManagedPolicy(this, 'IssuePublisherPolicy', {
      description: 'Publishing issues with sendAt: make, move and remove their one-time schedules.',
      statements: [
        new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], resources: [schedulesArn] }),
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      ],
    });
    Validations.of(publisherPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(group.node.defaultChild as CfnResource)}>/*]`,
      reason: "The schedule actions cover the issue schedule group's schedules only; their names are made at publish time.",
    });
    return { group, groupName, role, publisherPolicy };
  }
}
