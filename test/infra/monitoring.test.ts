/**
 * The stack's operations alarms, and the contract between its dashboard and the metrics the
 * functions write: with cdk.json's settings, and with a hosted zone (as in production.test.ts).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { METRIC, METRICS_NAMESPACE } from '../../lambdas/core/metric-names';
import { idOf, outputs } from './lookup';
import { synth, ZONE } from './synth';

const template = synth();
const withZone = synth({ ...ZONE, dmarcReportEmail: 'dmarc@example.com' });

describe('operations alarms', () => {
  const notifies = { AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }] };

  it('alarms when the oldest send job is older than 15 minutes while nothing is sent', () => {
    const alarms = withZone.findResources('AWS::CloudWatch::Alarm');
    const oldest = Object.entries(alarms).filter(([id]) => id.startsWith('MonitoringOldestSendJob'));
    expect(oldest).toHaveLength(1);
    const props = oldest[0][1].Properties;
    expect(props).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }],
    });
    const queries = props.Metrics as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown[] } };
    }>;
    expect(queries.find((q) => q.Expression)?.Expression).toBe('IF(age > 900 AND FILL(sent, 0) == 0, 1, 0)');
    const age = queries.find((q) => q.Id === 'age')!.MetricStat!.Metric;
    expect(age).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage' });
    expect(age.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^SendingQueue/), 'QueueName'] } }]);
    expect(queries.find((q) => q.Id === 'sent')!.MetricStat!.Metric).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.sent,
      Dimensions: [{ Name: 'service', Value: 'briefing' }],
    });
  });

  it("lets this account's CloudWatch alarms publish to the alarm topic (its policy replaces the default one)", () => {
    withZone.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('alarms on SES throttles that last 15 minutes (Briefing/Throttled, service=briefing)', () => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.throttled,
      Dimensions: [{ Name: 'service', Value: 'briefing' }],
      Threshold: 0,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ...notifies,
    });
  });

  it('alarms on any 5xx of the HTTP API', () => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^ApiHttpApi') } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      ...notifies,
    });
  });

  it('alarms at an account bounce rate of 5 %', () => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Dimensions: Match.absent(),
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...notifies,
    });
  });

  it.each([
    ['bounce', 'Reputation.BounceRate', 0.025],
    ['complaint', 'Reputation.ComplaintRate', 0.0005],
  ])('warns at half the review level of the account %s rate, beside the review-level alarm', (_kind, metric, threshold) => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: metric,
      Dimensions: Match.absent(),
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...notifies,
    });
    const onMetric = Object.values(withZone.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === metric);
    expect(onMetric.map((a) => a.Properties.Threshold).sort()).toEqual([threshold, threshold * 2].sort());
  });

  it('alarms at an account complaint rate of 0.1 %', () => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Dimensions: Match.absent(),
      Threshold: 0.001,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      ...notifies,
    });
  });

  it('alarms while sending is paused (SendingPaused above 0)', () => {
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.sendingPaused,
      Dimensions: [{ Name: 'service', Value: 'briefing' }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      ...notifies,
    });
  });

  it("sends the digest planner's failed asynchronous runs to a queue, and alarms on any message in it", () => {
    const planner = idOf(withZone, 'AWS::Lambda::Function', 'SchedulingDigestPlanner');
    const queue = idOf(withZone, 'AWS::SQS::Queue', 'SchedulingPlannerFailureDeadLetterQueue');
    withZone.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: planner },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    withZone.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 0,
      ...notifies,
    });
  });

  it("creates the planner's on-failure destination only after its role may send to the queue (Lambda checks the role when the destination is set)", () => {
    const planner = idOf(withZone, 'AWS::Lambda::Function', 'SchedulingDigestPlanner');
    const queue = idOf(withZone, 'AWS::SQS::Queue', 'SchedulingPlannerFailureDeadLetterQueue');
    const fn = withZone.findResources('AWS::Lambda::Function')[planner];
    const [config] = Object.values(withZone.findResources('AWS::Lambda::EventInvokeConfig'));
    // The config is created after the function (Ref), and the function after the role's policy (DependsOn).
    expect(config.Properties.FunctionName).toEqual({ Ref: planner });
    const granting = Object.entries(withZone.findResources('AWS::IAM::Policy')).filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).some(
        (st) => [st.Action].flat().includes('sqs:SendMessage') && JSON.stringify(st.Resource).includes(`"${queue}"`),
      ),
    );
    expect(granting).toHaveLength(1);
    const [policyId, policy] = granting[0];
    expect(policy.Properties.Roles).toEqual([{ Ref: fn.Properties.Role['Fn::GetAtt'][0] }]);
    expect(fn.DependsOn).toContain(policyId);
  });

  it('sends every alarm to the alarm topic', () => {
    for (const alarm of Object.values(withZone.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }]);
    }
  });
});

describe('dashboard and metrics contract', () => {
  it('draws sent, failed, bounced, complained, queue depth, oldest job age, send rate and reputation rates', () => {
    const dashboards = withZone.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0].Properties.DashboardBody);
    for (const metric of [
      METRIC.sent,
      METRIC.failed,
      METRIC.bounced,
      METRIC.complained,
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    expect(body).toContain('sent / PERIOD(sent)');
    expect(outputs(withZone).DashboardName).toEqual({ Ref: idOf(withZone, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard') });
  });

  it('gives every function the Powertools namespace Briefing and service briefing', () => {
    const functions = Object.values(withZone.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'Briefing',
        POWERTOOLS_SERVICE_NAME: 'briefing',
      });
    }
  });
});

describe('monitoring', () => {
  it('alarms on any message in every dead-letter queue', () => {
    // Send, schedule target, planner failures, plan continuations, SES events (the subscription's
    // and the function's failures), alerts, sign-ups.
    const deadLetterQueues = Object.keys(
      template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.absent() } }),
    ).filter((q) => /DeadLetter/.test(q));
    expect(deadLetterQueues).toHaveLength(8);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.anyValue() }],
      },
      8,
    );
  });

  it('alarms on errors of every function', () => {
    const alarmed = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' } }),
    ).map((a) => a.Properties.Dimensions[0].Value.Ref);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(7);
    expect(alarmed.sort()).toEqual(functions.sort());
  });

  it('has an SSL-only alarm topic with no subscription unless alarmEmail is set', () => {
    // The alarm topic, and the SES events topic (lib/constructs/ses-events.ts).
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
    synth({ alarmEmail: 'ops@example.org' }).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });
});
