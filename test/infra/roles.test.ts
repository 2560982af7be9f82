/**
 * Every IAM role and managed policy of the stack against the permissions table
 * (lib/constructs/function-permissions.ts), and the table against the code: what a role may do
 * is what its function calls, on the resource it calls it on, and nothing the code does not call
 * is in the table. The checks are plain functions (test/infra/roles.ts), shown failing here too.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../lib/constructs/briefing-function';
import {
  actionsOn,
  FUNCTION_PERMISSIONS,
  OTHER_PERMISSIONS,
  permissionsOf,
  resourcesOf,
  type Grants,
  type PrincipalName,
} from '../../lib/constructs/function-permissions';
import { build, ZONE } from './synth';
import {
  CALL_EVIDENCE,
  callsWithoutCode,
  checkPermissions,
  CODE_ENTRIES,
  codeEvidence,
  grantsOf,
  stackFacts,
  type CfnTemplate,
} from './roles';

function synthWithFacts(context: Record<string, unknown> = {}) {
  const { stack } = build(context);
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  return { template, facts: stackFacts(stack) };
}

const { template, facts } = synthWithFacts();
const copy = (): CfnTemplate => JSON.parse(JSON.stringify(template)) as CfnTemplate;
const logicalIdOf = (name: PrincipalName) => Object.entries(facts.principals).find(([, n]) => n === name)![0];
const tableId = (prefix: string) =>
  Object.keys(template.Resources).find((id) => id.startsWith(prefix) && template.Resources[id].Type === 'AWS::DynamoDB::Table')!;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
/** The statements of the default policy of `name`'s role, in the template `t`. */
function defaultPolicy(t: CfnTemplate, name: PrincipalName): Statement[] {
  const role = logicalIdOf(name);
  const policy = Object.values(t.Resources).find(
    (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: role }]),
  )!;
  return (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
}
const allStatements = (t: CfnTemplate) =>
  Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);

describe('roles: every action of every role and managed policy is in the permissions table', () => {
  it('finds nothing beyond the table in the default stack', () => {
    expect(checkPermissions(template, facts)).toEqual([]);
  });

  it('finds nothing beyond the table with a hosted zone, a custom API domain and alarm mail', () => {
    const other = synthWithFacts({
      ...ZONE,
      apiDomainName: 'news.example.com',
      dmarcReportEmail: 'dmarc@example.com',
      alarmEmail: 'ops@example.org',
    });
    expect(checkPermissions(other.template, other.facts)).toEqual([]);
  });

  it('finds nothing beyond the table with an existing identity, an imported token secret and local-time delivery', () => {
    const other = synthWithFacts({
      existingIdentity: true,
      tokenSecretName: 'Briefing/token-keys',
      digestDelivery: 'local-time',
      publicBaseUrl: 'https://news.example.org',
    });
    expect(checkPermissions(other.template, other.facts)).toEqual([]);
  });

  it("knows every role and managed policy of the stack, one for each of the table's rows (the functions, the schedule roles, the publisher policy)", () => {
    const declared = Object.values(facts.principals).sort();
    expect(declared).toEqual([...Object.keys(FUNCTION_PERMISSIONS), ...Object.keys(OTHER_PERMISSIONS)].sort());
    const iam = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role' || r.Type === 'AWS::IAM::ManagedPolicy');
    expect(iam.map(([id]) => id).sort()).toEqual(Object.keys(facts.principals).sort());
  });

  it('grants every row of the table: nothing is listed that the stack does not grant', () => {
    const grants = grantsOf(template, facts);
    const missing: string[] = [];
    for (const name of new Set(Object.values(facts.principals))) {
      for (const resource of resourcesOf(name)) {
        for (const action of Object.keys(actionsOn(name, resource))) {
          if (!grants.get(name)?.get(resource)?.has(action)) missing.push(`${name}: ${action} on ${resource}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('fails, naming the function, the action and the resource, when the API role gets dynamodb:Scan on Subscribers', () => {
    const t = copy();
    defaultPolicy(t, 'api').push({
      Effect: 'Allow',
      Action: 'dynamodb:Scan',
      Resource: { 'Fn::GetAtt': [tableId('StorageSubscribers'), 'Arn'] },
    });
    expect(checkPermissions(t, facts)).toEqual(['api: dynamodb:Scan on table/subscribers is not in the permissions table']);
  });

  it('fails when the sender gets dynamodb:ConditionCheckItem, which no transaction of its code uses', () => {
    const t = copy();
    defaultPolicy(t, 'sender').push({
      Effect: 'Allow',
      Action: ['dynamodb:ConditionCheckItem'],
      Resource: [{ 'Fn::GetAtt': [tableId('StorageDeliveries'), 'Arn'] }],
    });
    expect(checkPermissions(t, facts)).toEqual(['sender: dynamodb:ConditionCheckItem on table/deliveries is not in the permissions table']);
  });

  it('fails when a Query granted on an index lands on the table instead', () => {
    const t = copy();
    const query = defaultPolicy(t, 'ses-events').find(
      (s) => s.Action === 'dynamodb:Query' && JSON.stringify(s.Resource).includes('/index/'),
    )!;
    query.Resource = { 'Fn::GetAtt': [tableId('StorageSubscribers'), 'Arn'] };
    expect(checkPermissions(t, facts)).toEqual(['ses-events: dynamodb:Query on table/subscribers is not in the permissions table']);
  });

  it("fails when a function writes another function's log group", () => {
    const t = copy();
    const senderLogs = defaultPolicy(t, 'sender').find((s) => [s.Action].flat().includes('logs:PutLogEvents'))!.Resource;
    defaultPolicy(t, 'api').push({ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: senderLogs });
    expect(checkPermissions(t, facts)).toEqual(['api: logs:PutLogEvents on logs of sender is not in the permissions table']);
  });

  it('fails when a statement lacks a condition the table requires (ses:FromAddress on SendRawEmail)', () => {
    const t = copy();
    const send = defaultPolicy(t, 'signups').find((s) => s.Action === 'ses:SendRawEmail')!;
    delete send.Condition;
    expect(checkPermissions(t, facts)).toEqual(
      ['ses/configuration-set', 'ses/identity', 'ses/recipients'].map(
        (r) => `signups: ses:SendRawEmail on ${r} lacks the condition key ses:FromAddress`,
      ),
    );
  });

  it('fails on a role the table does not describe, and on an AWS managed policy attached to a known role', () => {
    const t = copy();
    t.Resources.StrayRole = { Type: 'AWS::IAM::Role', Properties: { Description: 'made by someone', AssumeRolePolicyDocument: {} } };
    (t.Resources[logicalIdOf('api')].Properties as Record<string, unknown>).ManagedPolicyArns = [
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ];
    expect(checkPermissions(t, facts)).toEqual([
      'role ' + logicalIdOf('api') + ': managed policy "arn:aws:iam::aws:policy/AdministratorAccess" is not in the permissions table',
      'AWS::IAM::Role StrayRole (made by someone) is not in the permissions table (lib/constructs/function-permissions.ts)',
    ]);
  });
});

describe('roles: what the issue asked of each function', () => {
  const grants = grantsOf(template, facts);
  const on = (name: PrincipalName, resource: string) => [...(grants.get(name)?.get(resource) ?? [])].sort();

  it('lets the API function GetItem, PutItem and UpdateItem Subscribers and Query bySubscriberId, nothing else there', () => {
    expect(on('api', 'table/subscribers')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(on('api', 'table/subscribers/index/bySubscriberId')).toEqual(['dynamodb:Query']);
    const elsewhere = [...(grants.get('api') ?? new Map<string, Set<string>>()).keys()].filter(
      (r) => r.startsWith('table/subscribers/') && r !== 'table/subscribers/index/bySubscriberId',
    );
    expect(elsewhere).toEqual([]);
  });

  it('gives the public API function no right to send mail: the sign-ups function sends the confirmation and welcome', () => {
    const api = [...(grants.get('api')?.values() ?? [])].flatMap((actions) => [...actions]);
    expect(api.filter((a) => a.startsWith('ses:'))).toEqual([]);
    expect(on('api', 'queue/signups')).toEqual(['sqs:SendMessage']);
    expect(on('signups', 'ses/identity')).toEqual(['ses:SendRawEmail']);
    expect(on('signups', 'table/subscribers')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(on('signups', 'queue/signups')).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    expect(on('api', 'secret/address-key')).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('lets ses-events GetItem and UpdateItem Subscribers, and on Deliveries only what it calls', () => {
    expect(on('ses-events', 'table/subscribers')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(on('ses-events', 'table/deliveries')).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(on('ses-events', 'table/deliveries/index/bySubscriber')).toEqual(['dynamodb:Query']);
  });

  it('lets the planners only read the audience indexes of Subscribers, never its items', () => {
    expect(on('digest-planner', 'table/subscribers')).toEqual([]);
    expect(on('alert-planner', 'table/subscribers')).toEqual([]);
    expect(on('digest-planner', 'table/subscribers/index/digestAudience')).toEqual(['dynamodb:Query']);
    expect(on('alert-planner', 'table/subscribers/index/alertAudience')).toEqual(['dynamodb:Query']);
  });

  it("lets the digest planner PutItem the Content table (a sent issue's archive snapshot), and the API only read it", () => {
    // Mistakes tried: the snapshot write denied on AWS (caught, so the archive would silently show
    // live articles), or the public API given a write on the content.
    expect(on('digest-planner', 'table/content')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(on('api', 'table/content')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
  });

  it('grants dynamodb:ConditionCheckItem, Scan and DescribeTable to nobody', () => {
    const actions = allStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => ['dynamodb:ConditionCheckItem', 'dynamodb:Scan', 'dynamodb:DescribeTable'].includes(a))).toEqual([]);
  });

  it('puts ses:FromAddress (the sender) on every ses:SendRawEmail statement', () => {
    const sends = allStatements(template).filter((s) => [s.Action].flat().includes('ses:SendRawEmail'));
    expect(sends.length).toBeGreaterThan(0);
    for (const s of sends) expect(s.Condition?.StringEquals?.['ses:FromAddress']).toBe('newsletter@example.com');
  });

  it("limits the API's click write to the click attributes and to ReturnValues NONE, UPDATED_OLD, UPDATED_NEW, and the adapter sends none", () => {
    const write = allStatements(template).filter(
      (s) => JSON.stringify(s.Resource).includes('StorageDeliveries') && defaultPolicy(template, 'api').includes(s),
    );
    expect(write).toHaveLength(1);
    expect(write[0].Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:Attributes': ['campaignId', 'subscriberId', 'click#*', 'clickedArticles'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
    });
    // No ReturnValues at all: IfExists lets the request through, and nothing comes back.
    expect(readFileSync(path.join(REPO_ROOT, 'lambdas/adapters/dynamodb/click-counts.ts'), 'utf8')).not.toMatch(/ReturnValues/);
  });

  it('gives the Lambda SQS poller only ReceiveMessage, DeleteMessage and GetQueueAttributes (no GetQueueUrl, no ChangeMessageVisibility)', () => {
    expect(on('sender', 'queue/send')).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
    expect(on('digest-planner', 'queue/plan-continuation')).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
  });

  it('lets the schedule roles invoke the planner itself, not its versions or aliases', () => {
    expect(on('weekly-schedule', 'function/digest-planner')).toEqual(['lambda:InvokeFunction']);
    expect(on('issue-schedules', 'function/digest-planner')).toEqual(['lambda:InvokeFunction']);
    expect([...(grants.get('weekly-schedule')?.keys() ?? [])].sort()).toEqual(['function/digest-planner', 'queue/schedule-dead-letter']);
  });
});

describe('roles: the table against the code (each action has its call in the function bundle)', () => {
  it.each(Object.entries(CODE_ENTRIES))('%s: every action its code is said to call has that call in %s', async (name, entry) => {
    const evidence = await codeEvidence(entry);
    expect(callsWithoutCode(permissionsOf(name as PrincipalName).calls, evidence)).toEqual([]);
  });

  it('fails on an action declared for a function whose code never calls it (Scan for the API, SendRawEmail for ses-events)', async () => {
    const scan: Grants = { 'table/subscribers': { 'dynamodb:Scan': 'declared by mistake' } };
    expect(callsWithoutCode(scan, await codeEvidence(CODE_ENTRIES.api!))).toEqual([
      'dynamodb:Scan on table/subscribers: no call in the code needs it',
    ]);
    const send: Grants = { 'ses/identity': { 'ses:SendRawEmail': 'declared by mistake' } };
    expect(callsWithoutCode(send, await codeEvidence(CODE_ENTRIES['ses-events']!))).toEqual([
      'ses:SendRawEmail on ses/identity: no call in the code needs it',
    ]);
  });

  it('fails on dynamodb:ConditionCheckItem: no transaction in any bundle has a ConditionCheck item', async () => {
    const sender: Grants = { 'table/deliveries': { 'dynamodb:ConditionCheckItem': 'declared by mistake' } };
    expect(callsWithoutCode(sender, await codeEvidence(CODE_ENTRIES.sender!))).toEqual([
      'dynamodb:ConditionCheckItem on table/deliveries: no call in the code needs it',
    ]);
  });

  it('has a rule for every action any row of the table says the code calls', () => {
    const actions = new Set(
      Object.keys(FUNCTION_PERMISSIONS).flatMap((name) =>
        Object.values(permissionsOf(name as PrincipalName).calls).flatMap((a) => Object.keys(a ?? {})),
      ),
    );
    expect([...actions].filter((a) => !CALL_EVIDENCE[a])).toEqual([]);
  });
});
