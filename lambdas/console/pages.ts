/**
 * The console's server-rendered pages (Handlebars escapes every value): Home, the step between the
 * callback and Home, and the error pages. No script; one inline style sheet, as the public pages.
 */
import Handlebars from 'handlebars';
import type { Editor } from './sign-in';

const hb = Handlebars.create();

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#eef1f5;color:#111827;line-height:1.55}
header{background:#0f2a4a;color:#fff;padding:1rem 1.25rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header p{margin:0;font-weight:700}
main{max-width:48rem;margin:1.5rem auto;padding:1.5rem 1.25rem;background:#fff;border-radius:10px}
@media (max-width:40rem){main{margin:0;border-radius:0}}
h1{font-size:1.6rem;margin:0 0 .75rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}
dt{font-weight:600}
dd{margin:0}
button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:2px solid #fff;background:#0f2a4a;color:#fff;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:#1d4ed8}
`;

const layout = hb.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{{#if refresh}}<meta http-equiv="refresh" content="0;url={{refresh}}">{{/if}}
<title>{{title}} · Briefing console</title><style>${STYLE}</style></head>
<body><header><p>Briefing console</p>{{#if editor}}<form method="post" action="/admin/sign-out">
<input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/if}}</header>
<main>{{{content}}}</main></body></html>`);

const home = hb.compile(`<h1>Home</h1>
<dl><dt>Signed in as</dt><dd>{{editor.email}}</dd><dt>Role</dt><dd>{{editor.role}}</dd>
<dt>Session until</dt><dd><time datetime="{{until}}">{{until}}</time></dd></dl>
<p>More of the desk (issues, preview, sending, subscribers) comes in the next steps; until then the CLI does those.</p>`);

const message = hb.compile(`<h1>{{title}}</h1><p>{{text}}</p>{{#if link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/if}}`);

export function homePage(editor: Editor, csrf: string, until: Date): string {
  return layout({ title: 'Home', editor, csrf, content: home({ editor, until: until.toISOString() }) });
}

/** The callback's answer: a same-site page that moves on to Home (a Strict cookie set here is sent on that next request). */
export function signedInPage(): string {
  return layout({
    title: 'Signed in',
    refresh: '/admin/',
    content: message({ title: 'Signed in', text: 'Opening the console…', link: '/admin/', linkText: 'Open the console' }),
  });
}

export function messagePage(title: string, text: string, link?: { href: string; text: string }): string {
  return layout({ title, content: message({ title, text, link: link?.href, linkText: link?.text }) });
}
