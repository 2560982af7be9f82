import { CfnResource, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, SEND_ENV } from '../../lambdas/core/function-env';
import { deadLetterQueue } from './dead-letter-queue';
import { BriefingFunction, declarePrincipal, statementFor } from './briefing-function';
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
 * Invokes the planner as CDK's LambdaInvoke does, but grants the schedule's role what the
 * permissions table lists ('weekly-schedule': InvokeFunction on the function itself) instead of
 * `grantInvoke` (which adds every version and alias, `<function ARN>:*`). The dead-letter queue's
 * SendMessage is granted by the target base, as the table lists it.
 */
class PlannerInvoke extends targets.LambdaInvoke {
  constructor(
    private readonly planner: BriefingFunction['fn'],
    props: targets.ScheduleTargetBaseProps,
  ) {
    super(planner, props);
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(statementFor('weekly-schedule', 'function/digest-planner', [this.planner.functionArn]));
  }
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
  /** The role the weekly schedule invokes the planner with. */
  readonly scheduleRole: iam.Role;
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
      name: 'digest-planner',
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
    this.planner.grantTable('content', props.contentTable);
    // Its audience indexes only (digestAudience, digestByZone): never the table's items.
    this.planner.grantTable('subscribers', props.subscribersTable);
    this.planner.allow('queue/send', [props.sendQueue.queueArn]);
    if (props.deliveriesTable) {
      fn.addEnvironment(ENV.deliveriesTable, props.deliveriesTable.tableName);
      // The campaign's summary item (counters, subject test, local-time progress) and reads of its ledger.
      this.planner.grantTable('deliveries', props.deliveriesTable);
    }

    const plannerTimeout = props.plannerTimeout ?? Duration.minutes(5);
    const continuationDlq = (this.continuationDeadLetterQueue = deadLetterQueue(
      this,
      'ContinuationDeadLetterQueue',
      'the plan continuation queue',
    ));
    this.continuationQueue = new sqs.Queue(this, 'ContinuationQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(plannerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: continuationDlq, maxReceiveCount: 5 },
    });
    fn.addEnvironment(SEND_ENV.planQueueUrl, this.continuationQueue.queueUrl);
    // One piece of a plan at a time: pieces run one after another, each within the time limit.
    // The planner both sends to this queue and reads it.
    this.planner.consumeQueue('plan-continuation', this.continuationQueue, { batchSize: 1, maxConcurrency: 2 });

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the schedule target');
    this.failureDeadLetterQueue = deadLetterQueue(
      this,
      'PlannerFailureDeadLetterQueue',
      "the planner's asynchronous invocations (its on-failure destination)",
    );
    // Planning is idempotent, so Lambda's two retries are safe; what still fails is kept with
    // its event and error for a person to look at and replay.
    this.planner.sendFailuresTo('planner-failures', this.failureDeadLetterQueue, { retryAttempts: 2 });

    // Our own role, granted from the permissions table (its 'weekly-schedule' row).
    const role = (this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the weekly schedule invoke the digest planner.',
    }));
    declarePrincipal(role, 'weekly-schedule');

    const issues = this.issueSchedules(fn);
    this.issueScheduleGroup = issues.group;
    this.issueScheduleGroupName = issues.groupName;
    this.issueScheduleRole = issues.role;
    this.issuePublisherPolicy = issues.publisherPolicy;

    const localTime = props.digestDelivery === 'local-time';
    // Same construct id in both modes: switching modes updates the schedule in place.
    this.schedule = new scheduler.Schedule(this, 'WeeklyDigest', {
      description: localTime
        ? `Plans the digest every 15 minutes: each reader at ${props.digestLocalTime ?? DEFAULT_LOCAL_TIME} on their own clock.`
        : 'Plans the weekly digest.',
      schedule: localTime
        ? scheduler.ScheduleExpression.expression(LOCAL_TIME_PLANNER_SCHEDULE, TimeZone.ETC_UTC)
        : scheduler.ScheduleExpression.expression(props.scheduleCron, TimeZone.of(props.timeZone)),
      target: new PlannerInvoke(fn, {
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
    declarePrincipal(role, 'issue-schedules');
    role.addToPolicy(statementFor('issue-schedules', 'function/digest-planner', [fn.functionArn]));
    // The same dead-letter queue as the weekly schedule: an invocation Scheduler gave up on.
    role.addToPolicy(statementFor('issue-schedules', 'queue/schedule-dead-letter', [this.deadLetterQueue.queueArn]));

    // The planner removes an issue's schedule once planned (the schedule also removes itself),
    // and makes the one that sends the rest of a subject test after its wait. Its own ARN is
    // put together at run time from the account given here and Lambda's own variables: an
    // environment naming the function's own ARN would be a circular reference.
    fn.addEnvironment(ENV.issueScheduleGroup, groupName);
    fn.addEnvironment(ENV.issueScheduleRoleArn, role.roleArn);
    fn.addEnvironment(ENV.issueScheduleDeadLetterArn, this.deadLetterQueue.queueArn);
    fn.addEnvironment(ENV.issueScheduleAccount, stack.account);
    const toScheduler = { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } };
    this.planner.allow('schedules/issues', [schedulesArn]);
    this.planner.allow('role/issue-schedule', [role.roleArn], toScheduler);
    Validations.of(this.planner).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(group.node.defaultChild as CfnResource)}>/*]`,
      reason: "The schedule actions cover the issue schedule group's schedules only; their names are made at run time (issue ids).",
    });

    const publisherPolicy = new iam.ManagedPolicy(this, 'IssuePublisherPolicy', {
      description: 'Publishing issues with sendAt: make, move and remove their one-time schedules.',
      // The 'issue-publisher' row of the permissions table: what `publish` calls (no GetSchedule: nothing reads a schedule back).
      statements: [
        statementFor('issue-publisher', 'schedules/issues', [schedulesArn]),
        statementFor('issue-publisher', 'role/issue-schedule', [role.roleArn], toScheduler),
      ],
    });
    declarePrincipal(publisherPolicy, 'issue-publisher');
    Validations.of(publisherPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(group.node.defaultChild as CfnResource)}>/*]`,
      reason: "The schedule actions cover the issue schedule group's schedules only; their names are made at publish time.",
    });
    return { group, groupName, role, publisherPolicy };
  }
}
