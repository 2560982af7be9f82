/**
 * The server-rendered pages: subscribe, "check your inbox", confirm, preferences, unsubscribe,
 * and one page per error. Handlebars escapes every value. No script, no remote asset: one
 * inline style sheet (allowed by the CSP the handler sends) with system fonts.
 *
 * Accessibility: `lang`, a skip-free single landmark, every control labelled, fieldsets with
 * legends for groups, errors tied to their field with `aria-describedby` and announced with
 * `role="alert"`, a visible focus ring, text contrast of at least 7:1 on white, and a layout
 * that fits a 320 px wide phone screen.
 */
import Handlebars from 'handlebars';
import { CONSENT_WORDING, offeredZone, TIME_ZONES } from '../core/subscription';
import { digestWording, FALLBACK_SETTINGS, type NewsletterSettings, type Topic } from '../core/topics';
import type { DigestDelivery } from '../core/local-time';
import { mailAddress, type Subscriber, type SubscriptionChoices } from '../core/model';
import { canResubscribe } from '../usecases/preferences';

const hb = Handlebars.create();
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('includes', (list: unknown, x: unknown) => Array.isArray(list) && list.includes(x));

const STYLE = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#eef1f5;color:#111827;line-height:1.55;font-size:1.0625rem}
header{background:#0f2a4a;color:#fff;padding:1rem 1.25rem}
header p{margin:0;max-width:36rem;margin-inline:auto;font-weight:700;letter-spacing:.01em}
main{max-width:36rem;margin:1.5rem auto;padding:1.5rem 1.25rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(15,42,74,.12)}
@media (max-width:40rem){main{margin:0;border-radius:0;box-shadow:none}}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem}
p{margin:0 0 1rem}
a{color:#1d4ed8}
label{display:block;font-weight:600;margin-bottom:.3rem}
input[type=email],select{width:100%;font:inherit;padding:.65rem .75rem;border:2px solid #4b5563;border-radius:6px;background:#fff;color:#111827}
fieldset{border:1px solid #9ca3af;border-radius:8px;margin:0 0 1.1rem;padding:.75rem 1rem .4rem}
legend{font-weight:600;padding:0 .35rem}
.field{margin-bottom:1.1rem}
.check{display:flex;gap:.6rem;align-items:flex-start;margin-bottom:.55rem}
.check input{width:1.25rem;height:1.25rem;margin:.2rem 0 0;flex:none;accent-color:#0b3d91}
.check label{font-weight:400;margin:0}
.topics{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));column-gap:1rem}
.hint{color:#374151;font-size:.95rem;margin:.3rem 0 0}
.desc{display:block;color:#374151;font-size:.9rem}
fieldset .hint{margin:0 0 .6rem}
.consent{color:#374151;font-size:.95rem}
button{font:inherit;font-weight:600;padding:.75rem 1.5rem;border:0;border-radius:6px;background:#0b3d91;color:#fff;cursor:pointer;min-height:2.75rem}
button.secondary{background:#fff;color:#0b3d91;border:2px solid #0b3d91}
button.danger{background:#9f1239}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.error{border-left:4px solid #9f1239;background:#fff1f2;color:#7f1d1d;padding:.75rem 1rem;border-radius:4px;margin:0 0 1rem}
.ok{border-left:4px solid #166534;background:#f0fdf4;color:#14532d;padding:.75rem 1rem;border-radius:4px;margin:0 0 1rem}
.error p:last-child,.ok p:last-child{margin-bottom:0}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0 0 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:.5rem}
hr{border:0;border-top:1px solid #d1d5db;margin:1.5rem 0}
footer{max-width:36rem;margin:0 auto 2rem;padding:0 1.25rem;color:#374151;font-size:.9rem}
.issues{list-style:none;margin:0 0 1rem;padding:0}
.issues li{padding:0 0 1rem;margin:0 0 1rem;border-bottom:1px solid #d1d5db}
.issues li:last-child{border-bottom:0;margin-bottom:0;padding-bottom:0}
.issues h2{font-size:1.2rem;line-height:1.3;margin:0 0 .25rem}
.meta{color:#374151;font-size:.95rem;margin:0 0 .4rem}
.pager{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.subscribe-box h2{font-size:1.2rem;margin:0 0 .5rem}
.subscribe-box .row{display:flex;flex-wrap:wrap;gap:.5rem}
.subscribe-box input[type=email]{flex:1 1 14rem;width:auto;min-width:0}
.subscribe-box .consent{margin:.75rem 0 .75rem}
`;

const layout = hb.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{{#unless indexable}}<meta name="robots" content="noindex">{{/unless}}
{{#if feed}}<link rel="alternate" type="application/atom+xml" title="{{newsletter}}" href="{{feed}}">{{/if}}
<title>{{title}} · {{newsletter}}</title>
<style>${STYLE}</style></head>
<body><header><p>{{newsletter}}</p></header>
<main>{{{content}}}</main>
<footer><p>Your address is used only to send what you chose. Every message has a link to change your choices or leave.</p>{{#if indexable}}<p><a href="/archive">All issues</a> · <a href="/feed.xml">Atom feed</a></p>{{/if}}</footer>
</body></html>`);

const messageTpl =
  hb.compile(`<h1>{{title}}</h1>{{#if alert}}<div class="error" role="alert">{{/if}}{{#each lines}}<p>{{this}}</p>{{/each}}{{#if alert}}</div>{{/if}}
{{#if form}}<form method="post" action="{{form.action}}"><input type="hidden" name="token" value="{{form.token}}"><div class="actions"><button type="submit"{{#if form.danger}} class="danger"{{/if}}>{{form.button}}</button></div></form>{{/if}}
{{#if link}}<p><a href="{{link.href}}">{{link.text}}</a></p>{{/if}}`);

const choicesPartial = `<fieldset><legend>What would you like to receive?</legend>
<div class="check"><input type="checkbox" id="digest" name="digest" value="yes"{{#if choices.digest}} checked{{/if}}><label for="digest">{{text.digestLine}}</label></div>
<div class="check"><input type="checkbox" id="alerts" name="alerts" value="yes"{{#if choices.alerts}} checked{{/if}}><label for="alerts">Breaking alerts (only when something important happens)</label></div>
</fieldset>
<fieldset><legend>Topics</legend><p class="hint" id="topics-hint">Leave all unticked to get every topic.</p>
<div class="topics">{{#each topics}}<div class="check"><input type="checkbox" id="topic-{{id}}" name="topics" value="{{id}}" aria-describedby="topics-hint"{{#if (includes ../choices.topics id)}} checked{{/if}}><label for="topic-{{id}}">{{label}}{{#if description}}<span class="desc">{{description}}</span>{{/if}}</label></div>{{/each}}</div>
</fieldset>
<div class="field"><label for="timezone">Your time zone</label>
<select id="timezone" name="timezone" aria-describedby="tz-hint">{{#each zones}}<option{{#if (eq this ../choices.timezone)}} selected{{/if}}>{{this}}</option>{{/each}}</select>
<p class="hint" id="tz-hint">Alerts and the digest are dated in this time zone.</p></div>`;
hb.registerPartial('choices', choicesPartial);

const subscribeTpl = hb.compile(`<h1>Subscribe</h1>
<p>{{text.blurb}}</p>
{{#if error}}<div class="error" role="alert" id="form-error"><p>{{error}}</p></div>{{/if}}
<form method="post" action="/subscribe" novalidate>
<div class="field"><label for="email">Email address</label>
<input type="email" id="email" name="email" autocomplete="email" inputmode="email" required maxlength="254" value="{{email}}"{{#if error}} aria-invalid="true" aria-describedby="form-error"{{/if}}></div>
{{> choices}}
<div class="hp" aria-hidden="true"><label for="website">Leave this field empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<p class="consent" id="consent">{{consent}}</p>
<div class="actions"><button type="submit" aria-describedby="consent">Subscribe</button></div>
</form>`);

const preferencesTpl = hb.compile(`<h1>Your subscription</h1>
{{#if saved}}<div class="ok" role="status"><p>Saved. Your next messages follow these choices.</p></div>{{/if}}
{{#if error}}<div class="error" role="alert" id="form-error"><p>{{error}}</p></div>{{/if}}
<dl><dt>Address</dt><dd>{{email}}</dd><dt>Status</dt><dd>{{statusText}}</dd></dl>
{{#if active}}
<form method="post" action="/preferences">
<input type="hidden" name="token" value="{{token}}">
{{> choices}}
<div class="actions"><button type="submit">Save my choices</button></div>
</form>
<hr>
<h2 style="font-size:1.2rem">Leave</h2>
<form method="post" action="/unsubscribe"><input type="hidden" name="token" value="{{unsubscribeToken}}"><div class="actions"><button type="submit" class="danger">Unsubscribe from everything</button></div></form>
{{else if canComeBack}}
<p>You receive nothing from us. Changed your mind? Choose what you want and subscribe again: this link came in your own mail, so there is nothing to confirm.</p>
<form method="post" action="/preferences">
<input type="hidden" name="token" value="{{token}}">
<input type="hidden" name="resubscribe" value="1">
{{> choices}}
<div class="actions"><button type="submit">Subscribe again</button></div>
</form>
{{else}}
<p>You receive nothing from us. To subscribe again, use the <a href="/">subscribe page</a>.</p>
{{/if}}`);

// The public archive: the short subscribe form shown under every archived issue and on the
// index (the digest only, every topic; the full form on / offers the rest), and the index.
const subscribeBoxTpl = hb.compile(`<div class="subscribe-box" id="subscribe">
<h2>Get the next issue by email</h2>
<p>The weekly digest of {{newsletter}}, free; leave any time.</p>
<form method="post" action="/subscribe" novalidate>
<input type="hidden" name="digest" value="yes">
<label for="email">Email address</label>
<div class="row"><input type="email" id="email" name="email" autocomplete="email" inputmode="email" required maxlength="254"><button type="submit" aria-describedby="consent">Subscribe</button></div>
<div class="hp" aria-hidden="true"><label for="website">Leave this field empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<p class="consent" id="consent">{{consent}}</p>
<p><a href="/">Choose topics, breaking alerts and your time zone</a></p>
</form></div>`);

const archiveIndexTpl = hb.compile(`<h1>All issues</h1>
<p>Every issue of {{newsletter}} as it was sent, newest first. Follow it with the <a href="/feed.xml">Atom feed</a>.</p>
{{#if issues.length}}<ol class="issues">{{#each issues}}<li><h2><a href="{{href}}">{{title}}</a></h2>
<p class="meta">No. {{number}} · sent <time datetime="{{sentIso}}">{{sentText}}</time></p><p>{{summary}}</p></li>{{/each}}</ol>
{{else}}<p>No issue has been sent yet.</p>{{/if}}
{{#if pager}}<nav class="pager" aria-label="More issues">{{#if prev}}<a rel="prev" href="{{prev}}">← Newer issues</a>{{else}}<span></span>{{/if}}{{#if next}}<a rel="next" href="{{next}}">Older issues →</a>{{/if}}</nav>{{/if}}
<hr>
{{{subscribeBox}}}`);

/** The archive's subscribe form (trusted HTML: every value in it is escaped). */
export const subscribeBox = (ctx: PageContext): string => subscribeBoxTpl({ newsletter: ctx.newsletter, consent: CONSENT_WORDING });

export interface ArchiveIndexEntry {
  href: string;
  title: string;
  number: number;
  /** When it was sent: ISO timestamp and the date written out. */
  sentIso: string;
  sentText: string;
  summary: string;
}

/** GET /archive: one page of sent issues, newest first, with links to the neighbouring pages. */
export function archiveIndexPage(ctx: PageContext, v: { page: number; issues: ArchiveIndexEntry[]; prev?: string; next?: string }): string {
  const title = v.page > 1 ? `All issues, page ${v.page}` : 'All issues';
  const content = archiveIndexTpl({ ...v, newsletter: ctx.newsletter, pager: Boolean(v.prev ?? v.next), subscribeBox: subscribeBox(ctx) });
  return layout({ ...ctx, title, content, indexable: true, feed: '/feed.xml' });
}

export interface PageContext {
  newsletter: string;
}

const page = (ctx: PageContext, title: string, content: string) => layout({ ...ctx, title, content });

/** A titled page with paragraphs, an optional one-button form and an optional link. */
export interface Page {
  title: string;
  lines: string[];
  form?: { action: string; token: string; button: string; danger?: boolean };
  link?: { href: string; text: string };
  /** Show the lines as an error. */
  alert?: boolean;
}

export const renderPage = (p: Page, ctx: PageContext = { newsletter: 'Briefing' }): string => page(ctx, p.title, messageTpl(p));

/** What the subscribe and preferences pages take from the newsletter's settings, for this delivery mode. */
export interface PageText {
  topics: readonly Topic[];
  blurb: string;
  digestLine: string;
}

export function pageText(
  settings: NewsletterSettings,
  delivery: DigestDelivery = 'schedule',
  localTime?: string,
  schedule?: string,
): PageText {
  return { topics: settings.topics, blurb: settings.blurb, digestLine: digestWording(settings, delivery, localTime, schedule) };
}

const FALLBACK_TEXT = pageText(FALLBACK_SETTINGS);

export function subscribePage(
  ctx: PageContext,
  v: { email?: string; choices: SubscriptionChoices; error?: string },
  text: PageText = FALLBACK_TEXT,
): string {
  const choices = { ...v.choices, timezone: offeredZone(v.choices.timezone) };
  return page(ctx, 'Subscribe', subscribeTpl({ ...v, choices, text, topics: text.topics, zones: TIME_ZONES, consent: CONSENT_WORDING }));
}

export function preferencesPage(
  ctx: PageContext,
  v: {
    subscriber: Subscriber;
    token: string;
    unsubscribeToken: string;
    choices?: SubscriptionChoices;
    saved?: boolean;
    error?: string;
    now?: Date;
  },
  text: PageText = FALLBACK_TEXT,
): string {
  const s = v.subscriber;
  const active = s.status === 'confirmed' && !s.suppressed;
  const statusText = active
    ? 'Subscribed'
    : s.suppressed
      ? 'Not receiving mail (messages to this address could not be delivered, or were reported as spam)'
      : s.status === 'pending'
        ? 'Waiting for you to confirm your address'
        : 'Unsubscribed';
  const given = v.choices ?? { digest: s.digest, alerts: s.alerts, topics: s.topics, timezone: s.timezone };
  const choices = { ...given, timezone: offeredZone(given.timezone) };
  return page(
    ctx,
    'Your subscription',
    preferencesTpl({
      email: mailAddress(s),
      statusText,
      active,
      canComeBack: canResubscribe(s, v.now ?? new Date()),
      token: v.token,
      unsubscribeToken: v.unsubscribeToken,
      choices,
      text,
      topics: text.topics,
      zones: TIME_ZONES,
      saved: v.saved,
      error: v.error,
    }),
  );
}

export type ErrorKind =
  | 'bad-link'
  | 'revoked'
  | 'expired'
  | 'used'
  | 'used-confirmed'
  | 'too-many'
  | 'too-large'
  | 'not-found'
  | 'unavailable'
  | 'failed'
  | 'cross-site';

/** One clear page per error: what happened, and what to do next. */
export const ERROR_PAGES: Record<ErrorKind, { status: number; page: Page }> = {
  'bad-link': {
    status: 400,
    page: {
      title: 'This link does not work',
      lines: [
        'The link is incomplete or was changed on the way. Open it again from the most recent message we sent you, or copy the whole link into the address bar.',
      ],
      link: { href: '/', text: 'Go to the subscribe page' },
      alert: true,
    },
  },
  revoked: {
    status: 410,
    page: {
      title: 'This link no longer works',
      lines: [
        'The links in the messages we sent you before a certain day were turned off, to protect your subscription. Nothing was changed.',
        'The next message we send you has working links to change your choices or to unsubscribe. To stop our mail now, use your mail program\'s own "Unsubscribe" button on any of our messages (it still works), or reply to one and ask us.',
      ],
      alert: true,
    },
  },
  'cross-site': {
    status: 403,
    page: {
      title: 'This form was sent from another site',
      lines: [
        'We only take sign-ups from our own subscribe page (and the sites we work with), so that no other site can sign you, or anyone, up without knowing. Nothing was sent and nothing was stored.',
        'To subscribe, use the form on our own page.',
      ],
      link: { href: '/', text: 'Go to the subscribe page' },
      alert: true,
    },
  },
  expired: {
    status: 410,
    page: {
      title: 'This link has expired',
      lines: ['Confirmation links work for 48 hours. Subscribe again with the same address and we will send you a new link.'],
      link: { href: '/', text: 'Subscribe again' },
      alert: true,
    },
  },
  used: {
    status: 410,
    page: {
      title: 'This link was already used or replaced',
      lines: [
        'Each confirmation link works once, and only the newest one works. Use the link in the latest message we sent, or subscribe again to get a new one.',
      ],
      link: { href: '/', text: 'Go to the subscribe page' },
      alert: true,
    },
  },
  'used-confirmed': {
    status: 200,
    page: {
      title: 'You are already subscribed',
      lines: ['Your address is confirmed; there is nothing more to do. Every message has a link to change your choices.'],
    },
  },
  'too-many': {
    status: 429,
    page: {
      title: 'Too many tries',
      lines: ['We received many requests from your connection in a short time. Please wait a few minutes, then try again.'],
      link: { href: '/', text: 'Back to the subscribe page' },
      alert: true,
    },
  },
  'too-large': {
    status: 413,
    page: {
      title: 'That request was too large',
      lines: ['The form sent more data than it ever needs. Please go back and try again.'],
      link: { href: '/', text: 'Back to the subscribe page' },
      alert: true,
    },
  },
  'not-found': {
    status: 404,
    page: {
      title: 'Page not found',
      lines: ['There is no page at this address.'],
      link: { href: '/', text: 'Go to the subscribe page' },
      alert: true,
    },
  },
  failed: {
    status: 500,
    page: {
      title: 'We could not finish that request',
      lines: ['Something went wrong on our side. Please try again in a few minutes; the link you followed still works.'],
      link: { href: '/', text: 'Go to the subscribe page' },
      alert: true,
    },
  },
  unavailable: {
    status: 503,
    page: { title: 'Something went wrong on our side', lines: ['Nothing was changed. Please try again in a few minutes.'], alert: true },
  },
};
