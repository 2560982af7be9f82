/**
 * The sender's rate ports: the pacer and the daily allowance, from SES's GetSendQuota (or a fixed
 * or fallback rate), built once per process (lambdas/sender/handler.ts, the local runtime, the bench).
 */
import { logger } from './logger';
import { DailyAllowance, Pacer, senderRate, type SendQuota } from '../core/pacing';
import type { SendSettings } from '../core/send-settings';
import type { SendDeps } from '../usecases/send-batch';

/**
 * The rate limit of one sender: the fixed rate or the SES quota's share, divided by the most
 * senders that run at once. The quota is read once, on the first batch (a send's start), and
 * refreshed by the daily allowance every minute.
 *
 * `readQuota` answering undefined means the endpoint does not implement GetSendQuota (an
 * emulator; see adapters/send-quota.ts): the fallback rate (the local setting) applies then,
 * with no daily limit, and the endpoint is not asked again by this process. Without a fallback,
 * as on AWS, that is an error. The share applies to an answered quota wherever it comes from:
 * the same rule as on AWS, so a local run against an endpoint with a quota paces as production
 * would, and leaves the same room for confirmation mail sent alongside.
 */
export function ratePorts(settings: SendSettings, readQuota: () => Promise<SendQuota | undefined>): Pick<SendDeps, 'pacer' | 'allowance'> {
  // Monotonic and sub-millisecond: the pacer's windows are 1,000 ms to the microsecond, and a
  // wall clock that steps would open or close one.
  const now = () => performance.now();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const fallback = settings.sendRateFallback;
  let unanswered = false;
  let reading: Promise<SendQuota | undefined> | undefined;
  // The pacer and the allowance ask at once on the first send, or one after the other (the
  // allowance before the send, the pacer as it goes out): one request serves both.
  const quota = (): Promise<SendQuota | undefined> => {
    if (unanswered) return Promise.resolve(undefined);
    reading ??= readQuota()
      .then((q) => {
        if (q !== undefined) return q;
        if (fallback === undefined) throw new Error('the SES endpoint does not answer GetSendQuota, and no fallback send rate is set');
        unanswered = true;
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  /** The process's first answer, kept for the pacer and the allowance's first look (a failed one is asked again). */
  let first: Promise<SendQuota | undefined> | undefined;
  const firstQuota = () =>
    (first ??= quota().catch((e: unknown) => {
      first = undefined;
      throw e;
    }));
  let pacer: Promise<Pacer> | undefined;
  const makePacer = async () => {
    const q = settings.sendRate === undefined ? await firstQuota() : undefined;
    const source = settings.sendRate !== undefined ? 'fixed' : q ? 'quota' : 'fallback';
    const rate = senderRate(q, {
      fixedRate: settings.sendRate ?? (q ? undefined : fallback),
      share: settings.rateShare,
      concurrency: settings.senderConcurrency,
    });
    logger.info('send rate', { perSender: rate, concurrency: settings.senderConcurrency ?? 1, source, maxSendRate: q?.maxSendRate });
    return new Pacer(rate, now, sleep);
  };
  // A fixed rate is a local or test setting: there is no quota to count down then; nor is
  // there one from an endpoint that does not answer (unlimited, as the emulator is).
  const unlimited: SendQuota = { maxSendRate: fallback ?? 1, max24HourSend: -1, sentLast24Hours: 0 };
  // The allowance's later reads (every minute) ask SES again: the daily count moves.
  let looked = false;
  const allowanceQuota = () => {
    const fresh = looked;
    looked = true;
    return fresh ? quota() : firstQuota();
  };
  const allowance =
    settings.sendRate === undefined ? new DailyAllowance(async () => (await allowanceQuota()) ?? unlimited, now) : undefined;
  return {
    pacer: {
      take: async () => {
        pacer ??= makePacer().catch((e) => {
          pacer = undefined;
          throw e;
        });
        await (await pacer).take();
      },
    },
    allowance,
  };
}
