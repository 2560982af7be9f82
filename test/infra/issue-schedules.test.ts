/**
 * Scheduled issues on AWS: the schedule group issues' one-time schedules live in, the role
 * they invoke the planner with, what the planner and a publisher may do with them, and the
 * outputs the CLI reads to make them. Each asserted on its own resource.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/core/function-env';
import { synth } from './synth';

const template = synth();

function onlyId(t: Template, type: string, props: Record<string, unknown> = {}): string {
  const found = Object.keys(t.findResources(type, props));
  expect(found).toHaveLength(1);
  return found[0];
}

const groupId = onlyId(template, 'AWS::Scheduler::ScheduleGroup');
const plannerId = onlyId(template, 'AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('queues its audience') } });
const roleId = onlyId(template, 'AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp("issues' one-time schedules") } });
const schedulesArn = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':scheduler:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':schedule/',
      { Ref: groupId },
      '/*',
    ],
  ],
};

/** Every statement of the policies attached to a role, flattened. */
function statementsOf(t: Template, role: string): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actions = (s: { Action: string | string[] }) => [s.Action].flat();

describe('issue schedules', () => {
  it('makes one schedule group, deleted with the stack (and its leftover schedules with it)', () => {
    const group = template.findResources('AWS::Scheduler::ScheduleGroup')[groupId];
    expect(group.DeletionPolicy).toBe('Delete');
    expect(group.UpdateReplacePolicy).toBe('Delete');
  });

  it("gives the planner the group, the schedules' role and the account by reference (no reference to itself) and the schedule actions on the group's schedules only", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('queues its audience'),
      Environment: {
        Variables: Match.objectLike({
          [ENV.issueScheduleGroup]: { Ref: groupId },
          [ENV.issueScheduleRoleArn]: { 'Fn::GetAtt': [roleId, 'Arn'] },
          [ENV.issueScheduleAccount]: { Ref: 'AWS::AccountId' },
        }),
      },
    });
    // Its own ARN would be a circular reference: it is put together at run time instead.
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function')[plannerId].Properties.Environment)).not.toContain(plannerId);
    const plannerRole = template.findResources('AWS::Lambda::Function')[plannerId].Properties.Role['Fn::GetAtt'][0];
    const statements = statementsOf(template, plannerRole);
    const scheduler = statements.filter((s) => actions(s).some((a) => a.startsWith('scheduler:')));
    // Create and update: the one-time schedule of a subject test's rest; delete: a schedule that has run.
    expect(scheduler).toEqual([
      expect.objectContaining({
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
        Resource: schedulesArn,
      }),
    ]);
    expect(statements.filter((s) => actions(s).includes('iam:PassRole'))).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [roleId, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ]);
  });

  it("trusts only scheduler.amazonaws.com, for this account's schedules in this group", () => {
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':scheduler:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':schedule-group/',
                  { Ref: groupId },
                ],
              ],
            },
          },
        },
      }),
    ]);
  });

  it('lets the role invoke the planner and nothing else, and send to the weekly schedule’s dead-letter queue', () => {
    const statements = statementsOf(template, roleId);
    const invoke = statements.filter((s) => actions(s).some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [plannerId, 'Arn'] } })]);
    const weekly = template.findResources('AWS::Scheduler::Schedule');
    const weeklyDlq = Object.values(weekly)[0].Properties.Target.DeadLetterConfig.Arn;
    expect(statements.filter((s) => actions(s).some((a) => a.startsWith('sqs:')))).toEqual([
      expect.objectContaining({ Resource: weeklyDlq }),
    ]);
    // Every action the role has: invoke and the dead-letter queue, no more.
    expect(
      statements
        .flatMap(actions)
        .every(
          (a) =>
            a === 'lambda:InvokeFunction' ||
            a.startsWith('sqs:Send') ||
            a.startsWith('kms:') ||
            a === 'sqs:GetQueueAttributes' ||
            a === 'sqs:GetQueueUrl',
        ),
    ).toBe(true);
  });

  it("gives publishers a policy: the schedule actions publish calls on the group's schedules, PassRole on the schedule role for Scheduler only", () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
            Resource: schedulesArn,
          },
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: { 'Fn::GetAtt': [roleId, 'Arn'] },
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          },
        ],
      },
    });
  });

  it('outputs what publish needs to make a schedule: group, role, planner, dead-letter queue, publisher policy', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.IssueScheduleGroup.Value).toEqual({ Ref: groupId });
    expect(outputs.IssueScheduleRoleArn.Value).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(outputs.DigestPlannerArn.Value).toEqual({ 'Fn::GetAtt': [plannerId, 'Arn'] });
    const weeklyDlq = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0].Properties.Target.DeadLetterConfig.Arn;
    expect(outputs.IssueScheduleDeadLetterArn.Value).toEqual(weeklyDlq);
    expect(outputs.IssuePublisherPolicyArn.Value).toEqual({ Ref: onlyId(template, 'AWS::IAM::ManagedPolicy') });
  });

  it('makes no schedule of its own for issues (publish makes them at run time): the weekly one is the only schedule', () => {
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule'))).toHaveLength(1);
  });
});
