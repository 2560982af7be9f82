/**
 * The editor's console (lib/constructs/console.ts) as CloudFormation will make it: its own
 * function and role, which may read its session key and nothing else (no table at all, so no Scan
 * on Subscribers), the /admin routes on the HTTP API pointing at it and not at the public API's
 * function, and the issuer and client it signs in with taken from the user pool and the app client.
 * Each assertion names the mistake it catches. (cdk-nag runs on the whole stack in cdk-nag.test.ts.)
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/core/function-env';
import { checkPermissions, grantsOf, stackFacts, type CfnTemplate } from './roles';
import { build } from './synth';

const { stack } = build();
const t = Template.fromStack(stack);
const template = t.toJSON() as CfnTemplate;
const facts = stackFacts(stack);
const resolve = (token: string) => JSON.stringify(stack.resolve(token));
const consoleFnId = stack.getLogicalId(stack.console.handler.fn.node.defaultChild as never);
const apiFnId = stack.getLogicalId(stack.api.handler.fn.node.defaultChild as never);
const logicalIdOfConsoleRole = () => stack.getLogicalId(stack.console.handler.fn.role!.node.defaultChild as never);

describe("the console's role", () => {
  const grants = grantsOf(template, facts);

  it('grants exactly what the permissions table lists (a widened grant would show here)', () => {
    expect(checkPermissions(template, facts)).toEqual([]);
  });

  it("may read the session key, content and the campaign figures, write the audit log, Resume and an issue's send fields; no Scan, on Subscribers only the count", () => {
    const own = grants.get('console') ?? new Map<string, Set<string>>();
    const resources = [...own.keys()].filter((r) => r !== 'logs/own' && r !== '*').sort();
    expect(resources).toEqual([
      'function/digest-planner',
      'role/issue-schedule',
      'schedules/issues',
      'secret/console-session',
      'table/content',
      'table/content/index/byKind',
      'table/deliveries',
      'table/subscribers/index/digestAudience',
    ]);
    expect([...own.get('secret/console-session')!]).toEqual(['secretsmanager:GetSecretValue']);
    expect([...own.get('table/content')!].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // The audience is counted on its index: a grant on the Subscribers table itself would allow reading readers.
    expect([...own.get('table/subscribers/index/digestAudience')!]).toEqual(['dynamodb:Query']);
    expect([...own.get('function/digest-planner')!]).toEqual(['lambda:InvokeFunction']);
    expect([...own.get('role/issue-schedule')!]).toEqual(['iam:PassRole']);
    expect([...own.get('schedules/issues')!].sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect([...own.get('table/deliveries')!].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    const all = [...own.values()].flatMap((a) => [...a]);
    expect(all.filter((a) => /Scan|DeleteItem|BatchWriteItem|\*/.test(a))).toEqual([]);
  });

  it('passes the schedule role to EventBridge Scheduler only (iam:PassedToService), as the planner does', () => {
    const role = logicalIdOfConsoleRole();
    const policy = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: role }]),
    )!;
    const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Condition?: unknown }[] }).Statement;
    const pass = statements.filter((st) => [st.Action].flat().includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(pass[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it("is not the public API's role, and the API's role cannot read the session key", () => {
    const fns = template.Resources;
    const roleOf = (id: string) => JSON.stringify((fns[id].Properties as { Role: unknown }).Role);
    expect(roleOf(consoleFnId)).not.toEqual(roleOf(apiFnId));
    expect(grants.get('api')?.has('secret/console-session')).toBe(false);
  });
});

describe("the console's routes", () => {
  const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map(
    (r) => r.Properties as { RouteKey: string; Target: unknown },
  );
  const integrations = t.findResources('AWS::ApiGatewayV2::Integration');
  /** The function an integration target (`integrations/<id>`) calls. */
  const functionOf = (target: unknown) => {
    const id = JSON.stringify(target).match(/"Ref":"([^"]+)"/)![1];
    return JSON.stringify((integrations[id].Properties as { IntegrationUri: unknown }).IntegrationUri);
  };

  it.each(['GET /admin', 'POST /admin', 'GET /admin/{proxy+}', 'POST /admin/{proxy+}'])(
    '%s exists and is served by the console function',
    (key) => {
      const route = routes.find((r) => r.RouteKey === key);
      expect(route).toBeDefined();
      expect(functionOf(route!.Target)).toContain(consoleFnId);
      expect(functionOf(route!.Target)).not.toContain(apiFnId);
    },
  );

  it('no public route is served by the console function (it answers /admin only)', () => {
    const others = routes.filter((r) => !r.RouteKey.includes('/admin'));
    expect(others.length).toBeGreaterThan(0);
    for (const r of others) expect(functionOf(r.Target)).not.toContain(consoleFnId);
  });
});

describe("the console's sign-in settings", () => {
  const env = (t.findResources('AWS::Lambda::Function')[consoleFnId].Properties as { Environment: { Variables: Record<string, unknown> } })
    .Environment.Variables;

  it("checks tokens against the stack's user pool and app client (another pool's or client's tokens would be accepted otherwise)", () => {
    expect(JSON.stringify(env[ENV.consoleIssuer])).toContain(resolve(stack.editors.userPool.userPoolId).slice(1, -1));
    expect(JSON.stringify(env[ENV.consoleIssuer])).toContain('https://cognito-idp.');
    expect(JSON.stringify(env[ENV.consoleClientId])).toEqual(resolve(stack.editors.client.userPoolClientId));
  });

  it("names the stack's own planner, schedule group and role (Send now and Schedule would reach nothing, or another stack's, otherwise)", () => {
    expect(JSON.stringify(env[ENV.digestPlannerArn])).toContain(stack.getLogicalId(stack.scheduling.planner.fn.node.defaultChild as never));
    expect(JSON.stringify(env[ENV.issueScheduleGroup])).toContain(
      stack.getLogicalId(stack.scheduling.issueScheduleGroup.node.defaultChild as never),
    );
    expect(JSON.stringify(env[ENV.issueScheduleRoleArn])).toContain(
      stack.getLogicalId(stack.scheduling.issueScheduleRole.node.defaultChild as never),
    );
    expect(JSON.stringify(env[ENV.subscribersTable])).toEqual(resolve(stack.storage.subscribers.tableName));
  });

  it('seals sessions with the secret from Secrets Manager, never a key in the environment', () => {
    expect(JSON.stringify(env[ENV.consoleSessionSecretArn])).toEqual(resolve(stack.console.sessionSecret.secretArn));
    expect(env[ENV.consoleSessionKey]).toBeUndefined();
  });
});
