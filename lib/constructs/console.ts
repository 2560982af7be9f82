import { Aws, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/core/function-env';
import { DEFAULT_AUDIT_DAYS } from '../../lambdas/core/audit';
import { BriefingFunction } from './briefing-function';
import type { Editors } from './editors';
import type { ApiMailSettings } from './api';

/** Props of {@link Console}. */
export interface ConsoleProps {
  /** The HTTP API the console's routes are added to (the public routes and their function stay as they are). */
  readonly httpApi: apigwv2.HttpApi;
  /** The editors' user pool and the desk's app client (lib/constructs/editors.ts). */
  readonly editors: Editors;
  /** The base URL the console is reached at (its callback is `<base>/admin/callback`, one of the client's callback URLs). */
  readonly baseUrl: string;
  /** Issues and articles. */
  readonly contentTable: dynamodb.ITable;
  /** Campaign counters, the ledger's figures, the sending state, the audit log. */
  readonly deliveriesTable: dynamodb.ITable;
  /** Readers: the Subscribers pages (owners); the digest audience counted (Query Select COUNT on its index) before a send is confirmed. */
  readonly subscribersTable: dynamodb.ITable;
  /** The digest's schedule as deployed: Home says when it runs next. */
  readonly digestSchedule?: { cron: string; timeZone: string };
  /** The digest's delivery mode (and local hour), shown read-only on the settings page. */
  readonly digestDelivery?: { mode: string; localTime?: string };
  /** Days an audit log entry is kept. @default 400 */
  readonly auditRetentionDays?: number;
  /** Send now invokes it; an issue's schedule names it. */
  readonly digestPlanner: lambda.IFunction;
  /** Issues' one-time schedules: their group, the role they invoke the planner with, their dead-letter queue. */
  readonly issueSchedules: { group: scheduler.ScheduleGroup; role: iam.IRole; deadLetterArn: string };
}

/** The console's routes on the HTTP API: every method it answers, on /admin and below. */
export const CONSOLE_ROUTES: ReadonlyArray<{ method: apigwv2.HttpMethod; path: string }> = [
  { method: apigwv2.HttpMethod.GET, path: '/admin' },
  { method: apigwv2.HttpMethod.POST, path: '/admin' },
  { method: apigwv2.HttpMethod.GET, path: '/admin/{proxy+}' },
  { method: apigwv2.HttpMethod.POST, path: '/admin/{proxy+}' },
];

/**
 * The editor's console (lambdas/console/handler.ts): its own function and role, separate from the
 * public API's, serving /admin on the same HTTP API. It signs editors in against the user pool
 * (OpenID Connect, code + PKCE) and checks their ID token itself on every request; its session
 * cookies are sealed with a key kept in Secrets Manager, made by the stack.
 */
export class Console extends Construct {
  readonly handler: BriefingFunction;
  /** The key the session cookies are sealed with. */
  readonly sessionSecret: secretsmanager.Secret;
  readonly routes: apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const { editors } = props;
    const base = props.baseUrl.replace(/\/+$/, '');
    const groupDefault = props.issueSchedules.group.node.defaultChild as CfnResource & { ref: string };
    const groupName = groupDefault.ref;

    this.sessionSecret = new secretsmanager.Secret(this, 'SessionKey', {
      secretName: `${Stack.of(this).stackName}/console-session-key`,
      description: "Seals the editor's console session cookies. Replacing it signs every editor out, nothing more.",
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.sessionSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Sessions last 30 minutes; a new key only signs editors out. Rotation is a later step of the console.',
    });

    this.handler = new BriefingFunction(this, 'Handler', {
      name: 'console',
      description: "The editor's console under /admin: sign-in and the pages.",
      environment: {
        [ENV.consoleIssuer]: `https://cognito-idp.${Aws.REGION}.amazonaws.com/${editors.userPool.userPoolId}`,
        [ENV.consoleClientId]: editors.client.userPoolClientId,
        [ENV.consoleBaseUrl]: base,
        // The managed login's /logout ends its session; the function adds client_id and logout_uri
        // (Cognito's form, not the end-session form its discovery names).
        [ENV.consoleLogoutUrl]: `${editors.loginDomainUrl}/logout`,
        [ENV.consoleSessionSecretArn]: this.sessionSecret.secretArn,
        [ENV.contentTable]: props.contentTable.tableName,
        [ENV.deliveriesTable]: props.deliveriesTable.tableName,
        [ENV.subscribersTable]: props.subscribersTable.tableName,
        [ENV.auditRetentionDays]: String(props.auditRetentionDays ?? DEFAULT_AUDIT_DAYS),
        [ENV.digestPlannerArn]: props.digestPlanner.functionArn,
        [ENV.issueScheduleGroup]: groupName,
        [ENV.issueScheduleRoleArn]: props.issueSchedules.role.roleArn,
        [ENV.issueScheduleDeadLetterArn]: props.issueSchedules.deadLetterArn,
        ...(props.digestSchedule && {
          [ENV.digestScheduleCron]: props.digestSchedule.cron,
          [ENV.digestTimeZone]: props.digestSchedule.timeZone,
        }),
        ...(props.digestDelivery && { [ENV.digestDelivery]: props.digestDelivery.mode }),
        ...(props.digestDelivery?.localTime && { [ENV.digestLocalTime]: props.digestDelivery.localTime }),
      },
    });
    this.handler.allow('secret/console-session', [this.sessionSecret.secretArn]);
    this.handler.grantTable('content', props.contentTable);
    this.handler.grantTable('deliveries', props.deliveriesTable);
    this.handler.grantTable('subscribers', props.subscribersTable);
    // Schedule, Unschedule and Send now (pages/send.ts): the issue schedules publish makes, and the planner.
    const stack = Stack.of(this);
    const schedulesArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*` });
    this.handler.allow('schedules/issues', [schedulesArn]);
    Validations.of(this.handler).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(groupDefault)}>/*]`,
      reason: "The schedule actions cover the issue schedule group's schedules only; their names are made from issue ids.",
    });
    this.handler.allow('role/issue-schedule', [props.issueSchedules.role.roleArn], {
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    this.handler.allow('function/digest-planner', [props.digestPlanner.functionArn]);

    const integration = new HttpLambdaIntegration('Integration', this.handler.fn);
    this.routes = CONSOLE_ROUTES.flatMap((r) => props.httpApi.addRoutes({ path: r.path, methods: [r.method], integration }));
  }

  /**
   * The sender's own settings, so the preview and test sends compose the message readers get
   * (lambdas/console/desk.ts deskMail): From, footer identity, Reply-To, link base and click
   * tracking. The send grant, the configuration set and the signing keys come from Sending
   * (grantSendMail, grantTokenSecret; lib/briefing-stack.ts).
   */
  setMailSettings(settings: ApiMailSettings & { clickTracking: string }): void {
    const fn = this.handler.fn;
    fn.addEnvironment(ENV.senderEmail, settings.senderEmail);
    fn.addEnvironment(ENV.senderName, settings.senderName);
    fn.addEnvironment(ENV.organisationName, settings.organisationName);
    fn.addEnvironment(ENV.postalAddress, settings.postalAddress);
    if (settings.replyToEmail) fn.addEnvironment(ENV.replyToEmail, settings.replyToEmail);
    fn.addEnvironment(ENV.publicBaseUrl, settings.publicBaseUrl.replace(/\/+$/, ''));
    fn.addEnvironment(ENV.clickTracking, settings.clickTracking);
  }
}
