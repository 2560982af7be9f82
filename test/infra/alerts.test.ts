import { Match } from 'aws-cdk-lib/assertions';
import { ALERT_STREAM_FILTERS } from '../../lambdas/alert-planner/filter';
import { readConfig } from '../../lib/config';
import { defaults, synth } from './synth';

const template = synth();

describe('alerts infrastructure', () => {
  it('starts the alert planner from the Content stream, filtered to new or newly breaking articles, with partial batch responses and a dead-letter destination', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageContent'), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsDeadLetterQueue'), 'Arn'] } } },
      FilterCriteria: { Filters: ALERT_STREAM_FILTERS.map((p) => ({ Pattern: JSON.stringify(p) })) },
    });
  });

  it('lets the alert planner query the alert audience index and send to the queue', () => {
    const planner = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, f]) =>
      /breaking article/.test(f.Properties.Description),
    )!;
    const role = planner[1].Properties.Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:Query',
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageSubscribers'), 'Arn'] }, '/index/alertAudience']],
            },
          }),
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SendingQueue'), 'Arn'] }]),
          }),
        ]),
      },
    });
  });

  it('indexes the alert audience sparsely with topics projected', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'alertAudience',
          KeySchema: [
            { AttributeName: 'alertShard', KeyType: 'HASH' },
            { AttributeName: 'subscriberId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'topics', 'timezone'] },
        }),
      ]),
    });
  });
});

describe('alert cap setting', () => {
  it('passes the daily cap from context to the alert planner, and refuses a bad one', () => {
    const planner = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      /breaking article/.test(f.Properties.Description),
    )!;
    expect(planner.Properties.Environment.Variables.ALERT_DAILY_CAP).toBe('3');
    expect(() => readConfig((key) => (key === 'alertDailyCap' ? '0' : defaults[key]))).toThrow(/alertDailyCap must be at least 1/);
  });
});
