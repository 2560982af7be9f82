/**
 * The message preview's frames (pages/preview.ts): the message's HTML exactly as readers get it,
 * served by the console to its own preview page under a policy that lets it do only what a
 * message needs, and its dark-mode variant.
 *
 * Dark mode: a page cannot ask the browser to emulate `prefers-color-scheme` for one frame, so
 * the dark frame is the same HTML with the message's own dark-mode rules made unconditional
 * (`@media (prefers-color-scheme: dark)` becomes `@media all`) and `color-scheme: dark` set on
 * the document: what a reader whose mail app is dark sees, in any browser's light mode.
 */

/**
 * What a framed message may do: inline styles, images over https (and data: URIs), nothing
 * else; no script (the `sandbox` directive without `allow-scripts` forbids it even if an article
 * carried some), no forms, no plugins; framed only by the console's own pages.
 */
export const MESSAGE_FRAME_CSP =
  "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:; " +
  "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox";

export type Scheme = 'light' | 'dark';

/** The scheme a frame's query asks for: `dark`, else light. */
export const schemeOf = (query: string | undefined): Scheme => (query === 'dark' ? 'dark' : 'light');

const DARK_MEDIA = /@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/gi;

/** The message's HTML as a reader with a dark mail app sees it (its own dark rules, always on). */
export function forceDark(html: string): string {
  const forced = html.replace(DARK_MEDIA, '@media all');
  const rule = '<style>:root{color-scheme:dark}</style>';
  const head = forced.search(/<\/head>/i);
  return head < 0 ? `${rule}${forced}` : `${forced.slice(0, head)}${rule}${forced.slice(head)}`;
}

/** The frame's document for `scheme`. */
export const frameHtml = (html: string, scheme: Scheme): string => (scheme === 'dark' ? forceDark(html) : html);
