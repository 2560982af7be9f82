/**
 * The console's page frame (Handlebars escapes every value): the header with the navigation and
 * sign-out, one inline style sheet as the public pages have, no script. The pages
 * (lambdas/console/pages/) render their own part and put it in this frame; also the step between
 * the callback and Home, and the error pages.
 */
import Handlebars from 'handlebars';
import type { Editor, Role } from './sign-in';

export const hb = Handlebars.create();

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#eef1f5;color:#111827;line-height:1.55}
header{background:#0f2a4a;color:#fff;padding:.75rem 1.25rem;display:flex;justify-content:space-between;align-items:center;gap:.75rem 1.5rem;flex-wrap:wrap}
header p{margin:0;font-weight:700}
nav ul{list-style:none;margin:0;padding:0;display:flex;gap:.25rem 1rem;flex-wrap:wrap}
nav a{color:#fff;text-decoration:none;padding:.2rem .1rem;border-bottom:3px solid transparent}
nav a[aria-current=page]{border-bottom-color:#f59e0b}
main{max-width:60rem;margin:1.5rem auto;padding:1.5rem 1.25rem;background:#fff;border-radius:10px}
@media (max-width:40rem){main{margin:0;border-radius:0}}
h1{font-size:1.6rem;margin:0 0 .75rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}
dt{font-weight:600}
dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d1d5db;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
pre.text-part{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f4f6;padding:.75rem;border-radius:6px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.bar{display:inline-block;height:.8rem;background:#1d4ed8;vertical-align:middle}
.note{background:#fef3c7;border-left:4px solid #b45309;padding:.5rem .75rem}
.done{background:#dcfce7;border-left:4px solid #15803d;padding:.5rem .75rem}
.state{display:inline-block;padding:0 .4rem;border-radius:4px;background:#e5e7eb}
p.field{margin:.9rem 0}
.field input,.field textarea,.field select{font:inherit;width:100%;max-width:100%;padding:.4rem;border:1px solid #6b7280;border-radius:6px}
.field textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95rem}
.field [aria-invalid=true]{border:2px solid #b91c1c}
.hint{color:#4b5563;font-size:.9rem}
.error{display:block;color:#b91c1c;font-weight:600}
button.secondary{background:#fff;color:#0f2a4a}
button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:2px solid #0f2a4a;background:#0f2a4a;color:#fff;cursor:pointer}
header button{border-color:#fff}
button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
main a{color:#1d4ed8}
`;

/** The console's pages, in the navigation's order; `owner`: shown to owners only. */
export const NAV = [
  { href: '/admin/', text: 'Home', key: 'home' },
  { href: '/admin/issues', text: 'Issues', key: 'issues' },
  { href: '/admin/audit', text: 'Audit log', key: 'audit', owner: true },
  { href: '/admin/subscribers', text: 'Subscribers', key: 'subscribers', owner: true },
  { href: '/admin/settings', text: 'Settings', key: 'settings', owner: true },
] as const;
export type NavKey = (typeof NAV)[number]['key'];

const layout = hb.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
{{#if refresh}}<meta http-equiv="refresh" content="0;url={{refresh}}">{{/if}}
<title>{{title}} · Briefing console</title><style>${STYLE}</style></head>
<body><header><p>Briefing console</p>
{{#if editor}}<nav aria-label="Console"><ul>{{#each nav}}<li><a href="{{href}}"{{#if current}} aria-current="page"{{/if}}>{{text}}</a></li>{{/each}}</ul></nav>
<form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/if}}</header>
<main>{{{content}}}</main></body></html>`);

const message = hb.compile(`<h1>{{title}}</h1><p>{{text}}</p>{{#if link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/if}}`);

/** A signed-in page: `content` is already rendered (escaped) HTML. */
export function deskPage(o: { title: string; editor: Editor; csrf: string; current?: NavKey; content: string }): string {
  const nav = NAV.filter((n) => !('owner' in n) || o.editor.role === 'owner').map((n) => ({ ...n, current: n.key === o.current }));
  return layout({ title: o.title, editor: o.editor, csrf: o.csrf, nav, content: o.content });
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

/** Whether `role` may do what needs `needed` (owner > editor > viewer). */
export function mayAct(role: Role, needed: Role): boolean {
  const rank: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };
  return rank[role] >= rank[needed];
}

/** A time for people: `2026-12-07 18:00 UTC`, and in `zone` too when given (`18:00 UTC (19:00 Europe/Brussels)`). */
export function when(at: string | Date, zone?: string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const utc = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (!zone || zone === 'UTC') return utc;
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d);
  return `${utc} (${local} ${zone})`;
}
hb.registerHelper('when', (at: string | Date, zone?: unknown) => when(at, typeof zone === 'string' ? zone : undefined));
