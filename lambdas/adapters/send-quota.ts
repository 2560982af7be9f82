/**
 * Asking an SES endpoint for the account's sending limits when it may be an emulator that does
 * not implement GetSendQuota: the local mode's way of following the quota wherever the endpoint
 * answers it (on AWS the sender reads it with readSendQuota, and a failure is an error).
 *
 * Three outcomes, kept apart:
 * - answered: the quota, used as on AWS;
 * - not answered: the endpoint does not implement the call. aws-ses-v2-local (2.10) neither
 *   errs nor answers 404: its `POST /` route handles only SendEmail and SendRawEmail and holds
 *   any other action open without a response, so "no HTTP response at all within
 *   {@link QUOTA_ANSWER_MS}" counts, as do a 404 or 501 and the errors other emulators give for
 *   an unknown action;
 * - anything else (connection refused or reset, a 5xx, throttling, bad credentials): thrown.
 *   The endpoint may well implement GetSendQuota; falling back to a local rate then could send
 *   faster than the account allows. So are 5xx answers that the SDK's retries carry past the
 *   deadline: the endpoint did answer, just not with the quota.
 */
import { GetSendQuotaCommand, type SESClient } from '@aws-sdk/client-ses';
import type { SendQuota } from '../core/pacing';

/**
 * How long an endpoint has to answer GetSendQuota before it counts as not implementing it.
 * An endpoint on this machine that implements it answers in milliseconds; two seconds leave
 * room for a machine busy with DynamoDB Local and tests, and are paid once per process (the
 * first send), only against an endpoint that never answers.
 */
export const QUOTA_ANSWER_MS = 2_000;

/** Error names emulators give for an action they do not know. */
const UNKNOWN_ACTION = new Set([
  'InvalidAction',
  'UnknownOperationException',
  'UnknownOperation',
  'NotImplemented',
  'NotImplementedException',
  'UnsupportedOperation',
]);

/** @returns the quota, or undefined when the endpoint does not answer GetSendQuota. @throws on any other failure. */
export async function askSendQuota(ses: SESClient, timeoutMs = QUOTA_ANSWER_MS): Promise<SendQuota | undefined> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const command = new GetSendQuotaCommand({});
  // The status of the last HTTP response any attempt got: a deadline passed after one is not silence.
  let lastStatus: number | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        lastStatus = (out.response as { statusCode?: number } | undefined)?.statusCode ?? lastStatus;
        return out;
      } catch (error) {
        lastStatus = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? lastStatus;
        throw error;
      }
    },
    { step: 'deserialize', name: 'briefingQuotaResponded' },
  );
  try {
    const out = await ses.send(command, { abortSignal: deadline });
    if (out.MaxSendRate === undefined) return undefined; // a 200 without the quota in it is no answer either
    return { maxSendRate: out.MaxSendRate, max24HourSend: out.Max24HourSend ?? -1, sentLast24Hours: out.SentLast24Hours ?? 0 };
  } catch (error) {
    if (deadline.aborted) {
      if (lastStatus === undefined) return undefined;
      throw Object.assign(
        new Error(`GetSendQuota: the SES endpoint answered HTTP ${lastStatus} until the ${timeoutMs} ms deadline`, { cause: error }),
        {
          $metadata: { httpStatusCode: lastStatus },
        },
      );
    }
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === 404 || status === 501 || UNKNOWN_ACTION.has(e.name ?? '') || UNKNOWN_ACTION.has(e.Code ?? '')) return undefined;
    throw error;
  }
}
