/**
 * How a failed send is treated, decided from the error's name and HTTP status only (so this
 * stays free of SDK imports). Throttling is never counted as sent or failed: it is retried.
 */
export type SendErrorKind = 'throttled' | 'permanent' | 'transient' | 'daily-quota';

const THROTTLE_NAMES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);
const PERMANENT_NAMES = new Set([
  'MessageRejected',
  'InvalidParameterValue',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
]);

export function classifySendError(err: unknown): SendErrorKind {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  // SES answers a used-up daily quota with the throttling code; retrying in seconds won't help.
  if (/daily message quota exceeded/i.test(e?.message ?? '')) return 'daily-quota';
  if (THROTTLE_NAMES.has(name) || /maximum sending rate exceeded/i.test(e?.message ?? '')) return 'throttled';
  if (PERMANENT_NAMES.has(name)) return 'permanent';
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429) return 'throttled';
  // 403 is a configuration problem (identity, policy), not this recipient's: retry, then dead-letter.
  if (status !== undefined && status >= 400 && status < 500 && status !== 403 && status !== 408) return 'permanent';
  return 'transient';
}
