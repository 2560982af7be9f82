import { Duration, RemovalPolicy, Stack, ArnFormat, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, SEND_ENV } from '../../lambdas/core/function-env';
import { SEND_JOBS_PER_INVOCATION } from '../../lambdas/core/model';
import { BriefingFunction, type Conditions } from './briefing-function';

/** Props of {@link Sending}. */
export interface SendingProps {
  /** Articles and issues, read to render the mail. */
  readonly contentTable: dynamodb.ITable;
  /** The delivery ledger, claimed and updated per recipient. */
  readonly deliveriesTable: dynamodb.ITable;
  /** The From address; its domain is registered as the SES identity. */
  readonly senderEmail: string;
  /** The From display name. */
  readonly senderName: string;
  /** The organisation that sends the mail, in every footer and text part. */
  readonly organisationName: string;
  /** Its postal address (one line), in every footer and text part. */
  readonly postalAddress: string;
  /**
   * Reply-To of every message.
   * @default - no Reply-To header
   */
  readonly replyToEmail?: string;
  /**
   * Custom MAIL FROM domain (a subdomain of the sender domain): bounces come back to it and SPF
   * passes aligned with the From domain, as Gmail and Yahoo require of bulk senders.
   * @default `bounce.<sender domain>`
   */
  readonly mailFromDomain?: string;
  /**
   * Use the SES identity of the sender domain the account already has (an account holds one
   * identity per domain, so creating it again fails). The stack then cannot set its DKIM or
   * MAIL FROM: those stay as they are configured in SES.
   * @default false - the stack creates the identity
   */
  readonly existingIdentity?: boolean;
  /**
   * Name of a token key secret to import instead of creating one: the secret a destroyed
   * deployment left behind, so that links in mail already sent keep working.
   * @default - a secret named {@link SendingProps.newTokenSecretName} is created
   */
  readonly tokenSecretName?: string;
  /**
   * Name given to the token key secret this construct creates.
   * @default `<stack name>/token-keys`
   */
  readonly newTokenSecretName?: string;
  /**
   * Base URL of the links in mail (unsubscribe, preferences), without a trailing slash.
   * May be given later with {@link Sending.setPublicBaseUrl} (the API is built after this).
   * @default - must be set with setPublicBaseUrl
   */
  readonly publicBaseUrl?: string;
  /**
   * Most sender invocations at once; with SES's per-call latency this is what keeps the
   * pipeline under the account's send rate.
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * Subscribers, read at send time (BatchGetItem by address) so that nobody who unsubscribed
   * or was suppressed after planning is mailed.
   * @default - no send-time check
   */
  readonly subscribersTable?: dynamodb.ITable;
  /**
   * Fixed total send rate in messages a second (all senders together). When unset, each
   * sender reads the account's MaxSendRate with SES GetSendQuota and uses `sendRateShare` of it.
   * @default - from GetSendQuota; CDK context `sendRate` when given
   */
  readonly sendRate?: number;
  /**
   * Share of the account's MaxSendRate the senders use together.
   * @default 0.8 (CDK context `sendRateShare` when given)
   */
  readonly sendRateShare?: number;
  /**
   * Sender timeout; the queue's visibility timeout is six times this, as Lambda advises.
   * @default Duration.seconds(60)
   */
  readonly senderTimeout?: Duration;
}

/**
 * Everything that turns queued send jobs into mail: the send queue and its dead-letter
 * queue, the sender function, the SES identity and configuration set, and the secret
 * that signs the tokens in unsubscribe and preference links.
 */
export class Sending extends Construct {
  /** Where planners put send jobs (one message: one campaign, up to 50 recipients). */
  readonly queue: sqs.Queue;
  /** Jobs that failed five receives end up here (and raise an alarm). */
  readonly deadLetterQueue: sqs.Queue;
  /** The sender. */
  readonly sender: BriefingFunction;
  /** SES configuration set every message is sent with. */
  readonly configurationSet: ses.ConfigurationSet;
  /** The sender's domain identity, created here or imported by name. */
  readonly identity: ses.IEmailIdentity;
  /** The identity when this stack created it (Easy DKIM, MAIL FROM); undefined when imported. */
  readonly createdIdentity?: ses.EmailIdentity;
  /** The domain of the From address. */
  readonly senderDomain: string;
  /** The custom MAIL FROM domain (set on the identity only when the stack created it). */
  readonly mailFromDomain: string;
  /** Token signing keys: `{"current":"k1","k1":"..."}`. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Name of the token key secret (give it as `tokenSecretName` to a later deployment). */
  readonly tokenSecretName: string;
  /**
   * The ARN a policy names the secret by: its own ARN, or for a secret imported by name the
   * name followed by `-??????` (Secrets Manager appends six random characters to a secret's ARN).
   */
  readonly tokenSecretPolicyArn: string;
  /** ARN of {@link configurationSet}: SES authorises each send against it too. */
  readonly configurationSetArn: string;

  private publicBaseUrl?: string;
  private readonly senderEmail: string;

  constructor(scope: Construct, id: string, props: SendingProps) {
    super(scope, id);
    const senderTimeout = props.senderTimeout ?? Duration.seconds(60);
    this.senderEmail = props.senderEmail;
    const domain = props.senderEmail.split('@').pop()?.toLowerCase();
    if (!domain) throw new Error(`senderEmail "${props.senderEmail}" has no domain`);
    this.senderDomain = domain;
    this.mailFromDomain = props.mailFromDomain ?? `bounce.${domain}`;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(senderTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      // Never mail an address that bounced or complained, account-wide.
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    if (props.existingIdentity) {
      // Imported by name: grants still work (the identity ARN is built from the name), but
      // DKIM and MAIL FROM are whatever the account has set on it.
      this.identity = ses.EmailIdentity.fromEmailIdentityName(this, 'Identity', domain);
    } else {
      this.identity = this.createdIdentity = new ses.EmailIdentity(this, 'Identity', {
        // A domain identity with Easy DKIM: DKIM aligned with the From domain, as Gmail and
        // Yahoo require of bulk senders. 2048-bit keys are asked for explicitly rather than left
        // to SES's default. The DNS records are written to the hosted zone or listed in the
        // stack's outputs.
        identity: ses.Identity.domain(domain),
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        dkimSigning: true,
        // SPF passes for the MAIL FROM domain, so a custom one under the From domain gives SPF
        // alignment for DMARC. Until its MX resolves, SES falls back to its own MAIL FROM
        // (amazonses.com) instead of refusing to send.
        mailFromDomain: this.mailFromDomain,
        mailFromBehaviorOnMxFailure: ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
        configurationSet: this.configurationSet,
      });
    }

    // The keys that sign the tokens in every unsubscribe and preference link already in
    // inboxes. They outlive the stack (retained): a new key would make every such link invalid.
    // The secret has a fixed name so the next deployment can find it again: after a destroy,
    // deploy with `-c tokenSecretName=<TokenSecretName output>` to import it. A deployment
    // that forgets to fails with "already exists" on this name, instead of silently minting
    // new keys (which a generated name would do, leaving the old secret orphaned).
    // Giving the name to a stack deployed before it had one replaces that stack's secret: keep
    // the old value (copy it into the new secret) if links signed with it are still in inboxes.
    // Kept on delete and on replacement, but not when the deployment that created it rolls back
    // (RetainExceptOnCreate): a plain Retain would leave the fixed name behind after any failed
    // first deploy, and every retry would then fail with "already exists" on a secret whose
    // keys never signed a link.
    if (props.tokenSecretName) {
      this.tokenSecretName = props.tokenSecretName;
      this.tokenSecret = secretsmanager.Secret.fromSecretNameV2(this, 'TokenSecret', props.tokenSecretName);
      this.tokenSecretPolicyArn = `${this.tokenSecret.secretArn}-??????`;
    } else {
      this.tokenSecretName = props.newTokenSecretName ?? `${Stack.of(this).stackName}/token-keys`;
      const secret = new secretsmanager.Secret(this, 'TokenSecret', {
        secretName: this.tokenSecretName,
        description: 'Keys that sign unsubscribe and preference tokens; "current" names the signing key.',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ current: 'k1' }),
          generateStringKey: 'k1',
          excludePunctuation: true,
          passwordLength: 64,
        },
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Keys are rotated by adding a new key id and pointing "current" at it, so links in mail ' +
          'already sent stay valid; an automatic rotation would replace the key and break them.',
      });
      this.tokenSecret = secret;
      this.tokenSecretPolicyArn = secret.secretArn;
    }
    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.sender = new BriefingFunction(this, 'Sender', {
      name: 'sender',
      description: 'Sends one queued batch: claims each delivery in the ledger, then calls SES SendRawEmail.',
      timeout: senderTimeout,
      environment: {
        [ENV.contentTable]: props.contentTable.tableName,
        [ENV.deliveriesTable]: props.deliveriesTable.tableName,
        [ENV.senderEmail]: props.senderEmail,
        [ENV.senderName]: props.senderName,
        [ENV.organisationName]: props.organisationName,
        [ENV.postalAddress]: props.postalAddress,
        ...(props.replyToEmail ? { [ENV.replyToEmail]: props.replyToEmail } : {}),
        [ENV.configurationSet]: this.configurationSet.configurationSetName,
        // Recipients an invocation has no time left for are queued again here.
        [ENV.sendQueueUrl]: this.queue.queueUrl,
      },
    });
    const fn = this.sender.fn;
    const maxConcurrency = props.maxConcurrency ?? 2;
    const sendRate = props.sendRate ?? contextNumber(this, 'sendRate', (v) => v > 0, 'a positive number of messages a second');
    const sendRateShare =
      props.sendRateShare ?? contextNumber(this, 'sendRateShare', (v) => v > 0 && v <= 1, 'a number above 0 and at most 1');
    // Each sender paces itself to rate / maxConcurrency, so together they never exceed the rate.
    fn.addEnvironment(SEND_ENV.senderConcurrency, String(maxConcurrency));
    // A claim older than twice the timeout belongs to a sender Lambda has already stopped.
    fn.addEnvironment(SEND_ENV.claimLeaseMs, String(senderTimeout.toMilliseconds() * 2));
    if (sendRate !== undefined) fn.addEnvironment(SEND_ENV.sendRate, String(sendRate));
    if (sendRateShare !== undefined) fn.addEnvironment(SEND_ENV.rateShare, String(sendRateShare));
    if (props.subscribersTable) {
      fn.addEnvironment(ENV.subscribersTable, props.subscribersTable.tableName);
      this.sender.grantTable('subscribers', props.subscribersTable);
    }
    // ses:GetSendQuota takes no resource: the permissions table lists it on "*", which
    // BriefingFunction grants when the function is made.
    if (props.publicBaseUrl) this.setPublicBaseUrl(props.publicBaseUrl);
    // Checked at synth, so a stack that never set the base URL cannot be deployed.
    this.node.addValidation({
      validate: () => (this.publicBaseUrl ? [] : ['Sending: the public base URL was never set']),
    });

    // A few jobs of 50 an invocation: the sender claims the next while one finishes, and
    // reports failures per job, so a retry never repeats the others. Bounded concurrency without
    // reserving account capacity. The sender also puts jobs back on this queue (paused, out of time).
    this.sender.consumeQueue('send', this.queue, { batchSize: SEND_JOBS_PER_INVOCATION, reportBatchItemFailures: true, maxConcurrency });

    this.sender.grantTable('content', props.contentTable);
    this.sender.grantTable('deliveries', props.deliveriesTable);
    this.grantTokenSecret(this.sender);

    this.grantSendMail(this.sender, { environment: false });
  }

  /**
   * Set the base URL of links in mail (the API's URL when no public URL is configured).
   * A trailing slash is removed so links never contain `//`.
   */
  setPublicBaseUrl(url: string): void {
    this.publicBaseUrl = url.replace(/\/+$/, '');
    this.sender.fn.addEnvironment(ENV.publicBaseUrl, this.publicBaseUrl);
  }

  /**
   * Publish the configuration set's events to `topic` (the SES events handler is subscribed
   * to it): bounces, complaints and deliveries change subscribers and the ledger; sends,
   * rejects, delays and rendering failures are there to be seen in the same place when a
   * message goes missing (the handler counts and ignores them).
   */
  publishEventsTo(topic: sns.ITopic): void {
    this.configurationSet.addEventDestination('SesEvents', {
      destination: ses.EventDestination.snsTopic(topic),
      events: SES_EVENTS,
    });
  }

  /**
   * Let `fn` send mail as the sender (SendRawEmail, From the sender's address only, on the
   * identity, the configuration set and, for the SES sandbox, recipients' identities), and give it
   * the sender settings: the sign-ups function sends the confirmation and welcome messages.
   */
  grantSendMail(fn: BriefingFunction, options: { environment?: boolean } = {}): void {
    // Every statement carries the From condition: SES authorises a send against the From
    // identity, the configuration set and (in the sandbox) the recipient's verified identity, and
    // none of them may be used to send as anyone else.
    const fromSender: Conditions = { StringEquals: { 'ses:FromAddress': this.senderEmail } };
    fn.allow('ses/identity', [this.identity.emailIdentityArn], fromSender);
    fn.allow('ses/configuration-set', [this.configurationSetArn], fromSender);
    // In the SES sandbox, SES also authorises each send against the recipient's verified
    // identity; without this a sandboxed account's test sends would be AccessDenied instead of
    // reaching the addresses verified for testing.
    fn.allow(
      'ses/recipients',
      [Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      fromSender,
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason:
        "In the SES sandbox every send is also authorised against the recipient's verified identity, " +
        'which is not known in advance; the statement is limited to SendRawEmail From the sender address.',
    });
    if (options.environment !== false) fn.fn.addEnvironment(ENV.configurationSet, this.configurationSet.configurationSetName);
  }

  /** Let `fn` read the token signing keys (GetSecretValue only), and tell it where they are. */
  grantTokenSecret(fn: BriefingFunction): void {
    fn.allow('secret/token-keys', [this.tokenSecretPolicyArn]);
    fn.fn.addEnvironment(ENV.tokenSecretArn, this.tokenSecret.secretArn);
  }
}

/** The configuration set events published to the SES events topic. */
export const SES_EVENTS: ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.DELIVERY_DELAY,
  ses.EmailSendingEvent.RENDERING_FAILURE,
];

/** A numeric CDK context value, checked here so a bad one stops the synth with its name. */
function contextNumber(scope: Construct, key: string, ok: (v: number) => boolean, what: string): number | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value) || !ok(value))
    throw new Error(`CDK context ${key}: must be ${what}, got ${JSON.stringify(raw)} (set it with -c ${key}=...)`);
  return value;
}
