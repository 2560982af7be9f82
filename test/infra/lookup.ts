/** Reading a synthesized template: its outputs, and a resource's logical id. */
import type { Template } from 'aws-cdk-lib/assertions';

/** The outputs' values by key. */
export function outputs(t: Template): Record<string, unknown> {
  return Object.fromEntries(Object.entries(t.toJSON().Outputs as Record<string, { Value: unknown }>).map(([k, v]) => [k, v.Value]));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function idOf(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}
