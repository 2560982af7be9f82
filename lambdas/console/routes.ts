/**
 * The console's pages and actions, one table: method, path, the least role that may use it, and
 * the page module that answers (lambdas/console/pages/). The handler (handler.ts) has already
 * checked the session and, for a POST, the CSRF token; here the role is checked before a route
 * runs, and a refusal is written to the audit log.
 *
 *   GET  /admin/                 Home: next sends, the last issue's figures, sending state   pages/home.ts
 *   POST /admin/resume           owners: end the sending pause                               pages/home.ts
 *   GET  /admin/issues           issues and articles by state                                pages/issues.ts
 *   GET  /admin/issues/<id>      one issue: its articles, state and figures (stats, report)  pages/issues.ts
 *   GET  /admin/articles/new, /admin/issues/new, …/<id>/edit; POST …/save, /admin/drafts/…
 *                                editors: write and publish an article or issue, drafts kept  pages/editor.ts
 *   GET  /admin/drafts/<kind>/<key>/preview[/message]  editors: the draft's message as typed  pages/draft-preview.ts
 *   GET  /admin/audit            owners: the audit log                                       pages/audit.ts
 *   GET  /admin/settings         owners: topics and page text (POST saves); the stack's, read-only  pages/settings.ts
 *   GET  /admin/subscribers      owners: counts by status, source, topic; POST …/search       pages/subscribers.ts
 *   GET  /admin/subscribers/<id> owners: a reader's record; POST …/export, …/revoke-links, …/erase
 *   GET  /admin/subscribers/import  owners: CSV import (POST: the mapping step, then the import)  pages/subscriber-import.ts
 *   GET  /admin/issues/<id>/preview, …/preview/message, POST …/send-test (editors); the same
 *        under /admin/articles/<id>/ for a breaking alert: the message as readers get it   pages/preview.ts
 *   GET  /admin/issues/<id>/send editors: its send time and subject test; owners: send forms  pages/send.ts
 *   POST /admin/issues/<id>/send[/confirm]  owners: schedule, unschedule, send now (2 steps)  pages/send.ts
 *   POST /admin/issues/<id>/subject-test    editors: the issue's subject test                 pages/send.ts
 */
import { html, type Result } from '../api/http';
import type { Desk } from './desk';
import { mayAct, messagePage } from './layout';
import type { DeskRequest, DeskRoute } from './request';
import { homeRoutes } from './pages/home';
import { issueRoutes } from './pages/issues';
import { auditRoutes } from './pages/audit';
import { editorRoutes } from './pages/editor';
import { subscriberRoutes } from './pages/subscribers';
import { importRoutes } from './pages/subscriber-import';
import { previewRoutes } from './pages/preview';
import { draftPreviewRoutes } from './pages/draft-preview';
import { sendRoutes } from './pages/send';
import { settingsRoutes } from './pages/settings';

// The import's routes come before a reader's record (`/admin/subscribers/<id>` would match `import`).
export const ROUTES: readonly DeskRoute[] = [
  ...homeRoutes,
  ...issueRoutes,
  ...editorRoutes,
  ...previewRoutes,
  ...draftPreviewRoutes,
  ...sendRoutes,
  ...auditRoutes,
  ...settingsRoutes,
  ...importRoutes,
  ...subscriberRoutes,
];

/**
 * The route for `method` and `path`, run if the editor's role allows it. Undefined when no route
 * matches (the handler answers 404).
 */
export async function dispatch(desk: Desk, method: string, path: string, r: Omit<DeskRequest, 'params'>): Promise<Result | undefined> {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (!mayAct(r.editor.role, route.role)) {
      await desk.audit.refused({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'refused',
        target: `${method} ${path}`,
        detail: `needs ${route.role}`,
      });
      return html(
        403,
        messagePage('Not allowed', `This needs the ${route.role} role; you are signed in as ${r.editor.role}.`, {
          href: '/admin/',
          text: 'Home',
        }),
      );
    }
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      // A broken %-escape (`%E0%A4%A`) names nothing.
      return html(404, messagePage('Not found', 'No such page in the console.', { href: '/admin/', text: 'Home' }));
    }
    return route.handle(desk, { ...r, params });
  }
  return undefined;
}
