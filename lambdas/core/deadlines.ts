/**
 * How long an AWS call may take on Lambda (the SDK clients are made with these deadlines in
 * adapters/clients.ts), and so how much time a sender keeps in hand before its timeout.
 */

/** Attempts per call (the SDK's standard retry mode: the first and two retries). */
export const SDK_ATTEMPTS = 3;

/** Per attempt: the time to connect, and the time from sending the request to the whole answer. */
export interface SdkDeadlines {
  connectionTimeout: number;
  requestTimeout: number;
}

/** On Lambda: an answer from an AWS service in the region comes in well under a second. */
export const LAMBDA_SDK_DEADLINES: SdkDeadlines = { connectionTimeout: 1_500, requestTimeout: 5_000 };
/**
 * The most one call can take on Lambda: every attempt to its deadlines, and the standard retry
 * mode's longest waits between them (throttling errors wait on a 500 ms base: 1 s, then 2 s).
 */
export const LAMBDA_SDK_CALL_MAX_MS = SDK_ATTEMPTS * (LAMBDA_SDK_DEADLINES.connectionTimeout + LAMBDA_SDK_DEADLINES.requestTimeout) + 3_000;
/** The most one SES call can take on Lambda: one attempt. */
export const LAMBDA_SES_CALL_MAX_MS = LAMBDA_SDK_DEADLINES.connectionTimeout + LAMBDA_SDK_DEADLINES.requestTimeout;
