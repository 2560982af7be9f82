/**
 * The send engine's infrastructure: the sender's rate settings and lease, the send-time check
 * on Subscribers, GetSendQuota granted alone, and the planner's continuation queue.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import { synth } from './synth';

const template = synth({ senderConcurrency: 4 });

function fn(t: Template, text: string) {
  const found = t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(text) } });
  expect(Object.keys(found)).toHaveLength(1);
  return Object.values(found)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
}

describe('send engine infrastructure', () => {
  it('tells each sender the concurrency it shares the rate with, and a claim lease of twice its timeout', () => {
    const vars = fn(template, 'Sends one queued batch').Properties.Environment.Variables;
    expect(vars.SENDER_CONCURRENCY).toBe('4');
    expect(vars.CLAIM_LEASE_MS).toBe('120000');
    expect(vars.SEND_RATE).toBeUndefined();
    expect(vars.SUBSCRIBERS_TABLE).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 4 },
      BatchSize: SEND_JOBS_PER_INVOCATION,
    });
  });

  it('lets the sender queue again, on its own send queue, the recipients it has no time left for', () => {
    const vars = fn(template, 'Sends one queued batch').Properties.Environment.Variables;
    const sendQueue = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => /SendingQueue[0-9A-F]{8}$/.test(id));
    expect(vars.SEND_QUEUE_URL).toEqual({ Ref: sendQueue });
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    expect(
      statements.some(
        (s) =>
          [s.Action].flat().includes('sqs:SendMessage') &&
          JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [sendQueue, 'Arn'] }),
      ),
    ).toBe(true);
  });

  it('passes a fixed rate and a share given as CDK context to the sender', () => {
    const vars = fn(synth({ sendRate: '14', sendRateShare: '0.5' }), 'Sends one queued batch').Properties.Environment.Variables;
    expect(vars.SEND_RATE).toBe('14');
    expect(vars.SEND_RATE_SHARE).toBe('0.5');
  });

  it('stops the synth on a bad sendRateShare (1.5), naming the setting', () => {
    expect(() => synth({ sendRateShare: '1.5' })).toThrow(/sendRateShare/);
  });

  it('grants ses:GetSendQuota on "*" in a statement of its own, nothing else from SES', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const quota = statements.filter((s) => [s.Action].flat().includes('ses:GetSendQuota'));
    expect(quota).toHaveLength(1);
    expect([quota[0].Action].flat().filter((a) => a.startsWith('ses:'))).toEqual(['ses:GetSendQuota']);
  });

  it('gives the planner a continuation queue (with a dead-letter queue) that it writes and is triggered by', () => {
    const vars = fn(template, 'queues its audience').Properties.Environment.Variables;
    expect(vars.PLAN_QUEUE_URL).toBeDefined();
    expect(vars.DELIVERIES_TABLE).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulingContinuationQueue'), 'Arn'] },
      BatchSize: 1,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulingContinuationDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });
});
