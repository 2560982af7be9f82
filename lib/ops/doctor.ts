/**
 * `doctor`: is this deployment (or the local stack) ready to send? A pure function from facts
 * to checks. The facts are gathered by lib/ops/doctor-facts.ts (SES v2, SNS, DNS, HTTPS); here
 * nothing does I/O, so every failing case is a unit test with facts written out.
 *
 * A check is `blocking` when sending cannot work or must not go out as it is (SES would refuse,
 * or every message's unsubscribe link would be dead); the command exits non-zero then. The
 * others are `warning`s: mail goes out, but lands worse or nobody hears of trouble.
 */
import { describeRun, nextEventBridgeRun, nextLocalRun, type NextRun } from './schedule';

export type Severity = 'blocking' | 'warning';

export interface Check {
  name: string;
  ok: boolean;
  severity: Severity;
  detail: string;
  /** What to do about it; only on a failed check. */
  fix?: string;
}

/**
 * One gathered fact: its value, the error met while asking, or `missing` (the stack output the
 * question needs is absent: a stack deployed before the output existed).
 */
export type Fact<T> = { value: T } | { error: string } | { missing: string };

export interface IdentityFacts {
  verifiedForSending: boolean;
  /** SES v2 DkimAttributes.Status: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE, NOT_STARTED. */
  dkimStatus?: string;
  mailFromDomain?: string;
  /** SES v2 MailFromAttributes.MailFromDomainStatus: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE. */
  mailFromStatus?: string;
}

export interface SendQuotaFacts {
  maxSendRate: number;
  max24HourSend: number;
  sentLast24Hours: number;
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

export interface HttpAnswer {
  url: string;
  status: number;
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

export interface LocalFacts {
  dynamoEndpoint: string;
  /** The tables the local stack needs and which of them exist. */
  tables: Fact<{ wanted: string[]; present: string[] }>;
  sesEndpoint: string;
  /** Any HTTP answer from the SES endpoint. */
  ses: Fact<{ status: number }>;
  /** The emulator has no GetSendQuota; the recorder in tests answers it. `value: undefined`: not answered. */
  sendQuota: Fact<SendQuotaFacts | undefined>;
  /** The fixed local rate the sender uses when nothing answers GetSendQuota. */
  localSendRate: number;
  schedule: { pattern: string; timeZone: string };
  health: Fact<HttpAnswer>;
}

const REDEPLOY = 'redeploy the stack (`npx cdk deploy`): it predates this output';

/** A check that cannot be decided from its fact (missing output or an error while asking). */
function undecided(name: string, severity: Severity, fact: { error: string } | { missing: string }, fixOnError: string): Check {
  if ('missing' in fact) return { name, ok: false, severity, detail: `unknown: the stack has no ${fact.missing} output`, fix: REDEPLOY };
  return { name, ok: false, severity, detail: `could not ask: ${fact.error}`, fix: fixOnError };
}

const CREDENTIALS = 'check the AWS credentials and region (AWS_PROFILE, AWS_REGION) and that they may read this';

export function awsChecks(f: AwsFacts, now: Date): Check[] {
  const checks: Check[] = [];
  const domain = 'value' in f.senderDomain ? f.senderDomain.value : '<sender domain>';

  // Identity, DKIM, MAIL FROM: one GetEmailIdentity answers all three.
  if (!('value' in f.identity)) {
    for (const [name, severity] of [['identity verified', 'blocking'], ['DKIM', 'blocking'], ['MAIL FROM', 'warning']] as const) {
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

  if (!('value' in f.alarmSubscriptions)) checks.push(undecided('alarm subscription', 'warning', f.alarmSubscriptions, `${CREDENTIALS} (sns:ListSubscriptionsByTopic)`));
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

export function localChecks(f: LocalFacts, now: Date): Check[] {
  const checks: Check[] = [];
  if (!('value' in f.tables)) {
    checks.push({
      name: 'DynamoDB',
      ok: false,
      severity: 'blocking',
      detail: `${f.dynamoEndpoint} does not answer: ${'error' in f.tables ? f.tables.error : f.tables.missing}`,
      fix: 'start the local stack with `npm start` (or point AWS_ENDPOINT_URL_DYNAMODB at a running DynamoDB Local)',
    });
  } else {
    const { wanted, present } = f.tables.value;
    const missing = wanted.filter((t) => !present.includes(t));
    checks.push(
      missing.length === 0
        ? { name: 'DynamoDB', ok: true, severity: 'blocking', detail: `${f.dynamoEndpoint}: tables ${wanted.join(', ')} present` }
        : {
            name: 'DynamoDB',
            ok: false,
            severity: 'blocking',
            detail: `${f.dynamoEndpoint} answers, but table(s) ${missing.join(', ')} are missing`,
            fix: '`npm start` creates them (check BRIEFING_TABLE_PREFIX matches the running stack)',
          },
    );
  }
  checks.push(
    'value' in f.ses
      ? { name: 'SES endpoint', ok: true, severity: 'blocking', detail: `${f.sesEndpoint} answers (HTTP ${f.ses.value.status})` }
      : {
          name: 'SES endpoint',
          ok: false,
          severity: 'blocking',
          detail: `${f.sesEndpoint} does not answer: ${'error' in f.ses ? f.ses.error : f.ses.missing}`,
          fix: 'start the local stack with `npm start` (or point AWS_ENDPOINT_URL_SES at a running SES emulator)',
        },
  );
  if ('value' in f.sendQuota && f.sendQuota.value) checks.push(quotaCheck(f.sendQuota.value));
  else {
    checks.push({
      name: 'quota and rate',
      ok: true,
      severity: 'blocking',
      detail: `GetSendQuota not answered (${'error' in f.sendQuota ? f.sendQuota.error : 'the emulator has none'}): the local sender uses the fixed rate of ${f.localSendRate}/s (BRIEFING_SEND_RATE)`,
    });
  }
  checks.push(scheduleCheck({ value: { expression: f.schedule.pattern, timeZone: f.schedule.timeZone } }, now, true));
  checks.push(healthCheck(f.health, false));
  return checks;
}

function quotaCheck(q: SendQuotaFacts): Check {
  const left = q.max24HourSend < 0 ? Infinity : q.max24HourSend - q.sentLast24Hours;
  const detail = `${q.maxSendRate}/s, ${q.max24HourSend < 0 ? 'no daily limit' : `${fmt(q.max24HourSend)} a day`}, ${fmt(q.sentLast24Hours)} sent in the last 24 hours${Number.isFinite(left) ? ` (${fmt(Math.max(0, left))} left)` : ''}`;
  if (left <= 0) {
    return {
      name: 'quota and rate',
      ok: false,
      severity: 'blocking',
      detail: `daily quota used up: ${detail}`,
      fix: 'wait for the 24-hour window to roll on (the sender pauses and resumes by itself), or ask AWS Support for a higher sending quota',
    };
  }
  return { name: 'quota and rate', ok: true, severity: 'blocking', detail };
}

function scheduleCheck(fact: Fact<{ expression: string; timeZone: string }>, now: Date, local = false): Check {
  const name = 'schedule';
  if (!('value' in fact)) return undecided(name, 'warning', fact, 'check the stack');
  const { expression, timeZone } = fact.value;
  const next: NextRun = local ? nextLocalRun(expression, timeZone, now) : nextEventBridgeRun(expression, timeZone, now);
  const where = local ? 'BRIEFING_SCHEDULE' : 'the scheduleCron setting (`-c scheduleCron="cron(0 7 ? * MON *)"`)';
  if (!next.ok) return { name, ok: false, severity: 'warning', detail: `"${expression}" ${timeZone}: ${next.error}`, fix: `fix ${where}` };
  if (!next.next) return { name, ok: false, severity: 'warning', detail: `"${expression}" ${timeZone} never runs again: no digest will go out on schedule`, fix: `fix ${where}` };
  return { name, ok: true, severity: 'warning', detail: `"${expression}" next run ${describeRun(next.next, timeZone)}` };
}

function healthCheck(fact: Fact<HttpAnswer>, requireHttps: boolean): Check {
  const name = 'public base URL';
  const why = 'every message links to it (one-click unsubscribe, preferences)';
  const fix = requireHttps
    ? 'check the publicBaseUrl setting (`-c publicBaseUrl=https://…`): its DNS, certificate and that it routes to the HTTP API'
    : 'start the local stack with `npm start` (it serves the API on BRIEFING_HTTP_PORT)';
  if ('missing' in fact) return undecided(name, 'blocking', fact, fix);
  if ('error' in fact) return { name, ok: false, severity: 'blocking', detail: `does not answer: ${fact.error}; ${why}`, fix };
  const { url, status } = fact.value;
  if (requireHttps && !url.startsWith('https://')) {
    return { name, ok: false, severity: 'blocking', detail: `${url} is not https: mail clients and the one-click unsubscribe need https`, fix };
  }
  if (status !== 200) return { name, ok: false, severity: 'blocking', detail: `${url} answered HTTP ${status}; ${why}`, fix };
  return { name, ok: true, severity: 'blocking', detail: `${url} answers 200` };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Whether anything blocks sending: the command's exit status. */
export function blocks(checks: Check[]): boolean {
  return checks.some((c) => !c.ok && c.severity === 'blocking');
}

/** The report as the command prints it. */
export function formatChecks(title: string, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = [title];
  for (const c of checks) {
    lines.push(`${c.ok ? '✔' : '✗'} ${c.name.padEnd(width)}  ${c.detail}${!c.ok && c.severity === 'warning' ? ' (warning)' : ''}`);
    if (!c.ok && c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const blocking = checks.filter((c) => !c.ok && c.severity === 'blocking').length;
  const warnings = checks.filter((c) => !c.ok && c.severity === 'warning').length;
  lines.push(
    blocking
      ? `${blocking} problem(s) block sending${warnings ? `, ${warnings} warning(s)` : ''}`
      : warnings
        ? `ready to send, with ${warnings} warning(s)`
        : 'ready to send',
  );
  return lines.join('\n');
}
