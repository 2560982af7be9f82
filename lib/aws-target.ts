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
  /**
   * Outputs a stack deployed before they existed lacks: each is undefined then, and what
   * needs it (`doctor`, `smoke`) says "unknown: redeploy" instead of failing the whole command.
   */
  optional: Partial<Record<OptionalOutput, string>>;
}

/** Optional outputs, by the name the CLI uses → the stack's output key. */
const OPTIONAL = {
  publicBaseUrl: 'PublicBaseUrl',
  senderEmail: 'SenderEmail',
  senderName: 'SenderName',
  senderDomain: 'SenderDomain',
  mailFromDomain: 'MailFromDomain',
  configurationSetName: 'ConfigurationSetName',
  alarmTopicArn: 'AlarmTopicArn',
  digestSchedule: 'DigestSchedule',
  digestTimeZone: 'DigestTimeZone',
  dashboardName: 'DashboardName',
  /** The token signing keys' secret (Secrets Manager takes its name as well as its ARN), so `smoke` signs its links as the sender does. */
  tokenSecretName: 'TokenSecretName',
  /** The address key's secret: erasure markers and the sign-up limits are keyed digests made with it (`subscribers erase|add|import`). */
  addressKeySecretName: 'AddressKeySecretName',
  /** The footer's identity and the Reply-To, so `send-test` and `preview` compose the message readers get. */
  organisationName: 'OrganisationName',
  postalAddress: 'PostalAddress',
  replyToEmail: 'ReplyToEmail',
  /** Issues' one-time schedules (`sendAt`): their group, what they invoke, the role and the dead-letter queue. */
  issueScheduleGroup: 'IssueScheduleGroup',
  issueScheduleRoleArn: 'IssueScheduleRoleArn',
  digestPlannerArn: 'DigestPlannerArn',
  issueScheduleDeadLetterArn: 'IssueScheduleDeadLetterArn',
  /** The editors' user pool (`editors invite|list|remove`), and where editors sign in. */
  editorsUserPoolId: 'EditorsUserPoolId',
  editorsSignInUrl: 'EditorsSignInUrl',
} as const;

export type OptionalOutput = keyof typeof OPTIONAL;

/** The output key of an optional output, for messages such as "the stack has no SenderEmail output". */
export function outputKey(name: OptionalOutput): string {
  return OPTIONAL[name];
}

const REQUIRED: Record<Exclude<keyof StackOutputs, 'optional'>, string> = {
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
    const result: Partial<StackOutputs> = { optional: {} };
    for (const [key, name] of Object.entries(REQUIRED) as [Exclude<keyof StackOutputs, 'optional'>, string][]) {
      const value = outputs.get(name);
      if (!value) throw new Error(`stack ${stackName} has no output ${name}: deploy it with \`npx cdk deploy\` first`);
      result[key] = value;
    }
    for (const [key, name] of Object.entries(OPTIONAL) as [OptionalOutput, string][]) {
      const value = outputs.get(name);
      if (value) result.optional![key] = value;
    }
    return result as StackOutputs;
  } finally {
    cfn.destroy();
  }
}
