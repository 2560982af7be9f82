/**
 * The EventBridge Scheduler adapter's mapping, against a stubbed client `send`: which command
 * each call sends, with what, and which errors it absorbs. No AWS involved.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { atExpression, EventBridgeIssueScheduler, scheduleName } from '../../lambdas/adapters/issue-scheduler';
import { issueSchedulerFromEnv } from '../../lambdas/wiring';

const settings = {
  groupName: 'Briefing-IssueSchedules-ABC',
  target: {
    plannerArn: 'arn:aws:lambda:eu-west-1:123456789012:function:planner',
    roleArn: 'arn:aws:iam::123456789012:role/issue-schedules',
    deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
  },
};
const meta = { $metadata: {} };

/** A client whose `send` records each command and answers with `answer(command)` (throw to fail). */
function stub(answer: (c: object) => unknown = () => ({})) {
  const sent: object[] = [];
  return {
    sent,
    client: {
      send: jest.fn((c: object) => {
        sent.push(c);
        return Promise.resolve(answer(c));
      }),
    },
  };
}

describe('EventBridgeIssueScheduler', () => {
  it('creates a one-time schedule in UTC, window off, deleting itself, invoking the planner with the issue', async () => {
    const { sent, client } = stub();
    await new EventBridgeIssueScheduler(client as never, settings).schedule('brief-007', new Date('2026-12-03T06:00:00.000Z'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(CreateScheduleCommand);
    expect((sent[0] as CreateScheduleCommand).input).toEqual({
      Name: 'issue-brief-007',
      GroupName: settings.groupName,
      Description: 'Sends issue brief-007 at its sendAt',
      ScheduleExpression: 'at(2026-12-03T06:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: settings.target.plannerArn,
        RoleArn: settings.target.roleArn,
        Input: '{"issueId":"brief-007","scheduled":true}',
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 10 },
        DeadLetterConfig: { Arn: settings.target.deadLetterArn },
      },
    });
  });

  it('moves an existing schedule: CreateSchedule answers ConflictException, then UpdateSchedule with the same definition', async () => {
    const { sent, client } = stub((c) => {
      if (c instanceof CreateScheduleCommand) throw new ConflictException({ message: 'exists', Message: 'exists', ...meta });
      return {};
    });
    await new EventBridgeIssueScheduler(client as never, settings).schedule('brief-007', new Date('2026-12-04T08:30:00Z'));
    expect(sent.map((c) => c.constructor)).toEqual([CreateScheduleCommand, UpdateScheduleCommand]);
    expect((sent[1] as UpdateScheduleCommand).input).toEqual((sent[0] as CreateScheduleCommand).input);
    expect((sent[1] as UpdateScheduleCommand).input.ScheduleExpression).toBe('at(2026-12-04T08:30:00)');
  });

  it('passes any other CreateSchedule error on (an access denied is not a conflict)', async () => {
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const { client } = stub(() => {
      throw denied;
    });
    await expect(
      new EventBridgeIssueScheduler(client as never, settings).schedule('brief-007', new Date('2026-12-04T08:30:00Z')),
    ).rejects.toBe(denied);
  });

  it('cancels with DeleteSchedule in the group, and takes ResourceNotFoundException (already gone) as done', async () => {
    const { sent, client } = stub(() => {
      throw new ResourceNotFoundException({ message: 'gone', Message: 'gone', ...meta });
    });
    await new EventBridgeIssueScheduler(client as never, { groupName: settings.groupName }).cancel('brief-007');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(DeleteScheduleCommand);
    expect((sent[0] as DeleteScheduleCommand).input).toEqual({ Name: 'issue-brief-007', GroupName: settings.groupName });
  });

  it('passes any other DeleteSchedule error on', async () => {
    const { client } = stub(() => {
      throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    });
    await expect(new EventBridgeIssueScheduler(client as never, { groupName: 'g' }).cancel('brief-007')).rejects.toThrow('slow down');
  });

  it('refuses to make a schedule when it only knows the group (the planner’s scheduler), sending nothing', async () => {
    const { sent, client } = stub();
    await expect(
      new EventBridgeIssueScheduler(client as never, { groupName: 'g' }).schedule('brief-007', new Date('2026-12-04T08:30:00Z')),
    ).rejects.toThrow(/can only remove schedules/);
    expect(sent).toEqual([]);
  });

  it('leaves DeadLetterConfig out when no dead-letter queue is given', () => {
    const { client } = stub();
    const def = new EventBridgeIssueScheduler(client as never, { groupName: 'g', target: { plannerArn: 'p', roleArn: 'r' } }).definition(
      'x',
      new Date('2026-12-04T08:30:00Z'),
    );
    expect(def.Target).not.toHaveProperty('DeadLetterConfig');
  });
});

describe('schedule names and expressions', () => {
  it('names a schedule issue-<id> within 64 characters of [0-9a-zA-Z-_.]', () => {
    expect(scheduleName('eu-japan-security-brief-001')).toBe('issue-eu-japan-security-brief-001');
    // A subject test's rest is a schedule of its own: removing the send's never removes it.
    expect(scheduleName('eu-japan-security-brief-001', 'rest')).toBe('rest-eu-japan-security-brief-001');
    const long = 'a'.repeat(30) + '-' + 'b'.repeat(49);
    const name = scheduleName(long);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z-_.]+$/);
    expect(name.startsWith('issue-aaaa')).toBe(true);
  });

  it('gives two long ids that share their first 64 characters different names, and the same id always the same name', () => {
    const stem = 'x'.repeat(70);
    expect(scheduleName(`${stem}-one`)).not.toBe(scheduleName(`${stem}-two`));
    expect(scheduleName(`${stem}-one`)).toBe(scheduleName(`${stem}-one`));
  });

  it('refuses an id with characters Scheduler does not take in a name', () => {
    expect(() => scheduleName('brief/007')).toThrow(/cannot name a schedule/);
  });

  it('writes at(yyyy-mm-ddThh:mm:ss) in UTC, dropping milliseconds, and refuses an invalid date', () => {
    expect(atExpression(new Date('2026-12-03T07:00:00+01:00'))).toBe('at(2026-12-03T06:00:00)');
    expect(atExpression(new Date('2026-12-03T06:00:59.999Z'))).toBe('at(2026-12-03T06:00:59)');
    expect(() => atExpression(new Date('nope'))).toThrow(/not a valid date/);
  });
});

describe("the planner's own scheduler (from its environment)", () => {
  const env = {
    ISSUE_SCHEDULE_GROUP: 'briefing-issues',
    ISSUE_SCHEDULE_ROLE_ARN: 'arn:aws:iam::123456789012:role/IssueScheduleRole',
    ISSUE_SCHEDULE_DEAD_LETTER_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
    ISSUE_SCHEDULE_ACCOUNT: '123456789012',
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: 'Briefing-DigestPlanner-abc',
  };

  it('schedules the rest of a subject test to invoke this same function, by an ARN put together from its environment', () => {
    const s = issueSchedulerFromEnv(env) as EventBridgeIssueScheduler;
    const d = s.definition('brief-007', new Date('2026-12-03T11:00:00Z'), 'rest');
    expect(d.Name).toBe('rest-brief-007');
    expect(d.Target).toMatchObject({
      Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:Briefing-DigestPlanner-abc',
      RoleArn: env.ISSUE_SCHEDULE_ROLE_ARN,
      Input: JSON.stringify({ issueId: 'brief-007', scheduled: true }),
      DeadLetterConfig: { Arn: env.ISSUE_SCHEDULE_DEAD_LETTER_ARN },
    });
  });

  it('can only remove schedules without the role (a stack from before subject tests), and is absent without a group', () => {
    const { ISSUE_SCHEDULE_ROLE_ARN: _role, ...older } = env;
    const s = issueSchedulerFromEnv(older) as EventBridgeIssueScheduler;
    expect(() => s.definition('brief-007', new Date('2026-12-03T11:00:00Z'), 'rest')).toThrow(/can only remove schedules/);
    expect(issueSchedulerFromEnv({})).toBeUndefined();
  });
});
