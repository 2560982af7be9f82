/** A console request as its page modules see it (lambdas/console/pages/), and the route they declare (routes.ts lists them). */
import { html, type Result } from '../api/http';
import type { Desk } from './desk';
import { deskPage, type NavKey } from './layout';
import type { Editor, Role } from './sign-in';

/** One request, signed in and (for a POST) with its CSRF token checked. */
export interface DeskRequest {
  editor: Editor;
  csrf: string;
  /** This answer's script nonce (the page's CSP allows only scripts carrying it). */
  nonce: string;
  /** A key of this session that never leaves the server: what binds a confirmation to the session and what it showed. */
  secret: Uint8Array;
  now: Date;
  /** When the session ends (the ID token's expiry or the session's life, whichever is first). */
  until: Date;
  /** Path parts the route's pattern captured. */
  params: string[];
  query: (name: string) => string | undefined;
  /** The form posted (empty for a GET). */
  form: URLSearchParams;
}

export interface DeskRoute {
  method: 'GET' | 'POST';
  /** Matched against the whole path (without a trailing slash; `/admin` for Home). */
  pattern: RegExp;
  /** The least role that may use it (owner > editor > viewer). */
  role: Role;
  handle(desk: Desk, r: DeskRequest): Promise<Result>;
}

/** A signed-in page, 200 unless said. */
export function page(r: DeskRequest, o: { title: string; current?: NavKey; content: string; status?: number }): Result {
  return html(o.status ?? 200, deskPage({ title: o.title, editor: r.editor, csrf: r.csrf, current: o.current, content: o.content }));
}

/** After a POST: back to a page (303, so a reload does not post again). */
export const seeOtherPage = (location: string): Result => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  body: '',
});

/** Answers that carry a policy of their own (the handler keeps it instead of the pages' one). */
const ownPolicy = new WeakSet<Result>();

/**
 * A document the console's own pages frame (the message preview, pages/preview.ts): served with
 * `csp`, which the handler keeps (it gives every other answer the pages' policy).
 */
export function framedDocument(body: string, csp: string): Result {
  const r = html(200, body, { 'content-security-policy': csp });
  ownPolicy.add(r);
  return r;
}

/** Whether `r` was made by {@link framedDocument}. */
export const hasOwnPolicy = (r: Result): boolean => ownPolicy.has(r);
