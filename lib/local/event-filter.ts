/**
 * The subset of Lambda event filtering (EventBridge pattern syntax) that the local mode needs
 * to apply the very filter criteria the deployed event sources use: nested objects, lists of
 * exact values, `anything-but`, `exists` and `prefix`. A record passes when it matches any one
 * of the patterns. Anything else in a pattern is refused loudly rather than guessed.
 */
type Pattern = Record<string, unknown>;

export function matchesAny(record: unknown, patterns: readonly Pattern[]): boolean {
  return patterns.some((p) => matches(record, p));
}

export function matches(value: unknown, pattern: Pattern): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const field = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) return rule.some((r) => matchesRule(field, r));
    if (rule && typeof rule === 'object') return matches(field, rule as Pattern);
    throw new Error(`event filter: unsupported rule for ${key}: ${JSON.stringify(rule)}`);
  });
}

function matchesRule(field: unknown, rule: unknown): boolean {
  if (rule === null || typeof rule !== 'object') return field === rule;
  const [op, arg] = Object.entries(rule as Record<string, unknown>)[0] ?? [];
  switch (op) {
    case 'exists':
      return (field !== undefined) === arg;
    case 'anything-but':
      return field !== undefined && !(Array.isArray(arg) ? arg : [arg]).includes(field);
    case 'prefix':
      return typeof field === 'string' && typeof arg === 'string' && field.startsWith(arg);
    default:
      throw new Error(`event filter: unsupported operator ${JSON.stringify(op)}`);
  }
}
