/**
 * How doctor reads AWS's answers into facts: the SES v2 and SNS fields it takes, the DNS names
 * it asks (the MAIL FROM domain's SPF, `_dmarc.` with the parent domain as fallback), outputs a
 * stack lacks, and a question that fails leaving the others answered.
 */
import { GetAccountCommand, GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { StackOutputs } from '../../lib/aws-target';
import { gatherAwsFacts, type AwsIo } from '../../lib/ops/doctor-facts';

const outputs = (optional: StackOutputs['optional']): StackOutputs => ({
  subscribersTable: 's',
  contentTable: 'c',
  deliveriesTable: 'd',
  sendQueueUrl: 'q',
  apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
  optional,
});

const FULL = {
  senderEmail: 'brief@news.example.org',
  senderDomain: 'news.example.org',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
  digestSchedule: 'cron(0 7 ? * MON *)',
  digestTimeZone: 'Europe/Brussels',
  publicBaseUrl: 'https://news.example.org',
};

function io(
  dns: Record<string, string[][]>,
  overrides: { account?: () => unknown; identity?: () => unknown } = {},
): AwsIo & { asked: string[] } {
  const asked: string[] = [];
  const notFound = () => Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' });
  return {
    asked,
    sesv2: {
      config: { region: () => Promise.resolve('eu-west-1') },
      send: ((cmd: unknown) => {
        if (cmd instanceof GetEmailIdentityCommand) {
          asked.push(`identity ${cmd.input.EmailIdentity}`);
          if (overrides.identity) return Promise.resolve(overrides.identity());
          return Promise.resolve({
            VerifiedForSendingStatus: true,
            DkimAttributes: { Status: 'SUCCESS' },
            MailFromAttributes: {
              MailFromDomain: 'bounce.news.example.org',
              MailFromDomainStatus: 'SUCCESS',
              BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
            },
          });
        }
        if (cmd instanceof GetAccountCommand) {
          if (overrides.account) return Promise.resolve(overrides.account());
          return Promise.resolve({
            ProductionAccessEnabled: false,
            SendingEnabled: true,
            EnforcementStatus: 'HEALTHY',
            SendQuota: { MaxSendRate: 1, Max24HourSend: 200, SentLast24Hours: 7 },
          });
        }
        return Promise.reject(new Error('unexpected command'));
      }) as AwsIo['sesv2']['send'],
    },
    sns: {
      send: ((cmd: unknown) => {
        if (!(cmd instanceof ListSubscriptionsByTopicCommand)) return Promise.reject(new Error('unexpected command'));
        // Two pages: the second holds the pending one.
        return Promise.resolve(
          cmd.input.NextToken
            ? { Subscriptions: [{ Protocol: 'email', Endpoint: 'ops@example.org', SubscriptionArn: 'PendingConfirmation' }] }
            : {
                Subscriptions: [
                  { Protocol: 'https', Endpoint: 'https://hooks.example.org', SubscriptionArn: 'arn:aws:sns:eu-west-1:1:alarms:x' },
                ],
                NextToken: 'p2',
              },
        );
      }) as AwsIo['sns']['send'],
    },
    resolveTxt: (name) => {
      asked.push(`TXT ${name}`);
      if (dns[name]) return Promise.resolve(dns[name]);
      return Promise.reject(notFound());
    },
    getHealth: (base) => Promise.resolve({ url: `${base}/health`, status: 200 }),
  };
}

describe('gatherAwsFacts', () => {
  it('reads identity, account, SPF of the MAIL FROM domain, DMARC and every page of the alarm subscriptions', async () => {
    const answers = io({
      'bounce.news.example.org': [['v=spf1 include:amazon', 'ses.com ~all']], // a record split in two strings
      '_dmarc.news.example.org': [['v=DMARC1; p=quarantine']],
    });
    const f = await gatherAwsFacts('Briefing', outputs(FULL), answers);
    expect(f.region).toBe('eu-west-1');
    expect(f.identity).toEqual({
      value: { verifiedForSending: true, dkimStatus: 'SUCCESS', mailFromDomain: 'bounce.news.example.org', mailFromStatus: 'SUCCESS' },
    });
    expect(f.account).toEqual({
      value: {
        productionAccessEnabled: false,
        sendingEnabled: true,
        enforcementStatus: 'HEALTHY',
        quota: { maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 7 },
      },
    });
    expect(f.spf).toEqual({ value: { domain: 'bounce.news.example.org', records: ['v=spf1 include:amazonses.com ~all'] } });
    expect(f.dmarc).toEqual({ value: { domain: '_dmarc.news.example.org', records: ['v=DMARC1; p=quarantine'] } });
    expect(f.alarmSubscriptions).toEqual({
      value: [
        { protocol: 'https', endpoint: 'https://hooks.example.org', pending: false },
        { protocol: 'email', endpoint: 'ops@example.org', pending: true },
      ],
    });
    expect(f.schedule).toEqual({ value: { expression: 'cron(0 7 ? * MON *)', timeZone: 'Europe/Brussels' } });
    expect(f.health).toEqual({ value: { url: 'https://news.example.org/health', status: 200 } });
    expect(answers.asked).toContain('identity news.example.org');
  });

  it("falls back to the parent domain's DMARC record, as receivers do", async () => {
    const f = await gatherAwsFacts('Briefing', outputs(FULL), io({ '_dmarc.example.org': [['v=DMARC1; p=none']] }));
    expect(f.dmarc).toEqual({ value: { domain: '_dmarc.example.org', records: ['v=DMARC1; p=none'] } });
    expect(f.spf).toEqual({ value: { domain: 'bounce.news.example.org', records: [] } });
  });

  it('takes the sender domain from SenderEmail and marks what needs a missing output as missing', async () => {
    const f = await gatherAwsFacts('Briefing', outputs({ senderEmail: 'brief@news.example.org' }), io({}));
    expect(f.senderDomain).toEqual({ value: 'news.example.org' });
    expect(f.alarmSubscriptions).toEqual({ missing: 'AlarmTopicArn' });
    expect(f.schedule).toEqual({ missing: 'DigestSchedule' });
    expect(f.health).toEqual({ missing: 'PublicBaseUrl' });
    // The MAIL FROM domain the identity reports stands in for the MailFromDomain output.
    expect(f.spf).toEqual({ value: { domain: 'bounce.news.example.org', records: [] } });
  });

  it('an identity without a MAIL FROM domain has no SPF to look up (not a missing output)', async () => {
    const noMailFrom = () => ({
      VerifiedForSendingStatus: true,
      DkimAttributes: { Status: 'SUCCESS' },
      MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
    const answers = io({}, { identity: noMailFrom });
    const f = await gatherAwsFacts('Briefing', outputs(FULL), answers);
    expect(f.spf).toEqual({ value: undefined });
    expect(answers.asked.filter((a) => a.startsWith('TXT bounce.'))).toEqual([]);
  });

  it('keeps a failed question to its own fact', async () => {
    const denied = () => {
      throw Object.assign(new Error('User is not authorized to perform: ses:GetAccount'), { name: 'AccessDeniedException' });
    };
    const f = await gatherAwsFacts('Briefing', outputs(FULL), io({}, { account: denied }));
    expect(f.account).toEqual({ error: 'AccessDeniedException: User is not authorized to perform: ses:GetAccount' });
    expect(f.identity).toHaveProperty('value');
  });
});
