/**
 * How a failed send is treated, decided from the error's name, message and HTTP status only (so
 * this stays free of SDK imports). Throttling is never counted as sent or failed: it is retried.
 *
 * An account-level refusal is about the sending account, not the reader: every other reader
 * would get the same answer, so nobody is marked `failed` and the sender pauses (the breaker in
 * core/sending-brake.ts). SES's documented SendRawEmail errors that are account-level:
 * `AccountSendingPausedException`, `ConfigurationSetSendingPausedException`,
 * `ConfigurationSetDoesNotExist(Exception)`, `MailFromDomainNotVerifiedException`, access denied
 * (403), and `MessageRejected` "Email address is not verified. The following identities failed
 * the check in region …" (the From identity is not verified, or the account is in the sandbox
 * and the recipient is not verified: both are fixed in the account, not by the reader). Other
 * `MessageRejected` answers (e.g. "Address blacklisted.") stay per reader: `failed`.
 *
 * A request that got no answer in time (the client's deadline, `TimeoutError`) is `unknown`: SES
 * may have taken the message, so it is neither retried at once nor given back as unsent.
 */
export type SendErrorKind = 'throttled' | 'permanent' | 'transient' | 'daily-quota' | 'account' | 'unknown';

const THROTTLE_NAMES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);
const ACCOUNT_NAMES = new Set([
  'AccountSendingPausedException',
  'AccountSendingPaused',
  'ConfigurationSetSendingPausedException',
  'ConfigurationSetSendingPaused',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetDoesNotExist',
  'MailFromDomainNotVerifiedException',
  'MailFromDomainNotVerified',
  'AccessDenied',
  'AccessDeniedException',
]);
const PERMANENT_NAMES = new Set(['MessageRejected', 'InvalidParameterValue']);
/** SES's message for an unverified identity, sender or (in the sandbox) recipient. */
const NOT_VERIFIED = /email address is not verified|identities failed the check|not authorized to send from/i;

export function classifySendError(err: unknown): SendErrorKind {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const message = e?.message ?? '';
  // SES answers a used-up daily quota with the throttling code; retrying in seconds won't help.
  if (/daily message quota exceeded/i.test(message)) return 'daily-quota';
  if (THROTTLE_NAMES.has(name) || /maximum sending rate exceeded/i.test(message)) return 'throttled';
  if (name === 'TimeoutError' || name === 'RequestTimeout') return 'unknown';
  if (ACCOUNT_NAMES.has(name)) return 'account';
  if (name === 'MessageRejected' && NOT_VERIFIED.test(message)) return 'account';
  if (PERMANENT_NAMES.has(name)) return 'permanent';
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429) return 'throttled';
  // 403: the account's identity or policy, not this reader.
  if (status === 403) return 'account';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return 'permanent';
  return 'transient';
}
