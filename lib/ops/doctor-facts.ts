/**
 * The facts `doctor` judges (lib/ops/doctor.ts), gathered from where they live: SES v2
 * (identity, account), SNS (the alarm topic's subscriptions), DNS (SPF, DMARC), HTTPS (the
 * public base URL's /health), or, for the local stack, DynamoDB Local and the SES emulator.
 * Each question is asked on its own: one that fails becomes that fact's error, and the others
 * are still answered.
 */
import { resolveTxt } from 'node:dns/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { OptionalOutput, StackOutputs } from '../aws-target';
import { outputKey } from '../aws-target';
import type { LocalConfig } from '../local/config';
import { LOCAL_AWS } from '../local/dynamodb';
import { askSendQuota } from '../../lambdas/adapters/send-quota';
import type { AccountFacts, AlarmSubscription, AwsFacts, Fact, HttpAnswer, IdentityFacts, LocalFacts, SendQuotaFacts } from './doctor';

/** How long one question may take before it counts as not answered. */
const TIMEOUT_MS = 10_000;
/** The local GetSendQuota: an endpoint that does not implement it may hold the call open; waiting longer only delays the report. */
const LOCAL_QUOTA_WAIT_MS = 2_000;

let sesv2: SESv2Client | undefined;
let sns: SNSClient | undefined;

/** What the AWS facts are asked of; a unit test passes its own answers. */
export interface AwsIo {
  sesv2: Pick<SESv2Client, 'send'> & { config: { region: () => Promise<string> } };
  sns: Pick<SNSClient, 'send'>;
  resolveTxt: (name: string) => Promise<string[][]>;
  getHealth: (base: string) => Promise<HttpAnswer>;
}

/** The real ones: the SDK clients (created once), the system's resolver, fetch. */
export const awsIo = (): AwsIo => ({ sesv2: (sesv2 ??= new SESv2Client({})), sns: (sns ??= new SNSClient({})), resolveTxt, getHealth });

async function ask<T>(question: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { value: await question() };
  } catch (e) {
    const err = e as Error & { cause?: { message?: string } };
    // fetch() says only "fetch failed"; the reason (refused, DNS, certificate) is its cause.
    if (err.message === 'fetch failed' && err.cause?.message) return { error: err.cause.message };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { error: 'no answer in time' };
    return { error: `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}` };
  }
}

const missing = (name: OptionalOutput): { missing: string } => ({ missing: outputKey(name) });

/** TXT records of `name`, each record's strings joined; none (not an error) when the name has none. */
async function txt(io: Pick<AwsIo, 'resolveTxt'>, name: string): Promise<string[]> {
  try {
    return (await io.resolveTxt(name)).map((parts) => parts.join(''));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw e;
  }
}

/**
 * DMARC of `domain`: `_dmarc.<domain>`, else the parent domains' (receivers fall back to the
 * organisational domain's record). Without the public suffix list, it stops at two labels.
 */
async function dmarcOf(io: Pick<AwsIo, 'resolveTxt'>, domain: string): Promise<{ domain: string; records: string[] }> {
  const labels = domain.split('.');
  for (let i = 0; i <= labels.length - 2; i++) {
    const name = `_dmarc.${labels.slice(i).join('.')}`;
    const records = (await txt(io, name)).filter((r) => /^v=DMARC1/i.test(r.trim()));
    if (records.length) return { domain: name, records };
  }
  return { domain: `_dmarc.${domain}`, records: [] };
}

export async function getHealth(base: string): Promise<HttpAnswer> {
  const url = `${base.replace(/\/+$/, '')}/health`;
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
  await res.arrayBuffer();
  return { url, status: res.status };
}

export async function gatherAwsFacts(stack: string, out: StackOutputs, io: AwsIo = awsIo()): Promise<AwsFacts> {
  const { sesv2: ses, sns: topics } = io;
  const o = out.optional;
  const region = await ses.config.region();
  const domain = o.senderDomain ?? (o.senderEmail ? o.senderEmail.slice(o.senderEmail.lastIndexOf('@') + 1) : undefined);

  const identity: Fact<IdentityFacts> = domain
    ? await ask(async () => {
        const r = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
        return {
          verifiedForSending: r.VerifiedForSendingStatus === true,
          dkimStatus: r.DkimAttributes?.Status,
          mailFromDomain: r.MailFromAttributes?.MailFromDomain,
          mailFromStatus: r.MailFromAttributes?.MailFromDomainStatus,
        };
      })
    : missing('senderDomain');

  const mailFrom = o.mailFromDomain ?? ('value' in identity ? identity.value.mailFromDomain : undefined);
  const [account, spf, dmarc, alarmSubscriptions, health] = await Promise.all([
    ask<AccountFacts>(async () => {
      const a = await ses.send(new GetAccountCommand({}), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
      return {
        productionAccessEnabled: a.ProductionAccessEnabled === true,
        sendingEnabled: a.SendingEnabled === true,
        enforcementStatus: a.EnforcementStatus,
        quota: {
          maxSendRate: a.SendQuota?.MaxSendRate ?? 0,
          max24HourSend: a.SendQuota?.Max24HourSend ?? 0,
          sentLast24Hours: a.SendQuota?.SentLast24Hours ?? 0,
        },
      };
    }),
    mailFrom
      ? ask(async () => ({ domain: mailFrom, records: await txt(io, mailFrom) }))
      : // The identity answered without a MAIL FROM domain: there is none to look up (not a missing output).
        Promise.resolve('value' in identity ? { value: undefined } : missing('mailFromDomain')),
    domain ? ask(() => dmarcOf(io, domain)) : Promise.resolve(missing('senderDomain')),
    o.alarmTopicArn ? ask(() => alarmSubscriptionsOf(topics, o.alarmTopicArn!)) : Promise.resolve(missing('alarmTopicArn')),
    o.publicBaseUrl ? ask(() => io.getHealth(o.publicBaseUrl!)) : Promise.resolve(missing('publicBaseUrl')),
  ]);
  const schedule: AwsFacts['schedule'] = !o.digestSchedule
    ? missing('digestSchedule')
    : !o.digestTimeZone
      ? missing('digestTimeZone')
      : { value: { expression: o.digestSchedule, timeZone: o.digestTimeZone } };
  return {
    stack,
    region,
    senderDomain: domain ? { value: domain } : missing('senderDomain'),
    identity,
    account,
    spf,
    dmarc,
    schedule,
    alarmSubscriptions,
    health,
  };
}

async function alarmSubscriptionsOf(client: AwsIo['sns'], topicArn: string): Promise<AlarmSubscription[]> {
  const subs: AlarmSubscription[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }), {
      abortSignal: AbortSignal.timeout(TIMEOUT_MS),
    });
    for (const s of page.Subscriptions ?? []) {
      // SNS reports the ARN as `PendingConfirmation` until the link in the mail is followed.
      subs.push({ protocol: s.Protocol ?? '?', endpoint: s.Endpoint ?? '?', pending: s.SubscriptionArn === 'PendingConfirmation' });
    }
    next = page.NextToken;
  } while (next);
  return subs;
}

/**
 * The local stack as `npm start` runs it, asked directly (not through the CLI's local runtime,
 * which would create missing tables and so hide them). One attempt each: a stack that is not
 * running should say so at once, not after the SDK's retries.
 */
export async function gatherLocalFacts(config: LocalConfig, env: NodeJS.ProcessEnv = process.env): Promise<LocalFacts> {
  const dynamoEndpoint = config.dynamoEndpoint ?? `http://127.0.0.1:${config.dynamoPort}`;
  const sesEndpoint = config.sesEndpoint ?? `http://127.0.0.1:${config.sesPort}`;
  const options = { ...LOCAL_AWS, maxAttempts: 1, requestHandler: { requestTimeout: TIMEOUT_MS, connectionTimeout: TIMEOUT_MS } };
  const dynamo = new DynamoDBClient({ ...options, endpoint: dynamoEndpoint });
  const ses = new SESClient({ ...options, endpoint: sesEndpoint });
  try {
    const wanted = Object.values(config.tables);
    const [tables, sesAnswer, sendQuota, health] = await Promise.all([
      ask(async () => {
        const present: string[] = [];
        let start: string | undefined;
        do {
          const page = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
          present.push(...(page.TableNames ?? []));
          start = page.LastEvaluatedTableName;
        } while (start);
        return { wanted, present: present.filter((t) => wanted.includes(t)) };
      }),
      ask(async () => {
        const res = await fetch(sesEndpoint, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        await res.arrayBuffer();
        return { status: res.status };
      }),
      ask<SendQuotaFacts | undefined>(async () => {
        // As the local sender asks: the bundled emulator answers InvalidAction (lib/local/ses.ts), an
        // endpoint that holds the call open is "not answered" after 2 s; both leave the local rate.
        return askSendQuota(ses, LOCAL_QUOTA_WAIT_MS);
      }),
      ask(() => getHealth(`http://localhost:${config.httpPort}`)),
    ]);
    return {
      dynamoEndpoint,
      tables,
      sesEndpoint,
      ses: sesAnswer,
      sendQuota,
      localSendRate: Number(env.BRIEFING_SEND_RATE ?? env.SEND_RATE ?? 1000),
      schedule: { pattern: config.schedule, timeZone: config.timeZone },
      health,
    };
  } finally {
    dynamo.destroy();
    ses.destroy();
  }
}
