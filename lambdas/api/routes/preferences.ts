/**
 * GET /preferences?token=… shows what we hold and the form to change it (with an unsubscribe
 * button); POST /preferences saves the choices. The token is the one in every message.
 */
import type { Subscriber } from '../../core/model';
import { choicesFromForm, parseChoices } from '../../core/subscription';
import { signToken } from '../../core/tokens';
import { findByPreferencesToken, resubscribe, updatePreferences } from '../../usecases/preferences';
import { formOf, html, type ApiRequest, type Result, type Route } from '../http';
import { preferencesPage } from '../pages';
import { metaOf, tokenOf, type RouteContext } from './context';

export const preferencesRoutes = (rc: RouteContext): Route[] => [
  { method: 'GET', path: '/preferences', handle: (req) => preferences(rc, req) },
  { method: 'POST', path: '/preferences', handle: (req) => preferences(rc, req) },
];

async function preferences(rc: RouteContext, req: ApiRequest): Promise<Result> {
  const { deps } = rc;
  const keys = await deps.keys();
  const token = tokenOf(req);
  // Showing needs only the plain store; saving needs the subscription store.
  const found = await findByPreferencesToken({ subscribers: deps.subscriptions ?? deps.subscribers, clock: deps.clock, keys }, token);
  if (!found.ok) return rc.linkProblem(found.problem);
  const unsubscribeToken = signToken(keys, {
    subscriberId: found.subscriber.subscriberId,
    purpose: 'unsubscribe',
    now: deps.clock.now(),
    linkVersion: found.subscriber.linkVersion,
  });
  const text = await rc.pageText();
  const show = (status: number, v: { subscriber: Subscriber; saved?: boolean; error?: string }) =>
    html(status, preferencesPage(rc.page, { ...v, token: token!, unsubscribeToken, now: deps.clock.now() }, text));
  if (req.method === 'GET') return show(200, { subscriber: found.subscriber });

  if (!deps.subscriptions) return rc.errorPage('unavailable');
  if (!req.isForm) return rc.errorPage('bad-link');
  const form = formOf(req);
  const choices = parseChoices(choicesFromForm(form), text);
  if (!choices.ok) return show(400, { subscriber: found.subscriber, error: choices.message });
  const useCase = { subscribers: deps.subscriptions, clock: deps.clock, keys };
  // "Subscribe again", for a reader who left: the form says so, and the page only offers it then.
  const r = form.get('resubscribe')
    ? await resubscribe(useCase, token, choices.choices, metaOf(req))
    : await updatePreferences(useCase, token, choices.choices);
  if (r.status === 'refused') return rc.linkProblem(r.problem);
  return show(200, { subscriber: r.subscriber, saved: r.status === 'saved' });
}
