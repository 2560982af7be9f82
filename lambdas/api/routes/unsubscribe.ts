/**
 * GET /unsubscribe?token=… shows a page with a button (a GET changes nothing); POST
 * /unsubscribe is that button and also the RFC 8058 one-click target (token in the query,
 * body `List-Unsubscribe=One-Click`), so it works without the page.
 */
import { logger } from '../../adapters/logger';
import { signToken } from '../../core/tokens';
import { canResubscribe } from '../../usecases/preferences';
import { checkUnsubscribeToken, unsubscribe } from '../../usecases/unsubscribe';
import { formOf, type ApiRequest, type Result, type Route } from '../http';
import { tokenOf, type RouteContext } from './context';

export const unsubscribeRoutes = (rc: RouteContext): Route[] => [
  { method: 'GET', path: '/unsubscribe', handle: (req) => showUnsubscribe(rc, req) },
  { method: 'POST', path: '/unsubscribe', handle: (req) => postUnsubscribe(rc, req) },
];

async function showUnsubscribe(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const token = tokenOf(req);
  const check = await checkUnsubscribeToken({ subscribers: rc.deps.subscribers, clock: rc.deps.clock, keys: await rc.deps.keys() }, token);
  // A well-signed link of a reader who is gone (or of a test send) still shows the button, which
  // then says so: the GET tells nothing either way. A link turned off by revoke-links says so now.
  if (!('ok' in check) && check.status !== 'unknown') return check.status === 'invalid-token' ? rc.badLink() : rc.linkProblem(check.status);
  return rc.messagePage(200, {
    title: 'Unsubscribe?',
    lines: ['Press the button to stop all messages from this newsletter to your address.'],
    form: { action: '/unsubscribe', token: token!, button: 'Unsubscribe', danger: true },
  });
}

async function postUnsubscribe(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const { deps } = rc;
  // RFC 8058: the mailbox provider posts `List-Unsubscribe=One-Click` to the URL in the header.
  const oneClick = req.isForm && formOf(req).get('List-Unsubscribe') === 'One-Click';
  const result = await unsubscribe({ subscribers: deps.subscribers, clock: deps.clock, keys: await deps.keys() }, tokenOf(req), {
    oneClick,
  });
  if (result.status === 'invalid-token') {
    logger.info('unsubscribe refused', { reason: result.reason });
    return rc.badLink();
  }
  if (result.status === 'unknown' || result.status === 'revoked') return rc.linkProblem(result.status);
  const s = result.subscriber;
  // A reader who pressed the button (not a mailbox's one-click, which no one sees, and which may
  // come with a link revoke-links turned off) can undo it from their preferences page, if they
  // may still come back from there.
  const now = deps.clock.now();
  const comeBack = !oneClick && (s.status === 'confirmed' ? Boolean(s.confirmedAt) && !s.suppressed : canResubscribe(s, now));
  const prefs = comeBack
    ? signToken(await deps.keys(), { subscriberId: s.subscriberId, purpose: 'preferences', now, linkVersion: s.linkVersion })
    : undefined;
  return rc.messagePage(200, {
    title: 'You are unsubscribed',
    lines: [
      'You will get no more messages from this newsletter.',
      ...(prefs ? ['Unsubscribed by mistake? You can subscribe again from your preferences page.'] : []),
    ],
    ...(prefs ? { link: { href: `/preferences?token=${encodeURIComponent(prefs)}`, text: 'Subscribe again' } } : {}),
  });
}
