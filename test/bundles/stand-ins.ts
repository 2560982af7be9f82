/**
 * The template's environment of a function, with every CloudFormation intrinsic (Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub) replaced by a local stand-in for what it names, made from the resource's
 * own properties: a table in DynamoDB Local with the template's keys, indexes, stream and TTL; a
 * queue or a secret (its value generated as GenerateSecretString describes) in the AWS stand-in;
 * names and ARNs for what is only passed on. A reference this file has no rule for fails, naming
 * the function, the variable and what it refers to: a new kind of resource in an environment
 * needs a stand-in here before the bundle test passes.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BundledFunction, CfnResource } from './assembly';
import { ACCOUNT, REGION, type AwsStandIn } from './aws-stand-in';

export interface LocalServices {
  aws: AwsStandIn;
  dynamo: DynamoDBClient;
  /** The stand-in of the HTTP API's endpoint: the base of the links in mail. */
  apiUrl: string;
}

/** Thrown for intrinsics without a stand-in; the message names each. */
export class UnmappedReference extends Error {
  name = 'UnmappedReference';
}

type Rule = (logicalId: string, resource: CfnResource) => Promise<string> | string;

export class StandIns {
  private readonly made = new Map<string, Promise<string>>();
  private readonly prefix = `bundle-${randomBytes(3).toString('hex')}-`;
  private readonly tableNames: string[] = [];

  /** `Ref` of a resource, by its type. */
  private readonly refs: Record<string, Rule> = {
    'AWS::DynamoDB::Table': (id, r) => this.createTable(id, r),
    'AWS::SQS::Queue': (id) => this.local.aws.createQueue(this.prefix + id).url,
    'AWS::SecretsManager::Secret': (id, r) => this.local.aws.createSecret(this.prefix + id, secretValue(id, r)),
    // Passed on by name only: the SES emulator takes any configuration set, a schedule group is
    // used only when an issue has a one-time schedule (the AWS stand-in would refuse the call).
    'AWS::SES::ConfigurationSet': (id) => this.prefix + id,
    'AWS::Scheduler::ScheduleGroup': (id) => this.prefix + id,
    // The console's issuer, client and sign-out address name these; its sign-in reaches Cognito
    // only when an editor signs in, which no event here does.
    'AWS::Cognito::UserPool': (id) => `${REGION}_${id.slice(0, 9)}`,
    'AWS::Cognito::UserPoolClient': (id) => this.prefix + id,
    'AWS::Cognito::UserPoolDomain': (id) => this.prefix + id.toLowerCase(),
  };

  /** `Fn::GetAtt` of a resource, by `<type>.<attribute>`. */
  private readonly attributes: Record<string, Rule> = {
    'AWS::SQS::Queue.Arn': async (id, r) => this.local.aws.queueArn(await this.resolveRef(id, r)),
    'AWS::IAM::Role.Arn': (id) => `arn:aws:iam::${ACCOUNT}:role/${this.prefix}${id}`,
    // The console's Send now invokes it; only an owner's confirmed send does, which no event here is.
    'AWS::Lambda::Function.Arn': (id) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.prefix}${id}`,
    'AWS::ApiGatewayV2::Api.ApiEndpoint': () => this.local.apiUrl,
  };

  private readonly pseudo: Record<string, string> = {
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Briefing',
  };

  constructor(
    private readonly resources: Record<string, CfnResource>,
    private readonly local: LocalServices,
  ) {}

  /** The tables made in DynamoDB Local so far. */
  tables(): string[] {
    return [...this.tableNames];
  }

  /**
   * The function's environment as Lambda would set it, each intrinsic replaced by its stand-in.
   * @throws UnmappedReference naming every variable that refers to something without one.
   */
  async environment(fn: BundledFunction): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const problems: string[] = [];
    for (const [name, value] of Object.entries(fn.environment)) {
      try {
        out[name] = await this.resolve(value);
      } catch (error) {
        if (!(error instanceof UnmappedReference)) throw error;
        problems.push(`${name} = ${JSON.stringify(value)}: ${error.message}`);
      }
    }
    if (problems.length)
      throw new UnmappedReference(
        `${fn.name} (${fn.logicalId}): no local stand-in for\n  ${problems.join('\n  ')}\n(add one in test/bundles/stand-ins.ts)`,
      );
    return out;
  }

  private async resolve(value: unknown): Promise<string> {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value && typeof value === 'object' && Object.keys(value).length === 1) {
      const [fn, arg] = Object.entries(value as Record<string, unknown>)[0];
      if (fn === 'Ref' && typeof arg === 'string') return this.ref(arg);
      if (fn === 'Fn::GetAtt' && Array.isArray(arg)) return this.getAtt(String(arg[0]), String(arg[1]));
      if (fn === 'Fn::Join' && Array.isArray(arg)) {
        const [separator, parts] = arg as [string, unknown[]];
        return (await Promise.all(parts.map((p) => this.resolve(p)))).join(separator);
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string') return this.sub(arg);
    }
    throw new UnmappedReference(`${JSON.stringify(value)} is no intrinsic this test knows`);
  }

  private ref(id: string): Promise<string> {
    if (id in this.pseudo) return Promise.resolve(this.pseudo[id]);
    const resource = this.resources[id];
    if (!resource) throw new UnmappedReference(`no resource ${id} in the template`);
    return this.resolveRef(id, resource);
  }

  private resolveRef(id: string, resource: CfnResource): Promise<string> {
    const rule = this.refs[resource.Type];
    if (!rule) throw new UnmappedReference(`Ref of ${resource.Type} ${id}`);
    return this.once(`Ref ${id}`, () => rule(id, resource));
  }

  private getAtt(id: string, attribute: string): Promise<string> {
    const resource = this.resources[id];
    if (!resource) throw new UnmappedReference(`no resource ${id} in the template`);
    const rule = this.attributes[`${resource.Type}.${attribute}`];
    if (!rule) throw new UnmappedReference(`Fn::GetAtt ${attribute} of ${resource.Type} ${id}`);
    return this.once(`GetAtt ${id}.${attribute}`, () => rule(id, resource));
  }

  private async sub(text: string): Promise<string> {
    let out = '';
    let last = 0;
    for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
      const [name, attribute] = m[1].split('.');
      out += text.slice(last, m.index) + (attribute ? await this.getAtt(name, attribute) : await this.ref(name));
      last = m.index + m[0].length;
    }
    return out + text.slice(last);
  }

  private once(key: string, make: () => Promise<string> | string): Promise<string> {
    let value = this.made.get(key);
    if (!value) {
      value = Promise.resolve().then(make);
      this.made.set(key, value);
    }
    return value;
  }

  /** A table in DynamoDB Local as the template describes it (on demand; keys, indexes, stream, TTL). */
  private async createTable(id: string, resource: CfnResource): Promise<string> {
    const p = (resource.Properties ?? {}) as Record<string, never>;
    const name = this.prefix + id;
    const indexes = (p.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: unknown; Projection: unknown }[];
    const input = {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      GlobalSecondaryIndexes: indexes.length
        ? indexes.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }))
        : undefined,
      StreamSpecification: p.StreamSpecification
        ? { StreamEnabled: true, StreamViewType: (p.StreamSpecification as { StreamViewType: string }).StreamViewType }
        : undefined,
    } as CreateTableCommandInput;
    await this.local.dynamo.send(new CreateTableCommand(input));
    this.tableNames.push(name);
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    if (ttl?.Enabled)
      await this.local.dynamo.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
      );
    return name;
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The value CloudFormation would give the secret: its SecretString, or what GenerateSecretString makes. */
function secretValue(id: string, resource: CfnResource): string {
  const p = resource.Properties ?? {};
  if (typeof p.SecretString === 'string') return p.SecretString;
  const g = p.GenerateSecretString as
    { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number; ExcludePunctuation?: boolean } | undefined;
  if (!g) throw new UnmappedReference(`secret ${id} has neither SecretString nor GenerateSecretString`);
  const alphabet = g.ExcludePunctuation ? ALPHANUMERIC : `${ALPHANUMERIC}!#$%&()*+,-.:;<=>?@[]^_{|}~`;
  const password = Array.from({ length: g.PasswordLength ?? 32 }, () => alphabet[randomInt(alphabet.length)]).join('');
  if (g.SecretStringTemplate && g.GenerateStringKey)
    return JSON.stringify({ ...(JSON.parse(g.SecretStringTemplate) as object), [g.GenerateStringKey]: password });
  return password;
}
