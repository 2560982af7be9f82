import { App } from 'aws-cdk-lib';
import { configFromContext, readConfig } from '../../lib/config';

// cdk.json's sender (example.com) is a placeholder a real deploy refuses; the tests allow it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- cdk.json is read as plain data, outside the TypeScript module graph
const defaults: Record<string, unknown> = { ...require('../../cdk.json').context, allowPlaceholderSender: true };

/** Read the config with the cdk.json defaults, some keys replaced (undefined removes one). */
const readWith = (overrides: Record<string, unknown>) => readConfig((key) => (key in overrides ? overrides[key] : defaults[key]));

/** The error message readConfig throws for `overrides`; fails the test if it does not throw. */
function errorFor(overrides: Record<string, unknown>): string {
  try {
    readWith(overrides);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(overrides)}`);
}

describe('readConfig', () => {
  it('accepts the cdk.json defaults and types them', () => {
    const config = readWith({});
    expect(config).toEqual({
      senderEmail: 'newsletter@example.com',
      senderName: 'EU–Japan Security Brief',
      newsletterName: 'EU–Japan Security Brief',
      organisationName: 'Example Organisation (placeholder)',
      postalAddress: '1 Example Street, 0000 Example City (placeholder)',
      scheduleCron: 'cron(0 7 ? * MON *)',
      timeZone: 'Europe/Brussels',
      digestDelivery: 'schedule',
      digestLocalTime: '07:00',
      senderConcurrency: 2,
      alertDailyCap: 3,
      allowPlaceholderSender: true,
      mailFromDomain: 'bounce.example.com',
      dmarcRecord: 'create',
      existingIdentity: false,
      clickTracking: 'aggregate',
      openTracking: false,
      signupCoolingDays: 30,
      auditRetentionDays: 400,
    });
  });

  it('refuses an audit retention of 0 days, of part of a day, or in words, naming the setting', () => {
    expect(() => readWith({ auditRetentionDays: '0' })).toThrow(/auditRetentionDays must be at least 1/);
    expect(() => readWith({ auditRetentionDays: '1.5' })).toThrow(/auditRetentionDays must be a whole number of days from 1 to 3650/);
    expect(() => readWith({ auditRetentionDays: 'a year' })).toThrow(/auditRetentionDays/);
    expect(readWith({ auditRetentionDays: '30' }).auditRetentionDays).toBe(30);
  });

  it('refuses a cooling period that is not a whole number of days from 0 to 3650, naming the setting', () => {
    expect(() => readWith({ signupCoolingDays: 'a month' })).toThrow(/signupCoolingDays must be a whole number of days from 0 to 3650/);
    expect(() => readWith({ signupCoolingDays: '-1' })).toThrow(/signupCoolingDays/);
    expect(readWith({ signupCoolingDays: '7' }).signupCoolingDays).toBe(7);
  });

  it('refuses an unknown clickTracking mode and openTracking=true (opens are not tracked by design), naming the setting', () => {
    expect(() => readWith({ clickTracking: 'everything' })).toThrow(/clickTracking must be one of aggregate, per-reader, off/);
    expect(() => readWith({ openTracking: 'true' })).toThrow(/openTracking is not implemented: opens are not tracked by design/);
    expect(readWith({ clickTracking: 'per-reader' }).clickTracking).toBe('per-reader');
  });

  it('reads the same settings from an App context', () => {
    const app = new App({ context: defaults });
    expect(configFromContext(app)).toEqual(readWith({}));
  });

  it('turns -c strings into numbers and strips a trailing slash from publicBaseUrl', () => {
    const config = readWith({ senderConcurrency: '10', publicBaseUrl: 'https://news.example.org/', alarmEmail: 'ops@example.org' });
    expect(config.senderConcurrency).toBe(10);
    expect(config.publicBaseUrl).toBe('https://news.example.org');
    expect(config.alarmEmail).toBe('ops@example.org');
  });

  it('treats an empty optional setting (-c alarmEmail=) as absent', () => {
    const config = readWith({ alarmEmail: '', publicBaseUrl: '' });
    expect(config).not.toHaveProperty('alarmEmail');
    expect(config).not.toHaveProperty('publicBaseUrl');
  });

  it('rejects a missing senderEmail, naming the setting and how to set it', () => {
    const message = errorFor({ senderEmail: undefined });
    expect(message).toMatch(/senderEmail/);
    expect(message).toMatch(/not set/);
    expect(message).toContain('-c senderEmail=you@yourdomain.example');
    expect(message).toContain('cdk.json');
  });

  it('rejects a senderEmail that is not an address ("newsletter-at-example.com")', () => {
    const message = errorFor({ senderEmail: 'newsletter-at-example.com' });
    expect(message).toMatch(/senderEmail must be an email address \(got "newsletter-at-example.com"\)/);
  });

  it('rejects an unknown time zone ("Europe/Atlantis")', () => {
    expect(errorFor({ timeZone: 'Europe/Atlantis' })).toMatch(/timeZone must be an IANA time zone.*-c timeZone=/);
  });

  it.each([
    ['a 5-field Unix cron', '0 7 * * 1', /must look like cron\(/],
    ['5 fields inside cron()', 'cron(0 7 ? * MON)', /6 fields.*found 5/],
    ['both day fields given', 'cron(0 7 1 * MON *)', /day-of-month or day-of-week must be "\?"/],
  ])('rejects a bad scheduleCron: %s', (_what, cron, reason) => {
    const message = errorFor({ scheduleCron: cron });
    expect(message).toMatch(/scheduleCron/);
    expect(message).toMatch(reason);
  });

  it('rejects a sender name with a line break (header injection)', () => {
    expect(errorFor({ senderName: 'Brief\r\nBcc: x@example.org' })).toMatch(/senderName must be one line/);
  });

  it('rejects an http (not https) publicBaseUrl', () => {
    expect(errorFor({ publicBaseUrl: 'http://news.example.org' })).toMatch(/publicBaseUrl must be an https URL/);
  });

  it.each([[1], [51], [2.5], ['many']])('rejects senderConcurrency %p', (value) => {
    expect(errorFor({ senderConcurrency: value })).toMatch(/senderConcurrency/);
  });

  it('reports every bad setting at once', () => {
    const message = errorFor({ senderEmail: 'nope', timeZone: 'Nowhere/Town' });
    expect(message).toMatch(/senderEmail/);
    expect(message).toMatch(/timeZone/);
  });
});

describe('production settings', () => {
  const real = {
    senderEmail: 'brief@news.briefing-mail.eu',
    allowPlaceholderSender: undefined,
    organisationName: 'Briefing Mail SRL',
    postalAddress: 'Rue de la Loi 1, 1000 Brussels, Belgium',
  };

  it.each([
    'newsletter@example.com',
    'x@sub.example.org',
    'x@example.net',
    'x@brief.example',
    'x@brief.test',
    'x@brief.invalid',
    'x@mail.localhost',
  ])('refuses the placeholder sender %s unless allowPlaceholderSender is set, naming -c senderEmail=', (senderEmail) => {
    const message = errorFor({ senderEmail, allowPlaceholderSender: undefined });
    expect(message).toMatch(/senderEmail .* reserved for examples/);
    expect(message).toContain('-c senderEmail=');
    expect(message).toContain('allowPlaceholderSender=true');
    expect(readWith({ senderEmail, allowPlaceholderSender: 'true' }).senderEmail).toBe(senderEmail);
  });

  it('does not take a real domain that merely contains "example" for a placeholder', () => {
    expect(
      readWith({
        senderEmail: 'brief@myexample.com',
        allowPlaceholderSender: undefined,
        organisationName: 'Briefing Mail SRL',
        postalAddress: 'Rue de la Loi 1, 1000 Brussels, Belgium',
      }).senderEmail,
    ).toBe('brief@myexample.com');
  });

  it('defaults the MAIL FROM domain to bounce.<sender domain>, DMARC to create, and the identity to a new one', () => {
    const config = readWith(real);
    expect(config.mailFromDomain).toBe('bounce.news.briefing-mail.eu');
    expect(config.dmarcRecord).toBe('create');
    expect(config.existingIdentity).toBe(false);
    expect(config.allowPlaceholderSender).toBe(false);
  });

  it('refuses a MAIL FROM domain outside the sender domain', () => {
    expect(errorFor({ ...real, mailFromDomain: 'bounce.other.eu' })).toMatch(
      /mailFromDomain bounce.other.eu must be a subdomain of the sender domain news.briefing-mail.eu/,
    );
  });

  it('wants hostedZoneId and hostedZoneName together, and a zone that holds the sender domain', () => {
    expect(errorFor({ ...real, hostedZoneId: 'Z0123456789EXAMPLE' })).toMatch(/hostedZoneId and hostedZoneName are given together/);
    expect(errorFor({ ...real, hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'other.eu' })).toMatch(
      /hostedZoneName other.eu does not hold the sender domain/,
    );
    expect(readWith({ ...real, hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'briefing-mail.eu.' }).hostedZoneName).toBe(
      'briefing-mail.eu',
    );
  });

  it('reads true/false flags given as -c strings and refuses anything else', () => {
    expect(readWith({ ...real, existingIdentity: 'true' }).existingIdentity).toBe(true);
    expect(readWith({ ...real, existingIdentity: 'false' }).existingIdentity).toBe(false);
    expect(errorFor({ ...real, existingIdentity: 'yes' })).toMatch(/existingIdentity must be true or false.*-c existingIdentity=true/);
  });

  it('takes dmarcRecord create or skip only', () => {
    expect(readWith({ ...real, dmarcRecord: 'skip' }).dmarcRecord).toBe('skip');
    expect(errorFor({ ...real, dmarcRecord: 'none' })).toMatch(/dmarcRecord must be create or skip/);
  });

  it('refuses an apiDomainName that is the MAIL FROM domain (given or the bounce.<sender domain> default), naming both settings', () => {
    const zone = { hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'briefing-mail.eu' };
    expect(errorFor({ ...real, ...zone, apiDomainName: 'bounce.news.briefing-mail.eu' })).toMatch(
      /apiDomainName bounce.news.briefing-mail.eu is the MAIL FROM domain.*-c apiDomainName=api.news.briefing-mail.eu.*-c mailFromDomain=/s,
    );
    expect(
      errorFor({ ...real, ...zone, mailFromDomain: 'mail.news.briefing-mail.eu', apiDomainName: 'mail.news.briefing-mail.eu' }),
    ).toMatch(/apiDomainName mail.news.briefing-mail.eu is the MAIL FROM domain/);
    expect(
      readWith({ ...real, ...zone, mailFromDomain: 'mail.news.briefing-mail.eu', apiDomainName: 'bounce.news.briefing-mail.eu' })
        .apiDomainName,
    ).toBe('bounce.news.briefing-mail.eu');
  });

  it('refuses corsOrigins the API function would refuse at cold start (a path, no scheme), naming -c corsOrigins=', () => {
    expect(errorFor({ corsOrigins: 'https://www.briefing-mail.eu/subscribe' })).toMatch(/corsOrigins must list origins .*-c corsOrigins=/s);
    expect(errorFor({ corsOrigins: 'https://ok.briefing-mail.eu, www.briefing-mail.eu' })).toMatch(
      /corsOrigins must list origins .*got "https:\/\/ok.briefing-mail.eu, www.briefing-mail.eu"/s,
    );
  });

  it('reads corsOrigins as a list, trimmed and without a trailing slash (a browser Origin has none)', () => {
    expect(readWith({ corsOrigins: 'https://www.briefing-mail.eu/, https://briefing-mail.eu:8443' }).corsOrigins).toEqual([
      'https://www.briefing-mail.eu',
      'https://briefing-mail.eu:8443',
    ]);
    expect(readWith({ corsOrigins: '' }).corsOrigins).toBeUndefined();
  });

  it('wants a certificate or a zone for apiDomainName, and apiDomainName for certificateArn', () => {
    expect(errorFor({ ...real, apiDomainName: 'api.briefing-mail.eu' })).toMatch(/apiDomainName api.briefing-mail.eu needs a certificate/);
    expect(errorFor({ ...real, certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd' })).toMatch(
      /certificateArn is only used with apiDomainName/,
    );
    expect(
      readWith({ ...real, apiDomainName: 'api.briefing-mail.eu', hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'briefing-mail.eu' })
        .apiDomainName,
    ).toBe('api.briefing-mail.eu');
  });
});
