import { App } from 'aws-cdk-lib';
import { configFromContext, readConfig } from '../../lib/config';

// cdk.json's sender (example.com) is a placeholder a real deploy refuses; the tests allow it.
const defaults: Record<string, unknown> = { ...require('../../cdk.json').context, allowPlaceholderSender: true };

/** Read the config with the cdk.json defaults, some keys replaced (undefined removes one). */
const readWith = (overrides: Record<string, unknown>) =>
  readConfig((key) => (key in overrides ? overrides[key] : defaults[key]));

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
      scheduleCron: 'cron(0 7 ? * MON *)',
      timeZone: 'Europe/Brussels',
      senderConcurrency: 2,
      alertDailyCap: 3,
      allowPlaceholderSender: true,
      mailFromDomain: 'bounce.example.com',
      dmarcRecord: 'create',
      existingIdentity: false,
    });
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
