import { classifySendError } from '../../lambdas/core/send-errors';
import { sesError } from './fakes';

const err = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('classifying SES send errors', () => {
  it('treats throttling as throttled (retried, never counted)', () => {
    expect(classifySendError(sesError('Throttling', 400))).toBe('throttled');
    expect(classifySendError(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' }))).toBe('throttled');
    expect(classifySendError(sesError('Whatever', 429))).toBe('throttled');
  });
  it("treats a rejection of this reader's message as permanent (the reader is marked failed)", () => {
    expect(classifySendError(sesError('MessageRejected', 400))).toBe('permanent');
    expect(classifySendError(err('MessageRejected', 'Address blacklisted.'))).toBe('permanent');
    expect(classifySendError(err('InvalidParameterValue', 'Missing final @domain'))).toBe('permanent');
  });
  it('treats 5xx and network errors as transient', () => {
    expect(classifySendError(sesError('InternalFailure', 500))).toBe('transient');
    expect(classifySendError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'Error' }))).toBe('transient');
  });

  it('treats a request with no answer in time (the client deadline) as outcome unknown: SES may have taken it', () => {
    expect(classifySendError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).toBe('unknown');
  });
});

describe('classifying account-level refusals (nobody is marked failed; the sender pauses)', () => {
  it.each([
    [
      'sandbox: an unverified recipient',
      err(
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: r1@example.com',
      ),
    ],
    [
      'the From identity not verified',
      err(
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region US-EAST-1: brief@news.example.com',
      ),
    ],
    ['MAIL FROM domain not verified', err('MailFromDomainNotVerifiedException', 'Could not read the MX record of the MAIL FROM domain')],
    ['configuration set missing (SDK name)', err('ConfigurationSetDoesNotExistException', 'Configuration set <briefing> does not exist.')],
    ['configuration set missing (wire code)', err('ConfigurationSetDoesNotExist', 'Configuration set <briefing> does not exist.')],
    ['account sending paused', err('AccountSendingPausedException', 'Sending is paused for this account.')],
    ['configuration set sending paused', err('ConfigurationSetSendingPausedException', 'Sending is paused for this configuration set.')],
    ['access denied', err('AccessDenied', 'User is not authorized to perform ses:SendRawEmail', 403)],
    ['any 403', err('SomethingElse', 'forbidden', 403)],
  ])('%s', (_label, e) => {
    expect(classifySendError(e)).toBe('account');
  });
});

describe('classifying a used-up daily quota', () => {
  it('tells "Daily message quota exceeded" apart from rate throttling (same Throttling code)', () => {
    expect(classifySendError(Object.assign(new Error('Daily message quota exceeded.'), { name: 'Throttling' }))).toBe('daily-quota');
  });
});
