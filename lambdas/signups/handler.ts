/**
 * Sign-ups. Triggered by the sign-up queue (SQS; the API puts one sign-up or welcome in each
 * message, core/signup-job.ts): runs the subscribe use-case (look the address up, store it as
 * pending, send the confirmation, within the cooling period and the mailbox limit) or sends the
 * welcome of a confirmed reader (usecases/subscribe.ts). Partial batch failures go back through
 * Powertools' batch processor; a job that keeps failing (a confirmation SES would not take, a
 * malformed message) ends in the queue's dead-letter queue, which is alarmed. Every step is safe
 * to repeat: a redelivered sign-up finds its confirmation sent within the hour and sends none, a
 * redelivered welcome finds `welcomedAt`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { addressDigestLoader } from '../adapters/address-key';
import { withLambdaContext } from '../adapters/lambda-context';
import { logger } from '../adapters/logger';
import { maskEmail, verifyAddressKey, type AddressDigest } from '../core/address';
import { readEnv } from '../core/env';
import type { Clock, ContentStore, Mailer, RateLimiter, SubscriptionStore } from '../core/ports';
import { parseSignupJob } from '../core/signup-job';
import type { SigningKeys } from '../core/tokens';
import { subscribe, welcome, type SubscriptionDeps } from '../usecases/subscribe';
import type { MailSettings } from '../core/mail-settings';
import type { NewsletterSettings } from '../core/topics';
import { cachedSettings } from '../usecases/newsletter-settings';
import { documentClient, dynamoPorts, sesClient, sesPorts, signingKeysLoader, systemClock } from '../wiring';

export interface SignupsHandlerDeps {
  subscribers: SubscriptionStore;
  mailer: Mailer;
  clock: Clock;
  keys: () => Promise<SigningKeys>;
  digest: () => Promise<AddressDigest>;
  mail: MailSettings;
  /** Confirmations per mailbox (DynamoDB, core/sign-up-limits.ts ADDRESS_RULES). */
  mailboxLimit?: RateLimiter;
  coolingMs?: number;
  allowReservedDomains?: boolean;
  content?: Pick<ContentStore, 'latestIssue'>;
  /** The newsletter's settings: the topics' labels in both messages. */
  settings?: () => Promise<NewsletterSettings>;
}

/** Thrown to hand a sign-up back to the queue: its confirmation did not go out. */
export class ConfirmationNotSent extends Error {
  name = 'ConfirmationNotSent';
}

export function makeSignupsHandler(deps: SignupsHandlerDeps) {
  // Once a process: a key other than the table's would let erased addresses sign up again.
  let keyChecked: Promise<void> | undefined;
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    const digest = await deps.digest();
    keyChecked ??= verifyAddressKey(deps.subscribers, digest).catch((e: unknown) => {
      keyChecked = undefined;
      throw e;
    });
    await keyChecked;
    const useCase: SubscriptionDeps = {
      ...deps,
      keys: await deps.keys(),
      digest,
      log: (e, f) => logger.info(e, f),
    };
    const handle = async (r: SQSRecord) => {
      const job = parseSignupJob(r.body);
      if (job.kind === 'welcome') {
        const outcome = await welcome(useCase, job.subscriberId);
        logger.info('welcome', { outcome });
        return;
      }
      const result = await subscribe(useCase, { email: job.email, choices: job.choices, meta: job.meta, at: new Date(job.at) });
      // The API checked the address: one refused here is a job made by something else.
      if (result.status === 'invalid-address')
        logger.warn('sign-up dropped: invalid address', { email: maskEmail(job.email), reason: result.reason });
      else if (result.outcome === 'mail-failed')
        throw new ConfirmationNotSent('the confirmation was not sent; the queue retries the sign-up');
    };
    // Each failure is logged with its message id and receive count, so a job that ends in the
    // dead-letter queue (alarmed) has its cause in the logs; the queue retries the others.
    const record = (r: SQSRecord) =>
      handle(r).catch((e: unknown) => {
        logger.error('sign-up job failed', {
          messageId: r.messageId,
          receiveCount: r.attributes?.ApproximateReceiveCount,
          error: (e as Error).name,
          message: (e as Error).message.slice(0, 300),
        });
        throw e;
      });
    // A batch that failed whole (one bad job alone) is reported like any other: its items come
    // back, and the dead-letter queue's alarm, not a function error, says when one keeps failing.
    return processPartialResponse(event, record, processor, { context: context as Context, throwOnFullBatchFailure: false });
  };
}

export function depsFromEnv(): SignupsHandlerDeps {
  const env = readEnv([
    'subscribersTable',
    'contentTable',
    'tokenSecretArn',
    'tokenKeys',
    'addressKeySecretArn',
    'addressKey',
    'senderEmail',
    'senderName',
    'publicBaseUrl',
    'configurationSet',
    'organisationName',
    'postalAddress',
    'replyToEmail',
    'digestScheduleCron',
    'digestTimeZone',
    'digestDelivery',
    'digestLocalTime',
    'signupCoolingDays',
    'reservedDomains',
  ]);
  const db = dynamoPorts(documentClient(), { subscribers: env.subscribersTable, content: env.contentTable });
  // The welcome says when the digest arrives (the schedule as deployed) and links the latest issue.
  const digestSchedule =
    env.digestScheduleCron && env.digestTimeZone
      ? {
          cron: env.digestScheduleCron,
          timeZone: env.digestTimeZone,
          ...(env.digestDelivery === 'local-time' && { localTime: env.digestLocalTime }),
        }
      : undefined;
  return {
    subscribers: db.subscriptions,
    mailer: sesPorts(sesClient(), env.configurationSet).mailer,
    clock: systemClock,
    keys: signingKeysLoader(env),
    digest: addressDigestLoader(env),
    mail: { ...env, digestSchedule },
    mailboxLimit: db.mailboxLimit(systemClock),
    coolingMs: env.signupCoolingDays * 24 * 60 * 60_000,
    allowReservedDomains: env.reservedDomains,
    content: db.content,
    // Topics named by their published labels, read at most once a minute.
    settings: cachedSettings(db.settings, systemClock),
  };
}

let fromEnv: ReturnType<typeof makeSignupsHandler> | undefined;
export const handler = withLambdaContext((event: SQSEvent, context?: Context) =>
  (fromEnv ??= makeSignupsHandler(depsFromEnv()))(event, context),
);
