/**
 * The sender's identity at deploy: organisation and postal address are required (a synth
 * without them stops, naming the -c flag, like a placeholder sender does), Reply-To is checked
 * as an address with no line break, and every function that renders mail gets them in its
 * environment. The sign-ups function, which sends the welcome, also gets the digest's schedule and
 * read access to the Content table (the latest issue to link).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/core/function-env';
import { readConfig } from '../../lib/config';
import { build, defaults, synth } from './synth';

const REAL = { senderEmail: 'brief@news.briefing-mail.eu', allowPlaceholderSender: undefined };
const IDENTITY = { organisationName: 'Briefing Mail SRL', postalAddress: 'Rue de la Loi 1, 1000 Brussels, Belgium' };

function errorFor(context: Record<string, unknown>): string {
  const all: Record<string, unknown> = { ...defaults, ...context };
  try {
    readConfig((key) => all[key]);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(context)}`);
}

function functionVars(t: Template, description: RegExp): Record<string, unknown> {
  const found = Object.values(t.findResources('AWS::Lambda::Function')).filter((f) => description.test(String(f.Properties.Description)));
  expect(found).toHaveLength(1);
  return found[0].Properties.Environment.Variables as Record<string, unknown>;
}

describe('organisation and postal address are required at deploy', () => {
  it.each(['organisationName', 'postalAddress'])('a synth without %s stops, naming the -c flag', (key) => {
    const message = errorFor({ ...REAL, ...IDENTITY, [key]: undefined });
    expect(message).toContain(`${key} is missing (not set)`);
    expect(message).toContain(`-c ${key}=`);
    expect(() => build({ ...REAL, ...IDENTITY, [key]: undefined })).toThrow(new RegExp(`${key} .*-c ${key}=`, 's'));
  });

  it('names both when both are missing, and accepts them once given', () => {
    const message = errorFor(REAL);
    expect(message).toMatch(/organisationName[^\n]*-c organisationName=/);
    expect(message).toMatch(/postalAddress[^\n]*-c postalAddress=/);
    expect(() => build({ ...REAL, ...IDENTITY })).not.toThrow();
  });

  it('refuses a line break in either', () => {
    expect(errorFor({ ...REAL, ...IDENTITY, postalAddress: 'Rue de la Loi 1\n1000 Brussels' })).toMatch(/postalAddress must be one line/);
  });

  it('with allowPlaceholderSender (tests, CI) a synth without them uses marked placeholders', () => {
    const config = readConfig((key) => defaults[key]);
    expect(config.organisationName).toMatch(/placeholder/);
    expect(config.postalAddress).toMatch(/placeholder/);
  });
});

describe('Reply-To', () => {
  it('is optional, and checked as an address', () => {
    expect(readConfig((key) => defaults[key]).replyToEmail).toBeUndefined();
    expect(errorFor({ replyToEmail: 'not an address' })).toMatch(/replyToEmail must be an email address.*-c replyToEmail=/s);
  });

  it('refuses a header-injection attempt with a clear error', () => {
    expect(errorFor({ replyToEmail: 'editors@example.org\r\nBcc: victim@example.net' })).toMatch(
      /replyToEmail must be one line \(a line break in a header would let it add headers of its own\)/,
    );
  });
});

describe('every function that renders mail gets the identity', () => {
  const t = synth({ ...IDENTITY, replyToEmail: 'editors@briefing-mail.eu' });

  it.each([
    ['the sender (digests and alerts)', /SendRawEmail/],
    ['the sign-ups function (confirmation and welcome)', /queued sign-ups/i],
  ])('%s', (_name, description) => {
    const vars = functionVars(t, description);
    expect(vars[ENV.organisationName]).toBe(IDENTITY.organisationName);
    expect(vars[ENV.postalAddress]).toBe(IDENTITY.postalAddress);
    expect(vars[ENV.replyToEmail]).toBe('editors@briefing-mail.eu');
  });

  it('no Reply-To variable when none is set', () => {
    expect(functionVars(synth(), /SendRawEmail/)).not.toHaveProperty([ENV.replyToEmail]);
  });

  it('the sign-ups function (which sends the welcome) gets the digest schedule and time zone as scheduled, and reads the Content table', () => {
    const vars = functionVars(t, /queued sign-ups/i);
    expect(vars[ENV.digestScheduleCron]).toBe(defaults.scheduleCron);
    expect(vars[ENV.digestTimeZone]).toBe(defaults.timeZone);
    expect(vars[ENV.contentTable]).toEqual({ Ref: expect.stringMatching(/^StorageContent/) });
    const apiRole = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => /^SignupsHandler/.test(id));
    expect(apiRole.length).toBeGreaterThan(0);
    const statements = JSON.stringify(apiRole.map(([, p]) => p.Properties.PolicyDocument.Statement));
    expect(statements).toMatch(/dynamodb:GetItem/);
    expect(statements).toMatch(/StorageContent/);
  });

  it('the schedule the API function is told is the one EventBridge Scheduler runs', () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: defaults.scheduleCron,
      ScheduleExpressionTimezone: defaults.timeZone,
      Target: Match.anyValue(),
    });
  });
});
