/**
 * GET /confirm?token=… shows a page with a button and changes nothing (mail scanners follow
 * links); POST /confirm is the button: it confirms the address and queues the welcome message
 * (the sign-ups function sends it).
 */
import { logger } from '../../adapters/logger';
import { mailAddress } from '../../core/model';
import { signToken } from '../../core/tokens';
import { checkConfirmToken, confirm } from '../../usecases/confirm';
import type { ApiRequest, Result, Route } from '../http';
import { metaOf, tokenOf, type RouteContext } from './context';

export const confirmRoutes = (rc: RouteContext): Route[] => [
  { method: 'GET', path: '/confirm', handle: (req) => showConfirm(rc, req) },
  { method: 'POST', path: '/confirm', handle: (req) => postConfirm(rc, req) },
];

async function showConfirm(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const ports = rc.signing();
  if (!ports) return rc.errorPage('unavailable');
  const token = tokenOf(req);
  const check = await checkConfirmToken({ subscribers: ports.subscriptions, clock: rc.deps.clock, keys: await rc.deps.keys() }, token);
  if (!check.ok) return rc.errorPage(check.problem === 'used' && check.alreadyConfirmed ? 'used-confirmed' : check.problem);
  return rc.messagePage(200, {
    title: 'Confirm your subscription',
    lines: [
      `Press the button to confirm that ${check.subscriber.resubscription?.emailAsTyped ?? mailAddress(check.subscriber)} should receive ${rc.page.newsletter}.`,
    ],
    form: { action: '/confirm', token: token!, button: 'Confirm my subscription' },
  });
}

async function postConfirm(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const ports = rc.signing();
  if (!ports) return rc.errorPage('unavailable');
  const keys = await rc.deps.keys();
  const result = await confirm(
    { subscribers: ports.subscriptions, signups: ports.signups, clock: rc.deps.clock, keys, log: (e, f) => logger.info(e, f) },
    tokenOf(req),
    metaOf(req),
  );
  if (result.status === 'refused') {
    logger.info('confirmation refused', { problem: result.problem });
    return rc.errorPage(result.problem === 'used' && result.alreadyConfirmed ? 'used-confirmed' : result.problem);
  }
  const prefs = signToken(keys, {
    subscriberId: result.subscriber.subscriberId,
    purpose: 'preferences',
    now: rc.deps.clock.now(),
    linkVersion: result.subscriber.linkVersion,
  });
  return rc.messagePage(200, {
    title: 'You are subscribed',
    lines: [
      result.welcomeQueued
        ? 'Thank you: your address is confirmed. A welcome message is on its way, and the next issue will follow.'
        : 'Thank you: your address is confirmed, and the next issue will follow. (The welcome message could not be sent just now.)',
    ],
    link: { href: `/preferences?token=${encodeURIComponent(prefs)}`, text: 'Change what you receive' },
  });
}
