/**
 * Subscribing and SES events on AWS: the configuration set publishes its events (bounce,
 * complaint, delivery and the rest) to an encrypted SNS topic SES may use, the ses-events function is
 * subscribed with a dead-letter queue, the subscribe route has its own tighter throttle, and
 * the Deliveries table has the index the events are matched through.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { synth } from './synth';

const template = synth();

describe('SES events', () => {
  it('publishes send, reject, bounce, complaint, delivery, delivery-delay and rendering-failure events of the configuration set to the SNS topic', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['send', 'reject', 'bounce', 'complaint', 'delivery', 'deliveryDelay', 'renderingFailure']),
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^SesEventsTopic') } },
      },
    });
  });

  it('encrypts the topic with a rotated key that SES may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SesEventsTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' }, Action: Match.arrayWith(['kms:Decrypt']) }),
        ]),
      },
    });
  });

  it('subscribes the ses-events function to the topic, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('^SesEventsTopic') },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SesEventsDeadLetterQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('SES bounce, complaint and delivery'),
      Environment: { Variables: Match.objectLike({ SUBSCRIBERS_TABLE: Match.anyValue(), DELIVERIES_TABLE: Match.anyValue() }) },
    });
  });

  it("keeps the events the function failed after Lambda's retries in an alarmed queue (its on-failure destination), not only what SNS could not hand over", () => {
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
      /SES bounce, complaint and delivery/.test(r.Properties.Description),
    )![0];
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SesEventsFailureDeadLetterQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SesEventsFailureDeadLetterQueue'), 'QueueName'] } },
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
    });
    const role = template.findResources('AWS::Lambda::Function')[fn].Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SesEventsFailureDeadLetterQueue/), 'Arn'] },
      }),
    );
  });

  it('indexes the ledger by subscriber, with the SES message id projected', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'campaignId', KeyType: 'HASH' },
        { AttributeName: 'subscriberId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'bySubscriber',
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sesMessageId', 'status'] },
        }),
      ]),
    });
  });
});

describe('subscribe API', () => {
  it('throttles POST /subscribe more tightly than the rest of the stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { 'POST /subscribe': { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 10 } },
    });
  });

  it('gives the sign-ups function what it needs to send confirmations, and the API its queue and the CORS origins from context', () => {
    const t = synth({ corsOrigins: 'https://www.example.org, https://news.example.org' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('queued sign-ups'),
      Environment: {
        Variables: Match.objectLike({
          SENDER_EMAIL: 'newsletter@example.com',
          SES_CONFIGURATION_SET: Match.anyValue(),
          PUBLIC_BASE_URL: Match.anyValue(),
          TOKEN_SECRET_ARN: Match.anyValue(),
          ADDRESS_KEY_SECRET_ARN: Match.anyValue(),
          SIGNUP_COOLING_DAYS: '30',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('subscribe, confirm'),
      Environment: {
        Variables: Match.objectLike({
          PUBLIC_BASE_URL: Match.anyValue(),
          TOKEN_SECRET_ARN: Match.anyValue(),
          ADDRESS_KEY_SECRET_ARN: Match.anyValue(),
          SIGNUP_QUEUE_URL: { Ref: Match.stringLikeRegexp('^SignupsQueue') },
          CORS_ORIGINS: 'https://www.example.org,https://news.example.org',
        }),
      },
    });
  });
});
