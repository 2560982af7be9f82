/**
 * Reads a synthesized template as CloudFormation orders it. CloudFormation creates a resource
 * after the ones it names by `Ref`, `Fn::GetAtt` or `Fn::Sub`, or lists in `DependsOn`. A
 * resource that names another by a plain string (a route key in a stage's RouteSettings, a
 * stage name in an API mapping, a fixed secret or table name written out in full) gives it no
 * such hint: CloudFormation may create the two in either order, and the deploy fails when the
 * named one is not there yet. `unorderedReferences` finds every such pair that nothing orders.
 */

type Json = unknown;

/** A resource as it appears in the template. */
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly DependsOn?: string | string[];
}

/** The template's `Resources` (what `Template.toJSON()` returns has it at the top). */
export interface TemplateJson {
  readonly Resources?: Record<string, TemplateResource>;
}

/**
 * The property by which other resources may name a resource of each type. A scoped name is
 * unique only within its parent (a route key within its API), so it counts only for
 * resources that have the same value in the scope property. `referrers`, when given, limits
 * which resource types can mean the resource by that string: a custom domain's name is also
 * the name on its certificate and the host in URLs handed to functions, and neither of those
 * needs the API Gateway domain to exist first (ordering them after it would even be a cycle:
 * the API's own function carries its public URL).
 */
export const NAME_PROPERTIES: Readonly<Record<string, { property: string; scope?: string; referrers?: RegExp }>> = {
  'AWS::ApiGatewayV2::Route': { property: 'RouteKey', scope: 'ApiId' },
  'AWS::ApiGatewayV2::Stage': { property: 'StageName', scope: 'ApiId' },
  'AWS::ApiGatewayV2::DomainName': { property: 'DomainName', referrers: /^AWS::ApiGatewayV2::/ },
  'AWS::SES::ConfigurationSet': { property: 'Name' },
  'AWS::SES::EmailIdentity': { property: 'EmailIdentity' },
  'AWS::SecretsManager::Secret': { property: 'Name' },
  'AWS::Logs::LogGroup': { property: 'LogGroupName' },
  'AWS::SQS::Queue': { property: 'QueueName' },
  'AWS::SNS::Topic': { property: 'TopicName' },
  'AWS::DynamoDB::Table': { property: 'TableName' },
  'AWS::Lambda::Function': { property: 'FunctionName' },
  'AWS::IAM::Role': { property: 'RoleName' },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName' },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName' },
  'AWS::Scheduler::ScheduleGroup': { property: 'Name' },
  'AWS::KMS::Alias': { property: 'AliasName' },
};

/** A resource naming another by a plain string, with nothing that makes CloudFormation create the named one first. */
export interface UnorderedReference {
  /** Logical id of the resource that names the other. */
  readonly from: string;
  /** Logical id of the resource it names. */
  readonly to: string;
  /** Where in `from`'s properties the name is (`RouteSettings.POST /subscribe`). */
  readonly at: string;
  /** The name. */
  readonly name: string;
}

/** Logical ids `value` refers to through Ref, Fn::GetAtt or Fn::Sub (CloudFormation orders by these). */
function intrinsicTargets(value: Json, ids: Set<string>, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) intrinsicTargets(v, ids, out);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, Json>)) {
      if (key === 'Ref' && typeof v === 'string' && ids.has(v)) out.add(v);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string' && ids.has(target)) out.add(target);
        intrinsicTargets(v, ids, out);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([^}!.]+)(?:\.[^}]*)?\}/g)) if (ids.has(m[1])) out.add(m[1]);
        }
        intrinsicTargets(v, ids, out);
      } else intrinsicTargets(v, ids, out);
    }
  }
  return out;
}

/** Every string in `value` (values and object keys), with its path. */
function* strings(value: Json, path: string): Generator<{ text: string; at: string }> {
  if (typeof value === 'string') yield { text: value, at: path };
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, Json>)) {
      const at = path ? `${path}.${key}` : key;
      yield { text: key, at };
      yield* strings(v, at);
    }
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `text` names `name`: the whole string, or a segment of an ARN or path written out
 * in full (`...:secret:briefing/token-keys-??????`), but not a longer word that contains it.
 */
function names(text: string, name: string): boolean {
  if (text === name) return true;
  return new RegExp(`(^|[:/])${escape(name)}($|[:/]|-\\?{6})`).test(text);
}

/**
 * Every resource that names another by a plain string without a `DependsOn` on it, direct or
 * through a chain of `DependsOn` and intrinsic references.
 */
export function unorderedReferences(template: TemplateJson): UnorderedReference[] {
  const resources = template.Resources ?? {};
  const ids = new Set(Object.keys(resources));

  // What each resource is created after: its DependsOn and what it references.
  const after = new Map<string, Set<string>>();
  for (const [id, r] of Object.entries(resources)) {
    const set = intrinsicTargets(r.Properties ?? {}, ids);
    for (const d of [r.DependsOn ?? []].flat()) set.add(d);
    after.set(id, set);
  }
  const ordered = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      for (const next of after.get(id) ?? []) {
        if (next === to) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  };

  // Resources that carry a name as a plain string.
  const named: Array<{ id: string; name: string; scope?: string }> = [];
  for (const [id, r] of Object.entries(resources)) {
    const rule = NAME_PROPERTIES[r.Type];
    const name = rule && r.Properties?.[rule.property];
    if (typeof name !== 'string' || name === '') continue;
    named.push({ id, name, scope: rule.scope ? JSON.stringify(r.Properties?.[rule.scope]) : undefined });
  }

  const found: UnorderedReference[] = [];
  for (const [from, r] of Object.entries(resources)) {
    const own = NAME_PROPERTIES[r.Type]?.property;
    for (const [key, value] of Object.entries(r.Properties ?? {})) {
      // A resource's own name is not a reference to anything.
      if (key === own) continue;
      for (const { text, at } of strings(value, key)) {
        for (const target of named) {
          if (target.id === from || !names(text, target.name)) continue;
          const rule = NAME_PROPERTIES[resources[target.id].Type];
          if (rule.referrers && !rule.referrers.test(r.Type)) continue;
          const scopeRule = rule.scope;
          if (scopeRule && JSON.stringify(r.Properties?.[scopeRule]) !== target.scope) continue;
          if (!ordered(from, target.id)) found.push({ from, to: target.id, at, name: target.name });
        }
      }
    }
  }
  return found;
}
