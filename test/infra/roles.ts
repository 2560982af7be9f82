/**
 * The checks of test/infra/roles.test.ts, as plain functions so a test can also show them
 * failing on a template or a table changed on purpose.
 *
 *   stackFacts(stack)                   whose each role is, and the name of each resource ARN
 *   checkPermissions(template, facts)   every action of every role and managed policy, against the table
 *   grantsOf(template, facts)           principal → resource → actions, as granted
 *   codeEvidence(entry)                 the SDK calls in a function's bundle (esbuild, tree-shaken)
 *   callsWithoutCode(calls, evidence)   table actions that no call in the bundle needs
 *
 * Resources are named independently of the grants: from the stack's own tables, queues, identity
 * and roles, so a grant on the wrong ARN shows up under the wrong name (or none).
 */
import * as path from 'node:path';
import { ArnFormat, type CfnElement } from 'aws-cdk-lib';
import * as esbuild from 'esbuild';
import type { BriefingStack } from '../../lib/briefing-stack';
import { BriefingFunction, principalOf, REPO_ROOT } from '../../lib/constructs/briefing-function';
import {
  actionsOn,
  conditionKeysOn,
  handlerEntry,
  FUNCTION_PERMISSIONS,
  type Grants,
  type PrincipalName,
  type ResourceName,
} from '../../lib/constructs/function-permissions';
import { TABLE_KEYS, TABLES } from '../../lambdas/core/table-schema';

/** The parts of a CloudFormation template these checks read. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** What the checks need to know about a stack, beyond its template. */
export interface StackFacts {
  /** Logical id of each role or managed policy the table describes → its name there. */
  principals: Record<string, PrincipalName>;
  /** A resource as the template writes it (JSON) → its name in the table. */
  resources: Record<string, ResourceName>;
  /** Each function's own log group (JSON of its ARN) → the function. */
  logGroups: Record<string, PrincipalName>;
}

export function stackFacts(stack: BriefingStack): StackFacts {
  const json = (token: string) => JSON.stringify(stack.resolve(token));
  const principals: Record<string, PrincipalName> = {};
  const logGroups: Record<string, PrincipalName> = {};
  for (const c of stack.node.findAll()) {
    const name = principalOf(c);
    if (name) principals[stack.getLogicalId(c.node.defaultChild as CfnElement)] = name;
    if (c instanceof BriefingFunction) logGroups[json(c.logGroup.logGroupArn)] = c.name;
  }
  const named: [ResourceName, string][] = [];
  for (const key of TABLE_KEYS) {
    const table = stack.storage[key];
    named.push([`table/${key}`, table.tableArn]);
    for (const index of TABLES[key].indexes)
      named.push([`table/${key}/index/${index.name}` as ResourceName, `${table.tableArn}/index/${index.name}`]);
    if (table.tableStreamArn) named.push([`table/${key}/stream`, table.tableStreamArn]);
  }
  const { sending, scheduling } = stack;
  named.push(
    ['queue/send', sending.queue.queueArn],
    ['queue/plan-continuation', scheduling.continuationQueue.queueArn],
    ['queue/planner-failures', scheduling.failureDeadLetterQueue.queueArn],
    ['queue/ses-events-failures', stack.sesEvents.failureQueue.queueArn],
    ['queue/alert-failures', stack.alerts.deadLetterQueue.queueArn],
    ['queue/schedule-dead-letter', scheduling.deadLetterQueue.queueArn],
    ['ses/identity', sending.identity.emailIdentityArn],
    [
      'ses/configuration-set',
      stack.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: sending.configurationSet.configurationSetName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    ],
    [
      'ses/recipients',
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    ],
    // A created secret by its ARN; one imported by name by the name and Secrets Manager's six-character suffix.
    ['secret/token-keys', sending.tokenSecret.secretArn],
    ['secret/token-keys', `${sending.tokenSecret.secretArn}-??????`],
    ['secret/address-key', stack.addressKey.secret.secretArn],
    ['secret/address-key', `${stack.addressKey.secret.secretArn}-??????`],
    ['secret/console-session', stack.console.sessionSecret.secretArn],
    ['queue/signups', stack.signups.queue.queueArn],
    [
      'schedules/issues',
      stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${scheduling.issueScheduleGroupName}/*` }),
    ],
    ['role/issue-schedule', scheduling.issueScheduleRole.roleArn],
    ['function/digest-planner', scheduling.planner.fn.functionArn],
  );
  const resources: Record<string, ResourceName> = { '"*"': '*' };
  for (const [name, token] of named) resources[json(token)] = name;
  return { principals, resources, logGroups };
}

/** The table's name of `resource` as `principal` sees it (its own log group is `logs/own`). */
function resourceName(facts: StackFacts, principal: PrincipalName, resource: unknown): string | undefined {
  const key = JSON.stringify(resource);
  const owner = facts.logGroups[key];
  if (owner) return owner === principal ? 'logs/own' : `logs of ${owner}`;
  return facts.resources[key];
}

/** The statements in force for each role and managed policy (by logical id), and what cannot be read. */
function statementsByPrincipal(template: CfnTemplate): { statements: Map<string, Statement[]>; problems: string[] } {
  const R = template.Resources;
  const statements = new Map<string, Statement[]>();
  const problems: string[] = [];
  const add = (id: string, list: Statement[]) => statements.set(id, [...(statements.get(id) ?? []), ...list]);
  const documentOf = (props: Record<string, unknown> | undefined) =>
    (props?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [];
  const refs = (list: unknown) => ((list as unknown[] | undefined) ?? []).map((r) => (r as { Ref?: string }).Ref);
  for (const [id, r] of Object.entries(R)) {
    if (r.Type === 'AWS::IAM::Role') {
      add(id, []);
      for (const inline of (r.Properties?.Policies as Record<string, unknown>[] | undefined) ?? []) add(id, documentOf(inline));
      for (const arn of (r.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? []) {
        const ref = (arn as { Ref?: string }).Ref;
        if (ref && R[ref]?.Type === 'AWS::IAM::ManagedPolicy') add(id, documentOf(R[ref].Properties));
        else problems.push(`role ${id}: managed policy ${JSON.stringify(arn)} is not in the permissions table`);
      }
    } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      if (r.Type === 'AWS::IAM::ManagedPolicy') add(id, documentOf(r.Properties));
      for (const role of refs(r.Properties?.Roles)) {
        if (role) add(role, documentOf(r.Properties));
        else problems.push(`${r.Type} ${id}: attached to a role outside the stack`);
      }
      if (r.Properties?.Users || r.Properties?.Groups)
        problems.push(`${r.Type} ${id}: attached to users or groups, which the permissions table does not describe`);
    }
  }
  return { statements, problems };
}

/**
 * Every action of every role and managed policy of the template, checked against the permissions
 * table: one line per action the table does not list for that principal on that resource, per
 * missing condition key, and per role or policy the table does not describe. Empty when all is well.
 */
export function checkPermissions(template: CfnTemplate, facts: StackFacts): string[] {
  const { statements, problems } = statementsByPrincipal(template);
  for (const [id, list] of statements) {
    const name = facts.principals[id];
    if (!name) {
      const r = template.Resources[id];
      problems.push(
        `${r.Type} ${id} (${(r.Properties?.Description as string | undefined) ?? 'no description'}) is not in the permissions table (lib/constructs/function-permissions.ts)`,
      );
      continue;
    }
    for (const s of list) {
      if (s.Effect !== 'Allow') continue;
      if (s.NotAction !== undefined || s.NotResource !== undefined) {
        problems.push(`${name}: a statement with NotAction or NotResource, which the permissions table cannot describe`);
        continue;
      }
      const keys = new Set(Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block)));
      for (const action of [s.Action ?? []].flat()) {
        for (const resource of [s.Resource ?? []].flat()) {
          const rn = resourceName(facts, name, resource);
          const label = rn ?? JSON.stringify(resource);
          if (!rn || !(action in actionsOn(name, rn as ResourceName))) {
            problems.push(`${name}: ${action} on ${label} is not in the permissions table`);
            continue;
          }
          for (const key of conditionKeysOn(name, rn as ResourceName)) {
            if (!keys.has(key)) problems.push(`${name}: ${action} on ${rn} lacks the condition key ${key}`);
          }
        }
      }
    }
  }
  return problems;
}

/** principal → resource name → the actions granted on it (Allow statements). */
export function grantsOf(template: CfnTemplate, facts: StackFacts): Map<PrincipalName, Map<string, Set<string>>> {
  const out = new Map<PrincipalName, Map<string, Set<string>>>();
  for (const [id, list] of statementsByPrincipal(template).statements) {
    const name = facts.principals[id];
    if (!name) continue;
    const byResource = out.get(name) ?? new Map<string, Set<string>>();
    for (const s of list.filter((x) => x.Effect === 'Allow')) {
      for (const resource of [s.Resource ?? []].flat()) {
        const rn = resourceName(facts, name, resource) ?? JSON.stringify(resource);
        const actions = byResource.get(rn) ?? new Set<string>();
        for (const action of [s.Action ?? []].flat()) actions.add(action);
        byResource.set(rn, actions);
      }
    }
    out.set(name, byResource);
  }
  return out;
}

/**
 * What a function's bundle calls: SDK command constructors, transaction item kinds, a Powertools
 * secret read (getSecret or the shared SecretsProvider).
 */
export interface CodeEvidence {
  commands: Set<string>;
  transactItems: Set<string>;
  getSecret: boolean;
}

/** lambdas/core/render reads the compiled templates (a build product): not needed to find calls. */
const compiledTemplatesExternal: esbuild.Plugin = {
  name: 'compiled-templates-external',
  setup: (build) => build.onResolve({ filter: /templates\/compiled\// }, (args) => ({ path: args.path, external: true })),
};

/**
 * Bundle `entry` (relative to the repository root) as Lambda would run it, the project's code only
 * (packages stay external), tree-shaken and not minified, and read the calls in the result: code
 * no path from the entry keeps (e.g. the CLI-only backfill's Scan) is not in it.
 */
export async function codeEvidence(entry: string): Promise<CodeEvidence> {
  const result = await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    plugins: [compiledTemplatesExternal],
  });
  const code = result.outputFiles.map((f) => f.text).join('\n');
  const commands = new Set([...code.matchAll(/new\s+(\w+Command)\s*\(/g)].map((m) => m[1]));
  const transactItems = new Set(
    commands.has('TransactWriteCommand') ? [...code.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:/g)].map((m) => m[1]) : [],
  );
  return { commands, transactItems, getSecret: /\b(?:getSecret|secretsProvider)\s*\(/.test(code) };
}

const command =
  (...names: string[]) =>
  (e: CodeEvidence) =>
    names.some((n) => e.commands.has(n));
const transactItem = (kind: string) => (e: CodeEvidence) => e.commands.has('TransactWriteCommand') && e.transactItems.has(kind);

/** For each IAM action a function's code may call: the code that would call it. */
export const CALL_EVIDENCE: Record<string, (e: CodeEvidence) => boolean> = {
  'dynamodb:GetItem': command('GetCommand', 'TransactGetCommand'),
  'dynamodb:PutItem': (e) => command('PutCommand')(e) || transactItem('Put')(e),
  'dynamodb:UpdateItem': (e) => command('UpdateCommand')(e) || transactItem('Update')(e),
  'dynamodb:DeleteItem': (e) => command('DeleteCommand')(e) || transactItem('Delete')(e),
  'dynamodb:ConditionCheckItem': transactItem('ConditionCheck'),
  'dynamodb:Query': command('QueryCommand'),
  'dynamodb:Scan': command('ScanCommand'),
  'dynamodb:BatchGetItem': command('BatchGetCommand'),
  'dynamodb:BatchWriteItem': command('BatchWriteCommand'),
  'ses:SendRawEmail': command('SendRawEmailCommand'),
  'ses:GetSendQuota': command('GetSendQuotaCommand'),
  // SendMessageBatch is authorised as SendMessage.
  'sqs:SendMessage': command('SendMessageCommand', 'SendMessageBatchCommand'),
  'scheduler:CreateSchedule': command('CreateScheduleCommand'),
  'scheduler:UpdateSchedule': command('UpdateScheduleCommand'),
  'scheduler:DeleteSchedule': command('DeleteScheduleCommand'),
  'scheduler:GetSchedule': command('GetScheduleCommand'),
  // Passing the role is part of making or moving a schedule that names it.
  'iam:PassRole': command('CreateScheduleCommand', 'UpdateScheduleCommand'),
  'lambda:InvokeFunction': command('InvokeCommand'),
  'secretsmanager:GetSecretValue': (e) => e.getSecret || command('GetSecretValueCommand')(e),
};

/** The table's `calls` with no call in the code: one line each (empty when every one is called). */
export function callsWithoutCode(calls: Grants, evidence: CodeEvidence): string[] {
  const problems: string[] = [];
  for (const [resource, actions] of Object.entries(calls)) {
    for (const action of Object.keys(actions ?? {})) {
      const found = CALL_EVIDENCE[action];
      if (!found) problems.push(`${action} on ${resource}: no rule in CALL_EVIDENCE says which call needs it`);
      else if (!found(evidence)) problems.push(`${action} on ${resource}: no call in the code needs it`);
    }
  }
  return problems;
}

/** The code each principal's `calls` come from: a function's handler; the CLI for the publisher policy. */
export const CODE_ENTRIES: Partial<Record<PrincipalName, string>> = {
  ...Object.fromEntries(Object.keys(FUNCTION_PERMISSIONS).map((name) => [name, handlerEntry(name as keyof typeof FUNCTION_PERMISSIONS)])),
  'issue-publisher': 'bin/cli.ts',
};
