/**
 * What matters in the synthesized template: keys and indexes, recovery, the queue's
 * dead-lettering, the sender's bounded concurrency, runtimes, the schedule, IAM scope and API
 * throttling (the alarms are in monitoring.test.ts). Bundling is skipped
 * (`aws:cdk:bundling-stacks: []`) to keep the tests fast; `npm run synth` bundles for real.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import { ENV } from '../../lambdas/core/function-env';
import { readConfig } from '../../lib/config';
import { defaults, synth } from './synth';

const template = synth();

/** The logical id of the only Lambda function whose Description contains `text`. */
function functionId(t: Template, text: string): string {
  const found = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(text) } }));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('storage', () => {
  it('keys Subscribers by email, with the bySubscriberId and sparse, sharded digestAudience indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'digestShard', AttributeType: 'N' }]),
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'bySubscriberId',
          KeySchema: [{ AttributeName: 'subscriberId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'digestAudience',
          KeySchema: [
            { AttributeName: 'digestShard', KeyType: 'HASH' },
            { AttributeName: 'subscriberId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email'] },
        },
      ]),
    });
  });

  it('keys Content by pk, indexes it by kind and date, and streams new and old images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byKind',
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'date', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('keys the Deliveries ledger by campaign and subscriber', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'campaignId', KeyType: 'HASH' },
        { AttributeName: 'subscriberId', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('has exactly three tables, all kept when the stack is deleted', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });
});

describe('sending', () => {
  it('dead-letters a send job after 5 receives, into a queue that keeps it 14 days', () => {
    const dlqs = template.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: 14 * 24 * 3600 } });
    const dlqIds = Object.keys(dlqs);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        maxReceiveCount: 5,
      },
      SqsManagedSseEnabled: true,
      // Six times the sender's 60-second timeout.
      VisibilityTimeout: 360,
    });
    const sendQueue = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }))[0];
    expect(dlqIds).toContain(sendQueue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]);
  });

  it('refuses non-TLS access to every queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const queue of queues) {
      const denies = policies.some(
        (p) =>
          JSON.stringify(p.Properties.Queues).includes(queue) &&
          p.Properties.PolicyDocument.Statement.some(
            (s: { Effect: string; Condition?: { Bool?: Record<string, string> } }) =>
              s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
      );
      expect({ queue, denies }).toEqual({ queue, denies: true });
    }
  });

  it('feeds the sender a few jobs at a time, with partial failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(template, 'SendRawEmail') },
      BatchSize: SEND_JOBS_PER_INVOCATION,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('takes the maximum concurrency from context senderConcurrency', () => {
    synth({ senderConcurrency: 7 }).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 7 },
    });
  });

  it('leaves reserved concurrency unset on every function', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('allows ses:SendRawEmail only From the sender, on the identity, the configuration set and (sandbox) recipients, never on "*"', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>,
    );
    const ses = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ses:Send')));
    // The sender (digests), the sign-ups function (confirmation and welcome messages) and the
    // console (test sends): one statement each.
    expect(ses).toHaveLength(3);
    for (const statement of ses) {
      expect(statement.Action).toBe('ses:SendRawEmail');
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'newsletter@example.com' } });
      const resources = (statement.Resource as unknown[]).map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(3);
      expect(resources).not.toContain('"*"');
      expect(resources.filter((r) => r.includes(':configuration-set/'))).toHaveLength(1);
      expect(resources.filter((r) => /:identity\/",\{"Ref":"SendingIdentity/.test(r))).toHaveLength(1);
      expect(resources.filter((r) => r.includes(':identity/*"'))).toHaveLength(1);
    }
  });

  it('verifies the sender domain with Easy DKIM and sends through a configuration set that suppresses bounces and complaints', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it('generates the token signing secret as {"current":"k1","k1":<64 chars>}', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{"current":"k1"}',
        GenerateStringKey: 'k1',
        ExcludePunctuation: true,
        PasswordLength: 64,
      },
    });
  });

  it('gives the sender every setting it reads, the API URL as its public base URL by default', () => {
    const sender = template.findResources('AWS::Lambda::Function')[functionId(template, 'SendRawEmail')];
    const vars = sender.Properties.Environment.Variables;
    for (const name of [
      ENV.contentTable,
      ENV.deliveriesTable,
      ENV.senderEmail,
      ENV.senderName,
      ENV.publicBaseUrl,
      ENV.configurationSet,
      ENV.tokenSecretArn,
    ]) {
      expect(vars).toHaveProperty([name]);
    }
    expect(vars[ENV.senderEmail]).toBe('newsletter@example.com');
    expect(vars[ENV.senderName]).toBe('EU–Japan Security Brief');
    expect(vars[ENV.publicBaseUrl]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiHttpApi/), 'ApiEndpoint'] });
  });

  it('uses context publicBaseUrl for links when given', () => {
    const t = synth({ publicBaseUrl: 'https://news.example.org/' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.publicBaseUrl]: 'https://news.example.org' }) },
    });
  });
});

describe('functions', () => {
  it('runs every function on nodejs24.x (the Node the tests run on), on arm64, traced, with source maps', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    // Sender, digest planner, alert planner, API (and any later ones): every one is checked below.
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      // Source maps, and V8's heap as Lambda sizes it for the function's memory but with an 8 MB
      // semi-space (node-options.ts: a larger one made the sender 2-3x slower on Node 24).
      const memory = fn.Properties.MemorySize as number;
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe(
        `--enable-source-maps --max-semi-space-size=8 --max-old-space-size=${memory - Math.floor(memory / 10)}`,
      );
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
  });

  it('keeps function and API access logs for a month', () => {
    // One log group per function (sender, digest planner, alert planner, API, ses-events,
    // sign-ups, console), plus the API's access log: a literal, so a function without its log group fails here.
    template.resourceCountIs('AWS::Lambda::Function', 7);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 7 + 1);
  });

  it('lets the planner query the two digest audience indexes (not the Subscribers table itself), and send to the queue', () => {
    const planner = functionId(template, 'queues its audience');
    const role = template.findResources('AWS::Lambda::Function')[planner].Properties.Role['Fn::GetAtt'][0];
    const index = (name: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageSubscribers'), 'Arn'] }, `/index/${name}`]],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:Query', Resource: Match.arrayWith([index('digestAudience'), index('digestByZone')]) }),
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SendingQueue'), 'Arn'] }]),
          }),
        ]),
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Resource: unknown }>,
    );
    const onSubscribersTable = (r: unknown) => /^\{"Fn::GetAtt":\["StorageSubscribers[^"]*","Arn"\]\}$/.test(JSON.stringify(r));
    expect(statements.filter((s) => [s.Resource].flat().some(onSubscribersTable))).toEqual([]);
  });
});

describe('scheduling', () => {
  it('runs the planner on the cron and time zone from cdk.json, with input {} and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Brussels',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [functionId(template, 'queues its audience'), 'Arn'] },
        Input: '{}',
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
      },
    });
  });

  it('takes another cron and time zone from context', () => {
    synth({ scheduleCron: 'cron(30 6 ? * TUE *)', timeZone: 'Asia/Tokyo' }).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 6 ? * TUE *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
    });
  });
});

describe('api', () => {
  it('routes the public routes to one Lambda integration', () => {
    // The console's /admin routes have their own function and integration (test/infra/console.test.ts).
    const all = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const publicRoutes = all.filter((r) => !String(r.Properties.RouteKey).includes(' /admin'));
    const routes = publicRoutes.map((r) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual([
      'GET /',
      'GET /archive',
      'GET /archive/{issue}',
      'GET /check-inbox',
      'GET /confirm',
      'GET /feed.xml',
      'GET /health',
      'GET /preferences',
      'GET /r/{token}',
      'GET /unsubscribe',
      'HEAD /',
      'HEAD /archive',
      'HEAD /archive/{issue}',
      'HEAD /check-inbox',
      'HEAD /confirm',
      'HEAD /feed.xml',
      'HEAD /health',
      'HEAD /preferences',
      'HEAD /r/{token}',
      'HEAD /unsubscribe',
      'OPTIONS /subscribe',
      'POST /confirm',
      'POST /preferences',
      'POST /subscribe',
      'POST /unsubscribe',
    ]);
    expect(new Set(publicRoutes.map((r) => JSON.stringify(r.Properties.Target))).size).toBe(1);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
  });

  it('lets the API function read the Content table for the archive, and never write it', () => {
    const api = template.findResources('AWS::Lambda::Function')[functionId(template, 'public archive')];
    expect(api.Properties.Environment.Variables[ENV.contentTable]).toEqual({ Ref: expect.stringMatching(/^StorageContent/) });
    const role = api.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const onContent = statements.filter((s) => JSON.stringify(s.Resource).includes('StorageContent'));
    expect(onContent.length).toBeGreaterThan(0);
    const actions = onContent.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']));
    expect(actions.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  it('lets the API function raise click counts in the Deliveries table and nothing else there (UpdateItem on the click attributes)', () => {
    const api = template.findResources('AWS::Lambda::Function')[functionId(template, 'public archive')];
    expect(api.Properties.Environment.Variables[ENV.deliveriesTable]).toEqual({ Ref: expect.stringMatching(/^StorageDeliveries/) });
    const role = api.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>,
      );
    const onDeliveries = statements.filter((s) => JSON.stringify(s.Resource).includes('StorageDeliveries'));
    expect(onDeliveries).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        // The table only: not its indexes, not another table.
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StorageDeliveries/), 'Arn'] },
        // ReturnValues that would hand back other attributes (ALL_OLD, ALL_NEW) are refused as well.
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:Attributes': ['campaignId', 'subscriberId', 'click#*', 'clickedArticles'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        },
      },
    ]);
  });

  it('gives the sender the click-tracking setting (aggregate by default)', () => {
    const sender = template.findResources('AWS::Lambda::Function')[functionId(template, 'Sends one queued batch')];
    expect(sender.Properties.Environment.Variables[ENV.clickTracking]).toBe('aggregate');
  });

  it('throttles the default stage and logs its access to a log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        // Paths and query strings would record the tokens in links.
        Format: Match.not(Match.stringLikeRegexp('context\\.(path|requestUri)')),
      },
    });
  });

  it('outputs the API URL', () => {
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] } });
  });

  it("outputs the sender's name, organisation and postal address, and a Reply-To only when one is set (send-test and preview compose the real message from them)", () => {
    const config = readConfig((key) => defaults[key]);
    template.hasOutput('SenderName', { Value: config.senderName });
    template.hasOutput('OrganisationName', { Value: config.organisationName });
    template.hasOutput('PostalAddress', { Value: config.postalAddress });
    expect(Object.keys(synth({ replyToEmail: undefined }).findOutputs('ReplyToEmail'))).toEqual([]);
    synth({ replyToEmail: 'editors@example.org' }).hasOutput('ReplyToEmail', { Value: 'editors@example.org' });
  });
});
