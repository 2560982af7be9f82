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
import { hb } from './layout';

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

/**
 * The message's views on a preview page (a Handlebars template's part): the checks `preview`
 * prints (`facts`), frames of `frame` at 600 px, 375 px and dark, and the plain-text part
 * (`p.message.text`). The stored item's preview (pages/preview.ts) and a draft's
 * (pages/draft-preview.ts) show the same.
 */
export const MESSAGE_VIEWS = `<h2>Checks</h2>
<p>{{facts.sizeLine}}</p>
<ul>{{#each facts.checks}}<li>{{#if ok}}OK{{else}}<strong>Problem</strong>{{/if}}: {{text}}</li>{{/each}}</ul>
<h2>Desktop (600 px)</h2>
<div class="scroll" tabindex="0"><iframe src="{{frame}}" width="600" height="800" sandbox title="The message at 600 px wide (desktop)"></iframe></div>
<h2>Phone (375 px)</h2>
<div class="scroll" tabindex="0"><iframe src="{{frame}}" width="375" height="800" sandbox title="The message at 375 px wide (phone)"></iframe></div>
<h2>Dark mode (375 px)</h2>
<p>The message's own dark-mode style, always on: what a reader whose mail app is dark sees.</p>
<div class="scroll" tabindex="0"><iframe src="{{frame}}?scheme=dark" width="375" height="800" sandbox title="The message in dark mode at 375 px wide"></iframe></div>
<h2>Plain-text part</h2>
<pre class="text-part">{{p.message.text}}</pre>`;

const textDocument = hb.compile(
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{title}}</title></head><body style="font:15px/1.5 system-ui,sans-serif;margin:.75rem;color:#111;background:#fff">{{#if pre}}<pre style="white-space:pre-wrap;overflow-wrap:anywhere;margin:0">{{text}}</pre>{{else}}<p><strong>{{title}}</strong></p><ul>{{#each lines}}<li>{{this}}</li>{{/each}}</ul>{{/if}}</body></html>`,
);

/** A small framed document of text (the plain-text part, or why a draft cannot be composed yet), escaped by Handlebars. */
export function textFrame(title: string, lines: readonly string[], pre = false): string {
  return textDocument({ title, lines, pre, text: lines.join('\n') });
}
