/**
 * Issues' one-time schedules in EventBridge Scheduler: one schedule per issue, in the stack's
 * own schedule group, named from the issue id, invoking the digest planner with
 * `{ "issueId": "...", "scheduled": true }` at the issue's `sendAt`.
 *
 * Publishing (the CLI) makes and moves schedules and so needs the whole target (planner ARN,
 * role, dead-letter queue); the planner only removes them and needs only the group.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { IssueScheduler, SchedulePurpose } from '../core/ports';

/** Where the schedules live and what they invoke. */
export interface IssueScheduleSettings {
  /** The schedule group (stack output `IssueScheduleGroup`). */
  groupName: string;
  /** What a schedule invokes; needed to make or move one, not to remove one. */
  target?: {
    /** The digest planner's ARN. */
    plannerArn: string;
    /** The role Scheduler assumes to invoke it (scheduler.amazonaws.com, lambda:InvokeFunction on the planner). */
    roleArn: string;
    /** Where an invocation that failed every retry goes (the weekly schedule's dead-letter queue). */
    deadLetterArn?: string;
  };
}

/** Scheduler's limits on a schedule's name. */
const NAME_MAX = 64;
const NAME_CHARS = /^[0-9a-zA-Z-_.]+$/;
const PREFIX = 'issue-';
/** A subject test's rest: a schedule of its own, so removing the send's never removes it. */
const REST_PREFIX = 'rest-';

/**
 * The schedule's name: `issue-<id>`, the same for every publish of the issue, so a re-publish
 * finds (and moves) the schedule it made before. An id too long for Scheduler's 64 characters
 * keeps its start and gains a hash of the whole id, so two long ids never share a name.
 */
export function scheduleName(issueId: string, purpose: SchedulePurpose = 'send'): string {
  const name = `${purpose === 'rest' ? REST_PREFIX : PREFIX}${issueId}`;
  if (!NAME_CHARS.test(issueId))
    throw new Error(`issue id ${JSON.stringify(issueId)} cannot name a schedule (allowed: letters, digits, - _ .)`);
  if (name.length <= NAME_MAX) return name;
  const hash = createHash('sha256').update(issueId).digest('hex').slice(0, 12);
  return `${name.slice(0, NAME_MAX - hash.length - 1)}-${hash}`;
}

/**
 * `at(2026-12-03T06:00:00)`, read in UTC: Scheduler's one-time expression takes whole seconds and
 * no offset, and fires somewhere in that minute, maybe before its seconds. The planner it
 * invokes waits for the issue's own second (usecases/plan-scheduled.ts), so it never goes early.
 */
export function atExpression(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new TypeError('schedule time is not a valid date');
  return `at(${at.toISOString().slice(0, 19)})`;
}

/** How long Scheduler keeps retrying an invocation: a digest hours late is still wanted, one a day late is not. */
const MAX_EVENT_AGE_SECONDS = 6 * 3600;
const MAX_RETRIES = 10;

export class EventBridgeIssueScheduler implements IssueScheduler {
  constructor(
    private readonly client: Pick<SchedulerClient, 'send'>,
    private readonly settings: IssueScheduleSettings,
  ) {}

  /** The full definition of the issue's schedule: CreateSchedule and UpdateSchedule take the same. */
  definition(issueId: string, at: Date, purpose: SchedulePurpose = 'send'): CreateScheduleCommandInput {
    const target = this.settings.target;
    if (!target) throw new Error('this issue scheduler can only remove schedules: the planner ARN and the schedule role are not known');
    return {
      Name: scheduleName(issueId, purpose),
      GroupName: this.settings.groupName,
      Description: (purpose === 'rest'
        ? `Sends the rest of issue ${issueId}'s subject test`
        : `Sends issue ${issueId} at its sendAt`
      ).slice(0, 512),
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      // Off: the editor chose the minute; a window would send it up to that much later.
      FlexibleTimeWindow: { Mode: 'OFF' },
      // The schedule removes itself once it has run; the planner removes it as well (idempotent).
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: target.plannerArn,
        RoleArn: target.roleArn,
        Input: JSON.stringify({ issueId, scheduled: true }),
        RetryPolicy: { MaximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS, MaximumRetryAttempts: MAX_RETRIES },
        ...(target.deadLetterArn && { DeadLetterConfig: { Arn: target.deadLetterArn } }),
      },
    };
  }

  /** Create the schedule; when it exists (a re-publish), replace its definition with the new time. */
  async schedule(issueId: string, at: Date, purpose: SchedulePurpose = 'send'): Promise<void> {
    const input = this.definition(issueId, at, purpose);
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (e) {
      if (!(e instanceof ConflictException || (e as Error).name === 'ConflictException')) throw e;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  /** Remove the schedule; one already gone (it ran and removed itself, or was never made) is fine. */
  async cancel(issueId: string, purpose: SchedulePurpose = 'send'): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(issueId, purpose), GroupName: this.settings.groupName }));
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException || (e as Error).name === 'ResourceNotFoundException')) throw e;
    }
  }
}
