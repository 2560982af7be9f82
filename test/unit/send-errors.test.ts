import { classifySendError } from '../../lambdas/core/send-errors';
import { sesError } from './fakes';

describe('classifying SES send errors', () => {
  it('treats throttling as throttled (retried, never counted)', () => {
    expect(classifySendError(sesError('Throttling', 400))).toBe('throttled');
    expect(classifySendError(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' }))).toBe('throttled');
    expect(classifySendError(sesError('Whatever', 429))).toBe('throttled');
  });
  it('treats a rejected message as permanent', () => {
    expect(classifySendError(sesError('MessageRejected', 400))).toBe('permanent');
  });
  it('treats 5xx, timeouts, network errors and access problems as transient', () => {
    expect(classifySendError(sesError('InternalFailure', 500))).toBe('transient');
    expect(classifySendError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).toBe('transient');
    expect(classifySendError(sesError('AccessDenied', 403))).toBe('transient');
  });
});

describe('classifying a used-up daily quota', () => {
  it('tells "Daily message quota exceeded" apart from rate throttling (same Throttling code)', () => {
    expect(classifySendError(Object.assign(new Error('Daily message quota exceeded.'), { name: 'Throttling' }))).toBe('daily-quota');
  });
});
