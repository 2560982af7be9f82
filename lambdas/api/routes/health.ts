/** GET /health: liveness, for monitors. Answered before the body limit and without page headers. */
import type { Route } from '../http';

export const healthRoutes = (): Route[] => [
  {
    method: 'GET',
    path: '/health',
    anyBody: true,
    handle: () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) }),
  },
];
