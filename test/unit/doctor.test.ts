/**
 * `doctor`'s checks, from facts written out: a healthy deployment passes every check, and each
 * way a fact can be wrong fails its own check, with a fix, and blocks sending (exit 1) exactly
 * when mail cannot or must not go out.
 */
import { expect } from '@jest/globals';
import { awsChecks, blocks, formatChecks, localChecks, type AwsFacts, type Check, type LocalFacts } from '../../lib/ops/doctor';

const NOW = new Date('2026-11-29T12:00:00Z'); // a Sunday

function healthyAws(): AwsFacts {
  return {
    stack: 'Briefing',
    region: 'eu-west-1',
    senderDomain: { value: 'news.example.org' },
    identity: {
      value: { verifiedForSending: true, dkimStatus: 'SUCCESS', mailFromDomain: 'bounce.news.example.org', mailFromStatus: 'SUCCESS' },
    },
    account: {
      value: {
        productionAccessEnabled: true,
        sendingEnabled: true,
        enforcementStatus: 'HEALTHY',
        quota: { maxSendRate: 14, max24HourSend: 50_000, sentLast24Hours: 1_234 },
      },
    },
    spf: { value: { domain: 'bounce.news.example.org', records: ['v=spf1 include:amazonses.com ~all'] } },
    dmarc: { value: { domain: '_dmarc.news.example.org', records: ['v=DMARC1; p=none; rua=mailto:dmarc@news.example.org'] } },
    schedule: { value: { expression: 'cron(0 7 ? * MON *)', timeZone: 'Europe/Brussels' } },
    alarmSubscriptions: { value: [{ protocol: 'email', endpoint: 'ops@example.org', pending: false }] },
    health: { value: { url: 'https://news.example.org/health', status: 200 } },
  };
}

function healthyLocal(): LocalFacts {
  return {
    dynamoEndpoint: 'http://127.0.0.1:8000',
    tables: {
      value: {
        wanted: ['briefing-subscribers', 'briefing-content', 'briefing-deliveries'],
        present: ['briefing-subscribers', 'briefing-content', 'briefing-deliveries'],
      },
    },
    sesEndpoint: 'http://127.0.0.1:8005',
    ses: { value: { status: 200 } },
    sendQuota: { value: undefined },
    localSendRate: 1000,
    schedule: { pattern: '0 7 * * MON', timeZone: 'Europe/Brussels' },
    health: { value: { url: 'http://localhost:3000/health', status: 200 } },
  };
}

const check = (checks: Check[], name: string): Check => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check named ${name}: ${checks.map((x) => x.name).join(', ')}`);
  return c;
};

/** The one check that failed, asserting every other passed. */
function onlyFailure(checks: Check[]): Check {
  const failed = checks.filter((c) => !c.ok);
  expect(failed.map((c) => c.name)).toHaveLength(1);
  expect(failed[0].fix).toEqual(expect.any(String));
  return failed[0];
}

describe('doctor on a deployed stack', () => {
  it('a healthy deployment passes every check, says when the digest goes next and does not block', () => {
    const checks = awsChecks(healthyAws(), NOW);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'identity verified',
      'DKIM',
      'MAIL FROM',
      'SPF',
      'DMARC',
      'production access',
      'sending enabled',
      'quota and rate',
      'schedule',
      'alarm subscription',
      'public base URL',
    ]);
    expect(check(checks, 'schedule').detail).toContain('Mon 30 Nov 2026 07:00 Europe/Brussels (2026-11-30 06:00 UTC)');
    expect(check(checks, 'quota and rate').detail).toBe('14/s, 50,000 a day, 1,234 sent in the last 24 hours (48,766 left)');
    expect(blocks(checks)).toBe(false);
  });

  it.each([
    [
      'an unverified identity',
      'identity verified',
      'blocking',
      /DkimRecord1\.\.3/,
      (f: AwsFacts) => (f.identity = { value: { ...val(f.identity), verifiedForSending: false } }),
    ],
    [
      'DKIM pending',
      'DKIM',
      'blocking',
      /publish the three DKIM CNAME/,
      (f: AwsFacts) => (f.identity = { value: { ...val(f.identity), dkimStatus: 'PENDING' } }),
    ],
    [
      'DKIM failed',
      'DKIM',
      'blocking',
      /could not find them/,
      (f: AwsFacts) => (f.identity = { value: { ...val(f.identity), dkimStatus: 'FAILED' } }),
    ],
    [
      'MAIL FROM pending',
      'MAIL FROM',
      'warning',
      /MX 10 feedback-smtp\.eu-west-1\.amazonses\.com/,
      (f: AwsFacts) => (f.identity = { value: { ...val(f.identity), mailFromStatus: 'PENDING' } }),
    ],
    [
      'no MAIL FROM domain',
      'MAIL FROM',
      'warning',
      /set a MAIL FROM domain/,
      (f: AwsFacts) => (f.identity = { value: { ...val(f.identity), mailFromDomain: undefined, mailFromStatus: undefined } }),
    ],
    [
      'no MAIL FROM domain, so no SPF record to look up',
      'SPF',
      'warning',
      /custom MAIL FROM domain/,
      (f: AwsFacts) => (f.spf = { value: undefined }),
    ],
    [
      'no SPF record',
      'SPF',
      'warning',
      /v=spf1 include:amazonses\.com/,
      (f: AwsFacts) => (f.spf = { value: { domain: 'bounce.news.example.org', records: ['google-site-verification=abc'] } }),
    ],
    [
      'an SPF record without amazonses.com',
      'SPF',
      'warning',
      /TXT/,
      (f: AwsFacts) => (f.spf = { value: { domain: 'bounce.news.example.org', records: ['v=spf1 mx -all'] } }),
    ],
    [
      'two SPF records',
      'SPF',
      'warning',
      /one record/,
      (f: AwsFacts) =>
        (f.spf = { value: { domain: 'bounce.news.example.org', records: ['v=spf1 include:amazonses.com ~all', 'v=spf1 mx ~all'] } }),
    ],
    [
      'no DMARC record',
      'DMARC',
      'warning',
      /v=DMARC1; p=none/,
      (f: AwsFacts) => (f.dmarc = { value: { domain: '_dmarc.news.example.org', records: [] } }),
    ],
    [
      'a DMARC record without a policy',
      'DMARC',
      'warning',
      /_dmarc\.news\.example\.org TXT/,
      (f: AwsFacts) => (f.dmarc = { value: { domain: '_dmarc.news.example.org', records: ['v=DMARC1; rua=mailto:x@example.org'] } }),
    ],
    [
      'the SES sandbox',
      'production access',
      'blocking',
      /Request production access/,
      (f: AwsFacts) =>
        (f.account = {
          value: { ...val(f.account), productionAccessEnabled: false, quota: { maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 0 } },
        }),
    ],
    [
      'sending paused',
      'sending enabled',
      'blocking',
      /put-account-sending-attributes --sending-enabled/,
      (f: AwsFacts) => (f.account = { value: { ...val(f.account), sendingEnabled: false, enforcementStatus: 'HEALTHY' } }),
    ],
    [
      'the account shut down',
      'sending enabled',
      'blocking',
      /Support Center/,
      (f: AwsFacts) => (f.account = { value: { ...val(f.account), sendingEnabled: false, enforcementStatus: 'SHUTDOWN' } }),
    ],
    [
      'the account on probation',
      'sending enabled',
      'warning',
      /complaint rate under 0\.1 %/,
      (f: AwsFacts) => (f.account = { value: { ...val(f.account), enforcementStatus: 'PROBATION' } }),
    ],
    [
      'the daily quota used up',
      'quota and rate',
      'blocking',
      /24-hour window/,
      (f: AwsFacts) =>
        (f.account = { value: { ...val(f.account), quota: { maxSendRate: 14, max24HourSend: 50_000, sentLast24Hours: 50_000 } } }),
    ],
    [
      'a schedule that never runs again',
      'schedule',
      'warning',
      /scheduleCron/,
      (f: AwsFacts) => (f.schedule = { value: { expression: 'cron(0 7 ? * MON 2020)', timeZone: 'Europe/Brussels' } }),
    ],
    [
      'a schedule that is not a cron',
      'schedule',
      'warning',
      /scheduleCron/,
      (f: AwsFacts) => (f.schedule = { value: { expression: 'rate(7 days)', timeZone: 'Europe/Brussels' } }),
    ],
    [
      'an alarm subscription pending confirmation',
      'alarm subscription',
      'warning',
      /Confirm subscription.*ops@example\.org/,
      (f: AwsFacts) => (f.alarmSubscriptions = { value: [{ protocol: 'email', endpoint: 'ops@example.org', pending: true }] }),
    ],
    ['no alarm subscription', 'alarm subscription', 'warning', /alarmEmail/, (f: AwsFacts) => (f.alarmSubscriptions = { value: [] })],
    [
      'the public base URL not answering',
      'public base URL',
      'blocking',
      /publicBaseUrl/,
      (f: AwsFacts) => (f.health = { error: 'getaddrinfo ENOTFOUND news.example.org' }),
    ],
    [
      'the public base URL answering 502',
      'public base URL',
      'blocking',
      /publicBaseUrl/,
      (f: AwsFacts) => (f.health = { value: { url: 'https://news.example.org/health', status: 502 } }),
    ],
    [
      'a public base URL over plain http',
      'public base URL',
      'blocking',
      /publicBaseUrl/,
      (f: AwsFacts) => (f.health = { value: { url: 'http://news.example.org/health', status: 200 } }),
    ],
  ] as const)('%s fails "%s" (%s) with its fix', (_case, name, severity, fix, breakIt) => {
    const facts = healthyAws();
    breakIt(facts);
    const failed = onlyFailure(awsChecks(facts, NOW));
    expect(failed).toMatchObject({ name, ok: false, severity });
    expect(failed.fix).toMatch(fix);
    expect(blocks(awsChecks(facts, NOW))).toBe(severity === 'blocking');
  });

  it('an output the stack lacks makes its checks "unknown: redeploy", not a crash', () => {
    const facts = healthyAws();
    facts.schedule = { missing: 'DigestSchedule' };
    facts.alarmSubscriptions = { missing: 'AlarmTopicArn' };
    facts.health = { missing: 'PublicBaseUrl' };
    const checks = awsChecks(facts, NOW);
    for (const name of ['schedule', 'alarm subscription', 'public base URL']) {
      expect(check(checks, name)).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^unknown: the stack has no \w+ output$/),
        fix: expect.stringContaining('redeploy'),
      });
    }
    // Without the public base URL nobody can say the links work: that blocks.
    expect(blocks(checks)).toBe(true);
  });

  it('an SES question that fails (no permission) fails the checks it answers, each saying so', () => {
    const facts = healthyAws();
    facts.account = { error: 'AccessDeniedException: not authorized to perform ses:GetAccount' };
    const checks = awsChecks(facts, NOW);
    for (const name of ['production access', 'sending enabled', 'quota and rate']) {
      expect(check(checks, name)).toMatchObject({
        ok: false,
        severity: 'blocking',
        detail: expect.stringContaining('ses:GetAccount'),
        fix: expect.stringContaining('(ses:GetAccount)'),
      });
    }
  });
});

describe('doctor on the local stack', () => {
  it('a running local stack passes, saying the emulator has no GetSendQuota and which rate is used instead', () => {
    const checks = localChecks(healthyLocal(), NOW);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(check(checks, 'quota and rate').detail).toContain('fixed rate of 1000/s');
    expect(check(checks, 'schedule').detail).toContain('Mon 30 Nov 2026 07:00 Europe/Brussels');
    expect(blocks(checks)).toBe(false);
  });

  it('a GetSendQuota that fails (a 5xx from the endpoint) blocks: the sender guesses no rate then', () => {
    const facts = healthyLocal();
    facts.sendQuota = { error: 'ServiceUnavailable: down' };
    expect(onlyFailure(localChecks(facts, NOW))).toMatchObject({
      name: 'quota and rate',
      ok: false,
      detail: expect.stringContaining('GetSendQuota failed: ServiceUnavailable: down'),
    });
  });

  it('uses the quota GetSendQuota answers when something answers it', () => {
    const facts = healthyLocal();
    facts.sendQuota = { value: { maxSendRate: 14, max24HourSend: 200, sentLast24Hours: 3 } };
    expect(check(localChecks(facts, NOW), 'quota and rate')).toMatchObject({
      ok: true,
      detail: '14/s, 200 a day, 3 sent in the last 24 hours (197 left)',
    });
  });

  it.each([
    ['DynamoDB not answering', 'DynamoDB', 'blocking', (f: LocalFacts) => (f.tables = { error: 'connect ECONNREFUSED 127.0.0.1:8000' })],
    [
      'a table missing',
      'DynamoDB',
      'blocking',
      (f: LocalFacts) => (f.tables = { value: { wanted: ['a', 'b', 'c'], present: ['a', 'c'] } }),
    ],
    [
      'the SES endpoint not answering',
      'SES endpoint',
      'blocking',
      (f: LocalFacts) => (f.ses = { error: 'connect ECONNREFUSED 127.0.0.1:8005' }),
    ],
    [
      'the quota used up',
      'quota and rate',
      'blocking',
      (f: LocalFacts) => (f.sendQuota = { value: { maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 200 } }),
    ],
    [
      'a malformed local schedule',
      'schedule',
      'warning',
      (f: LocalFacts) => (f.schedule = { pattern: '0 7 * MON', timeZone: 'Europe/Brussels' }),
    ],
    [
      'the local /health not answering',
      'public base URL',
      'blocking',
      (f: LocalFacts) => (f.health = { error: 'connect ECONNREFUSED 127.0.0.1:3000' }),
    ],
  ] as const)('%s fails "%s" (%s) with its fix', (_case, name, severity, breakIt) => {
    const facts = healthyLocal();
    breakIt(facts);
    expect(onlyFailure(localChecks(facts, NOW))).toMatchObject({ name, ok: false, severity });
    expect(blocks(localChecks(facts, NOW))).toBe(severity === 'blocking');
  });

  it('names the missing table', () => {
    const facts = healthyLocal();
    facts.tables = { value: { wanted: ['a', 'b', 'c'], present: ['a', 'c'] } };
    expect(check(localChecks(facts, NOW), 'DynamoDB').detail).toContain('table(s) b are missing');
  });
});

describe('the printed report', () => {
  it('marks each check ✔ or ✗, puts the fix under a failure, tags warnings and ends with the verdict', () => {
    const facts = healthyAws();
    facts.account = {
      value: { ...val(facts.account), productionAccessEnabled: false, quota: { maxSendRate: 1, max24HourSend: 200, sentLast24Hours: 12 } },
    };
    facts.dmarc = { value: { domain: '_dmarc.news.example.org', records: [] } };
    const out = formatChecks('doctor: stack Briefing in eu-west-1', awsChecks(facts, NOW)).split('\n');
    expect(out[0]).toBe('doctor: stack Briefing in eu-west-1');
    expect(out).toContainEqual(expect.stringMatching(/^✔ identity verified +news\.example\.org is verified for sending$/));
    expect(out).toContainEqual(expect.stringMatching(/^✗ DMARC +no DMARC record .* \(warning\)$/));
    const sandbox = out.findIndex((l) => l.startsWith('✗ production access'));
    expect(out[sandbox + 1]).toMatch(/^ +fix: request production access/);
    expect(out[out.length - 1]).toBe('1 problem(s) block sending, 1 warning(s)');
  });

  it('says "ready to send" when nothing failed', () => {
    expect(formatChecks('t', awsChecks(healthyAws(), NOW)).split('\n').pop()).toBe('ready to send');
  });
});

function val<T>(fact: { value: T } | { error: string } | { missing: string }): T {
  if (!('value' in fact)) throw new Error('fixture has no value');
  return fact.value;
}
