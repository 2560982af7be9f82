/**
 * The synthesized stack as the Subscribers index tests read it (mailbox-index, readers-index): the
 * table's GSIs and who is granted what on them.
 */
import { expect } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import type { PrincipalName } from '../../lib/constructs/function-permissions';
import { grantsOf, stackFacts, type CfnTemplate } from './roles';
import { build } from './synth';

export interface IndexFacts {
  /** The actions `name` is granted on `resource` (`table/subscribers/index/<name>`), sorted. */
  on: (name: PrincipalName, resource: string) => string[];
  /** The Subscribers table's global secondary indexes. */
  subscribersIndexes: () => { IndexName: string; KeySchema: unknown; Projection: unknown }[];
}

export function indexFacts(): IndexFacts {
  const { stack } = build();
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const grants = grantsOf(template, stackFacts(stack));
  return {
    on: (name, resource) => [...(grants.get(name)?.get(resource) ?? [])].sort(),
    subscribersIndexes: () => {
      const tables = Object.entries(template.Resources).filter(
        ([id, r]) => r.Type === 'AWS::DynamoDB::Table' && /^StorageSubscribers[0-9A-F]{8}$/.test(id),
      );
      expect(tables).toHaveLength(1);
      return (tables[0][1].Properties as { GlobalSecondaryIndexes: ReturnType<IndexFacts['subscribersIndexes']> }).GlobalSecondaryIndexes;
    },
  };
}
