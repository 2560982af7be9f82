/**
 * `doctor`: is this deployment (or the local stack) ready to send? A pure function from facts
 * to checks. The facts are gathered by lib/ops/doctor-facts.ts (SES v2, SNS, DNS, HTTPS); here
 * nothing does I/O, so every failing case is a unit test with facts written out.
 *
 * A check is `blocking` when sending cannot work or must not go out as it is (SES would refuse,
 * or every message's unsubscribe link would be dead); the command exits non-zero then. The
 * others are `warning`s: mail goes out, but lands worse or nobody hears of trouble.
 *
 * This module holds the checks of a deployed stack; the check model, the checks both targets
 * share and the report are in doctor-checks.ts, the local stack's checks in doctor-local.ts.
 * Both are re-exported here, so importers of this module need not change.
 */
import {
  healthCheck,
  quotaCheck,
  scheduleCheck,
  undecided,
  type Check,
  type Fact,
  type HttpAnswer,
  type SendQuotaFacts,
} from './doctor-checks';

export { blocks, formatChecks, type Check, type Fact, type HttpAnswer, type SendQuotaFacts, type Severity } from './doctor-checks';
export { localChecks, type LocalFacts } from './doctor-local';

export interface IdentityFacts {
  verifiedForSending: boolean;
  /** SES v2 DkimAttributes.Status: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE, NOT_STARTED. */
  dkimStatus?: string;
  mailFromDomain?: string;
  /** SES v2 MailFromAttributes.MailFromDomainStatus: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE. */
  mailFromStatus?: string;
}

export interface AccountFacts {
  productionAccessEnabled: boolean;
  sendingEnabled: boolean;
  /** HEALTHY, PROBATION or SHUTDOWN. */
  enforcementStatus?: string;
  quota: SendQuotaFacts;
}

export interface AlarmSubscription {
  protocol: string;
  endpoint: string;
  /** SNS reports `PendingConfirmation` as the subscription ARN until the link in the mail is followed. */
  pending: boolean;
}

export interface AwsFacts {
  stack: string;
  region: string;
  senderDomain: Fact<string>;
  identity: Fact<IdentityFacts>;
  account: Fact<AccountFacts>;
  /** The MAIL FROM domain's TXT records (each record's strings joined); undefined: the identity has no MAIL FROM domain. */
  spf: Fact<{ domain: string; records: string[] } | undefined>;
  /** `_dmarc.` TXT records of the sender domain, or of a parent domain when it has none. */
  dmarc: Fact<{ domain: string; records: string[] }>;
  schedule: Fact<{ expression: string; timeZone: string }>;
  alarmSubscriptions: Fact<AlarmSubscription[]>;
  health: Fact<HttpAnswer>;
}

const CREDENTIALS = 'check the AWS credentials and region (AWS_PROFILE, AWS_REGION) and that they may read this';

export function awsChecks(f: AwsFacts, now: Date): Check[] {
  const checks: Check[] = [];
  const domain = 'value' in f.senderDomain ? f.senderDomain.value : '<sender domain>';

  // Identity, DKIM, MAIL FROM: one GetEmailIdentity answers all three.
  if (!('value' in f.identity)) {
    for (const [name, severity] of [
      ['identity verified', 'blocking'],
      ['DKIM', 'blocking'],
      ['MAIL FROM', 'warning'],
    ] as const) {
      checks.push(undecided(name, severity, f.identity, `${CREDENTIALS} (ses:GetEmailIdentity)`));
    }
  } else {
    const id = f.identity.value;
    checks.push(
      id.verifiedForSending
        ? { name: 'identity verified', ok: true, severity: 'blocking', detail: `${domain} is verified for sending` }
        : {
            name: 'identity verified',
            ok: false,
            severity: 'blocking',
            detail: `${domain} is not verified for sending: SES refuses mail from it`,
            fix: `add the three DKIM CNAME records (stack outputs DkimRecord1..3) to ${domain}'s DNS; SES verifies the domain once it sees them (up to 72 hours)`,
          },
    );
    const dkim = id.dkimStatus ?? 'NOT_STARTED';
    checks.push(
      dkim === 'SUCCESS'
        ? { name: 'DKIM', ok: true, severity: 'blocking', detail: 'Easy DKIM: SUCCESS (messages are signed for the From domain)' }
        : {
            name: 'DKIM',
            ok: false,
            severity: 'blocking',
            detail: `Easy DKIM: ${dkim}${dkim === 'PENDING' ? ' (SES has not found the CNAME records yet)' : ''}`,
            fix:
              dkim === 'FAILED' || dkim === 'TEMPORARY_FAILURE'
                ? `check the three DKIM CNAME records (outputs DkimRecord1..3) in ${domain}'s DNS: SES could not find them, or lost them`
                : `publish the three DKIM CNAME records (outputs DkimRecord1..3) in ${domain}'s DNS`,
          },
    );
    const mailFrom = id.mailFromDomain;
    checks.push(
      !mailFrom
        ? {
            name: 'MAIL FROM',
            ok: false,
            severity: 'warning',
            detail: 'no custom MAIL FROM domain: SPF passes for amazonses.com, not for the From domain (no SPF alignment for DMARC)',
            fix: `set a MAIL FROM domain such as bounce.${domain} on the identity and publish its MX and SPF records`,
          }
        : id.mailFromStatus === 'SUCCESS'
          ? { name: 'MAIL FROM', ok: true, severity: 'warning', detail: `${mailFrom}: SUCCESS` }
          : {
              name: 'MAIL FROM',
              ok: false,
              severity: 'warning',
              detail: `${mailFrom}: ${id.mailFromStatus ?? 'unknown'} (until SUCCESS, SES uses its own MAIL FROM domain)`,
              fix: `publish ${mailFrom} MX 10 feedback-smtp.${f.region}.amazonses.com and ${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`,
            },
    );
  }

  // SPF on the MAIL FROM domain (the envelope sender is what SPF checks).
  if (!('value' in f.spf)) checks.push(undecided('SPF', 'warning', f.spf, 'check that this machine can resolve DNS'));
  else if (!f.spf.value) {
    checks.push({
      name: 'SPF',
      ok: false,
      severity: 'warning',
      detail: `no custom MAIL FROM domain, so SPF is checked on SES's own domain and does not align with ${domain}`,
      fix: 'set a custom MAIL FROM domain on the identity (see MAIL FROM), then publish its SPF record',
    });
  } else {
    const { domain: spfDomain, records } = f.spf.value;
    const spf = records.filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
    const includesSes = spf.some((r) => /\binclude:amazonses\.com\b/i.test(r));
    checks.push(
      spf.length === 1 && includesSes
        ? { name: 'SPF', ok: true, severity: 'warning', detail: `${spfDomain}: ${spf[0]}` }
        : {
            name: 'SPF',
            ok: false,
            severity: 'warning',
            detail:
              spf.length === 0
                ? `${spfDomain}: no SPF record`
                : spf.length > 1
                  ? `${spfDomain}: ${spf.length} SPF records (receivers treat that as a permanent error)`
                  : `${spfDomain}: ${spf[0]} does not include amazonses.com`,
            fix: `publish one record: ${spfDomain} TXT "v=spf1 include:amazonses.com ~all"`,
          },
    );
  }

  // DMARC: Gmail, Yahoo and Outlook.com require one (p=none at least) of bulk senders.
  if (!('value' in f.dmarc)) checks.push(undecided('DMARC', 'warning', f.dmarc, 'check that this machine can resolve DNS'));
  else {
    const { domain: dmarcDomain, records } = f.dmarc.value;
    const dmarc = records.filter((r) => /^v=DMARC1\s*(;|$)/i.test(r.trim()));
    const policy = dmarc[0] ? /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\s*(?:;|$)/i.exec(dmarc[0])?.[1] : undefined;
    checks.push(
      dmarc.length === 1 && policy
        ? { name: 'DMARC', ok: true, severity: 'warning', detail: `${dmarcDomain}: p=${policy.toLowerCase()} (${dmarc[0]})` }
        : {
            name: 'DMARC',
            ok: false,
            severity: 'warning',
            detail:
              dmarc.length === 0
                ? `no DMARC record at _dmarc.${domain} or its parent domains: Gmail, Yahoo and Outlook.com reject or junk bulk mail without one`
                : dmarc.length > 1
                  ? `${dmarcDomain}: ${dmarc.length} DMARC records (receivers ignore them all)`
                  : `${dmarcDomain}: ${dmarc[0]} has no valid p= policy`,
            fix: `publish one record: _dmarc.${domain} TXT "v=DMARC1; p=none; rua=mailto:dmarc@${domain}"`,
          },
    );
  }

  // The account: production access, sending enabled, enforcement, quota and rate.
  if (!('value' in f.account)) {
    for (const name of ['production access', 'sending enabled', 'quota and rate']) {
      checks.push(undecided(name, 'blocking', f.account, `${CREDENTIALS} (ses:GetAccount)`));
    }
  } else {
    const a = f.account.value;
    checks.push(
      a.productionAccessEnabled
        ? { name: 'production access', ok: true, severity: 'blocking', detail: `granted in ${f.region}` }
        : {
            name: 'production access',
            ok: false,
            severity: 'blocking',
            detail: `the account is in the SES sandbox in ${f.region}: only verified addresses receive mail, ${a.quota.max24HourSend} a day`,
            fix: `request production access: SES console → Account dashboard → Request production access (or \`aws sesv2 put-account-details --production-access-enabled --mail-type MARKETING ...\`) in ${f.region}`,
          },
    );
    const enforcement = a.enforcementStatus ?? 'HEALTHY';
    checks.push(
      !a.sendingEnabled
        ? {
            name: 'sending enabled',
            ok: false,
            severity: 'blocking',
            detail: `SES sending is paused for the account (enforcement status ${enforcement})`,
            fix:
              enforcement === 'SHUTDOWN'
                ? 'SES shut the account down: answer the case in the AWS Support Center (bounce and complaint rates, list hygiene)'
                : 'find why it was paused (SES console → Reputation metrics), then `aws sesv2 put-account-sending-attributes --sending-enabled`',
          }
        : enforcement !== 'HEALTHY'
          ? {
              name: 'sending enabled',
              ok: false,
              severity: 'warning',
              detail: `sending is enabled, but the account is under review (enforcement status ${enforcement})`,
              fix: 'bring the bounce rate under 5 % and the complaint rate under 0.1 % (SES console → Reputation metrics) before SES pauses sending',
            }
          : { name: 'sending enabled', ok: true, severity: 'blocking', detail: 'enabled; enforcement status HEALTHY' },
    );
    checks.push(quotaCheck(a.quota));
  }

  checks.push(scheduleCheck(f.schedule, now));

  if (!('value' in f.alarmSubscriptions))
    checks.push(undecided('alarm subscription', 'warning', f.alarmSubscriptions, `${CREDENTIALS} (sns:ListSubscriptionsByTopic)`));
  else {
    const subs = f.alarmSubscriptions.value;
    const confirmed = subs.filter((s) => !s.pending);
    const pending = subs.filter((s) => s.pending);
    checks.push(
      confirmed.length > 0
        ? {
            name: 'alarm subscription',
            ok: true,
            severity: 'warning',
            detail: `confirmed: ${confirmed.map((s) => `${s.protocol} ${s.endpoint}`).join(', ')}${pending.length ? `; ${pending.length} pending` : ''}`,
          }
        : pending.length > 0
          ? {
              name: 'alarm subscription',
              ok: false,
              severity: 'warning',
              detail: `pending confirmation: ${pending.map((s) => `${s.protocol} ${s.endpoint}`).join(', ')}; alarms reach nobody until it is confirmed`,
              fix: `follow the "Confirm subscription" link in the mail AWS Notifications sent to ${pending[0].endpoint} (or redeploy to have it sent again)`,
            }
          : {
              name: 'alarm subscription',
              ok: false,
              severity: 'warning',
              detail: 'the alarm topic has no subscription: alarms (dead letters, bounce rate) reach nobody',
              fix: 'deploy with `-c alarmEmail=ops@yourdomain.example` and confirm the mail AWS sends',
            },
    );
  }

  checks.push(healthCheck(f.health, true));
  return checks;
}
