/**
 * The deployed stack as a target for the command-line tool: table names and the send queue
 * come from the stack's outputs (CloudFormation DescribeStacks), credentials and region from
 * the SDK's usual chain (AWS_PROFILE, AWS_REGION, ...).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

export interface StackOutputs {
  subscribersTable: string;
  contentTable: string;
  deliveriesTable: string;
  sendQueueUrl: string;
  apiUrl: string;
}

const REQUIRED: Record<keyof StackOutputs, string> = {
  subscribersTable: 'SubscribersTable',
  contentTable: 'ContentTable',
  deliveriesTable: 'DeliveriesTable',
  sendQueueUrl: 'SendQueueUrl',
  apiUrl: 'ApiUrl',
};

export async function stackOutputs(stackName: string): Promise<StackOutputs> {
  const cfn = new CloudFormationClient({});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = new Map((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const result: Partial<StackOutputs> = {};
    for (const [key, name] of Object.entries(REQUIRED) as [keyof StackOutputs, string][]) {
      const value = outputs.get(name);
      if (!value) throw new Error(`stack ${stackName} has no output ${name}: deploy it with \`npx cdk deploy\` first`);
      result[key] = value;
    }
    return result as StackOutputs;
  } finally {
    cfn.destroy();
  }
}
