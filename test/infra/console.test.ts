/**
 * The editor's console (lib/constructs/console.ts) as CloudFormation will make it: its own
 * function and role, which may read its session key, the token keys, content, the campaign
 * figures and, for the Subscribers pages, readers by key and through Queries (no Scan anywhere),
 * and send test mail From the sender only; the /admin routes on the HTTP API pointing at it and
 * not at the public API's function, and the issuer and client it signs in with taken from the
 * user pool and the app client.
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

  it('may read the session key, the token keys, read and save content, read the figures, write the audit log and Resume, do the Subscribers pages, send tests, schedule and send issues; no Scan anywhere', () => {
    const own = grants.get('console') ?? new Map<string, Set<string>>();
    const resources = [...own.keys()].filter((r) => r !== 'logs/own' && r !== '*').sort();
    expect(resources).toEqual([
      'function/digest-planner',
      'role/issue-schedule',
      'schedules/issues',
      'secret/address-key',
      'secret/console-session',
      'secret/token-keys',
      'ses/configuration-set',
      'ses/identity',
      'ses/recipients',
      'table/content',
      'table/content/index/byKind',
      'table/deliveries',
      'table/deliveries/index/bySubscriber',
      'table/subscribers',
      'table/subscribers/index/alertAudience',
      'table/subscribers/index/byMailbox',
      'table/subscribers/index/bySubscriberId',
      'table/subscribers/index/digestAudience',
      'table/subscribers/index/readers',
    ]);
    expect([...own.get('secret/token-keys')!]).toEqual(['secretsmanager:GetSecretValue']);
    for (const ses of ['ses/configuration-set', 'ses/identity', 'ses/recipients']) expect([...own.get(ses)!]).toEqual(['ses:SendRawEmail']);
    expect([...own.get('secret/console-session')!]).toEqual(['secretsmanager:GetSecretValue']);
    expect([...own.get('secret/address-key')!]).toEqual(['secretsmanager:GetSecretValue']);
    // The audience is counted on its index (Select COUNT): no reader is read for it.
    expect([...own.get('table/subscribers/index/digestAudience')!]).toEqual(['dynamodb:Query']);
    // A breaking article's confirmation counts its alert audience on that index (readers' topics only).
    expect([...own.get('table/subscribers/index/alertAudience')!]).toEqual(['dynamodb:Query']);
    expect([...own.get('function/digest-planner')!]).toEqual(['lambda:InvokeFunction']);
    expect([...own.get('role/issue-schedule')!]).toEqual(['iam:PassRole']);
    expect([...own.get('schedules/issues')!].sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    // Content: read, save (conditional on the version) and drafts (written, then deleted when published or discarded).
    expect([...own.get('table/content')!].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect([...own.get('table/deliveries')!].sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // The Subscribers table by key only: no Scan (counts and search Query the readers index).
    expect([...own.get('table/subscribers')!].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    for (const index of ['readers', 'byMailbox', 'bySubscriberId'])
      expect([...own.get(`table/subscribers/index/${index}` as never)!]).toEqual(['dynamodb:Query']);
    const all = [...own.values()].flatMap((a) => [...a]);
    expect(all.filter((a) => /Scan|\*/.test(a))).toEqual([]);
    // Deleting: erase's (the reader's items by key, their ledger entries in batches) and drafts' (Content, `draft#…`).
    const deleting = [...own.entries()].filter(([, a]) => [...a].some((x) => /DeleteItem|BatchWriteItem/.test(x))).map(([r]) => r);
    expect(deleting.sort()).toEqual(['table/content', 'table/deliveries', 'table/subscribers']);
  });

  it('is given the Subscribers table and the address key (erase and import need the keyed digest)', () => {
    const vars = (
      t.findResources('AWS::Lambda::Function')[consoleFnId].Properties as { Environment: { Variables: Record<string, unknown> } }
    ).Environment.Variables;
    expect(JSON.stringify(vars[ENV.subscribersTable])).toEqual(resolve(stack.storage.subscribers.tableName));
    expect(vars[ENV.addressKeySecretArn]).toBeDefined();
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

  it("composes test messages with the sender's own From, link base and keys (a preview with other settings would not be the message readers get)", () => {
    const sender = (
      t.findResources('AWS::Lambda::Function')[stack.getLogicalId(stack.sending.sender.fn.node.defaultChild as never)].Properties as {
        Environment: { Variables: Record<string, unknown> };
      }
    ).Environment.Variables;
    for (const name of [ENV.senderEmail, ENV.senderName, ENV.organisationName, ENV.postalAddress, ENV.publicBaseUrl, ENV.clickTracking]) {
      expect(env[name]).toBeDefined();
      expect(env[name]).toEqual(sender[name]);
    }
    expect(JSON.stringify(env[ENV.configurationSet])).toEqual(JSON.stringify(sender[ENV.configurationSet]));
    expect(JSON.stringify(env[ENV.tokenSecretArn])).toEqual(resolve(stack.sending.tokenSecret.secretArn));
    expect(env[ENV.tokenKeys]).toBeUndefined();
  });

  it("signs out at the login domain's /logout, and no variable carries unresolved token text (a ${Token[…]} in a URL reaches the browser as written)", () => {
    for (const [name, value] of Object.entries(env)) expect(`${name}=${JSON.stringify(value)}`).not.toContain('${Token[');
    const logout = JSON.stringify(env[ENV.consoleLogoutUrl]);
    expect(logout).toContain('/logout');
    expect(logout).not.toContain('logout_uri');
  });

  it("shows the digest's schedule and delivery mode as the planner runs them (a settings page naming another mode would mislead)", () => {
    const planner = (
      t.findResources('AWS::Lambda::Function')[stack.getLogicalId(stack.scheduling.planner.fn.node.defaultChild as never)].Properties as {
        Environment: { Variables: Record<string, unknown> };
      }
    ).Environment.Variables;
    expect(env[ENV.digestDelivery]).toBeDefined();
    expect(env[ENV.digestDelivery]).toEqual(planner[ENV.digestDelivery]);
    expect(env[ENV.digestScheduleCron]).toBeDefined();
  });

  it("sends only From the sender's address: each of its role's SendRawEmail statements is conditioned on the sender's ses:FromAddress", () => {
    const role = JSON.stringify((template.Resources[consoleFnId].Properties as { Role: unknown }).Role).match(
      /"Fn::GetAtt":\["([^"]+)"/,
    )![1];
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p.Properties as { Roles: unknown }).Roles).includes(`"${role}"`))
      .flatMap(
        (p) => (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Condition?: unknown }[] } }).PolicyDocument.Statement,
      )
      .filter((st) => JSON.stringify(st.Action).includes('ses:SendRawEmail'));
    expect(statements.length).toBeGreaterThan(0);
    const sender = (env[ENV.senderEmail] as string) ?? '';
    expect(sender).toMatch(/@/);
    for (const st of statements) expect(st.Condition).toEqual({ StringEquals: { 'ses:FromAddress': sender } });
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
