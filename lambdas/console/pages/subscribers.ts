/**
 * Subscribers, for owners: counts by status, source and topic (the readers index: the same
 * `countInto` as the CLI's `subscribers count`, without a Scan), a search by address (any typed
 * form finds the stored one, and the inbox's other stored forms are named, as `subscribers
 * export` does; a prefix lists the addresses that start with it), and one reader's record with
 * its actions: export (the JSON of `subscribers export`), revoke links (`revoke-links`) and erase
 * (`subscribers erase`, confirmed by typing the address). Each action is a POST, audit-logged
 * with the address masked. The import is in pages/subscriber-import.ts.
 *
 * Addresses never go in a URL (access logs keep URLs): the search is a form POST, a record's page
 * is by the reader's random id.
 */
import { addressKey, maskEmail, normaliseEmail } from '../../core/address';
import { listedStatus } from '../../core/find';
import type { Subscriber } from '../../core/model';
import { otherStoredForms } from '../../usecases/inbox-forms';
import { eraseSubscriber, exportSubscriber, type PrivacyDeps } from '../../usecases/privacy';
import { revokeLinks } from '../../usecases/revoke-links';
import { html, type Result } from '../../api/http';
import type { Desk, DeskSubscribers } from '../desk';
import { hb, messagePage } from '../layout';
import { page, seeOtherPage, type DeskRequest, type DeskRoute } from '../request';

/** Rows a prefix search lists. */
export const SEARCH_LIMIT = 50;

const NOTES: Record<string, { kind: 'done' | 'note'; text: string }> = {
  erased: { kind: 'done', text: 'Erased: the reader, their ledger entries and the sending pause’s mention; only a keyed digest is kept.' },
  revoked: { kind: 'done', text: 'Links revoked: the links in mail sent so far no longer work; the next message carries new ones.' },
};

const overview = hb.compile(`<h1>Subscribers</h1>
{{#if note}}<p class="{{note.kind}}" role="status">{{note.text}}</p>{{/if}}
<form method="post" action="/admin/subscribers/search" role="search"><input type="hidden" name="csrf" value="{{csrf}}">
<p><label for="q">Address, or its start</label> <input id="q" name="q" type="text" autocomplete="off" value="{{q}}" maxlength="320"{{#if error}} aria-invalid="true" aria-describedby="q-error"{{/if}}>
<button type="submit">Search</button></p>{{#if error}}<p id="q-error" class="note">{{error}}</p>{{/if}}</form>
{{#if searched}}<h2>Found</h2>
{{#if exact}}<p>Stored as <a href="/admin/subscribers/{{exact.subscriberId}}">{{exact.shown}}</a> ({{exact.status}}).</p>{{/if}}
{{#if forms.length}}<p>{{formsText}}</p><ul>{{#each forms}}<li>{{#if id}}<a href="/admin/subscribers/{{id}}">{{email}}</a>{{else}}{{email}}{{/if}}</li>{{/each}}</ul>{{/if}}
{{#if rows.length}}<div class="scroll" tabindex="0"><table><caption class="sr">Addresses that start with what you typed</caption><thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col">Since</th></tr></thead><tbody>
{{#each rows}}<tr><td><a href="/admin/subscribers/{{subscriberId}}">{{shown}}</a></td><td><span class="state">{{status}}</span></td><td>{{source}}</td><td>{{since}}</td></tr>{{/each}}</tbody></table></div>
{{#if more}}<p>Only the first ${SEARCH_LIMIT} are listed: type more of the address.</p>{{/if}}
{{else}}{{#unless exact}}<p>No stored address starts with that.</p>{{/unless}}{{/if}}{{/if}}
<h2>Counts</h2>
<p>{{counts.total}} subscriber(s). <a href="/admin/subscribers/import">Import a CSV</a></p>
{{#each groups}}<h3>By {{name}}</h3>{{#if rows.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">{{name}}</th><th class="n" scope="col">Readers</th></tr></thead><tbody>
{{#each rows}}<tr><td>{{key}}</td><td class="n">{{n}}</td></tr>{{/each}}</tbody></table></div>{{else}}<p>None.</p>{{/if}}{{/each}}
<p>The same numbers as <code>npm run cli -- subscribers count</code>, read from the readers index (it follows a change within seconds). After upgrading a stack that had readers before this index, run <code>npm run cli -- migrate-addresses</code> once: until then older readers are neither counted nor found here, and Settings may take a topic only they follow for unused.</p>`);

const record = hb.compile(`<h1>{{shown}}</h1>
{{#if note}}<p class="{{note.kind}}" role="status">{{note.text}}</p>{{/if}}
<dl><dt>Status</dt><dd><span class="state">{{status}}</span>{{#if s.suppressedReason}} ({{s.suppressedReason}}){{/if}}</dd>
<dt>Source</dt><dd>{{s.source}}</dd><dt>Name</dt><dd>{{#if s.name}}{{s.name}}{{else}}—{{/if}}</dd>
<dt>Topics</dt><dd>{{#if s.topics.length}}{{#each s.topics}}{{this}} {{/each}}{{else}}every topic (none chosen){{/if}}</dd>
<dt>Digest / alerts</dt><dd>{{#if s.digest}}digest{{else}}no digest{{/if}}, {{#if s.alerts}}alerts{{else}}no alerts{{/if}}</dd>
<dt>Time zone</dt><dd>{{s.timezone}}</dd>
{{#each dates}}<dt>{{label}}</dt><dd><time datetime="{{at}}">{{when at}}</time></dd>{{/each}}
<dt>Ledger entries</dt><dd>{{deliveries}}</dd></dl>
<h2>Consent</h2>
{{#if consents.length}}{{#each consents}}<dl>{{#each this}}<dt>{{k}}</dt><dd>{{v}}</dd>{{/each}}</dl>{{/each}}{{else}}<p>No consent record: {{noConsent}}</p>{{/if}}
<h2>Actions</h2>
<form method="post" action="/admin/subscribers/{{s.subscriberId}}/export"><input type="hidden" name="csrf" value="{{csrf}}">
<p><button type="submit">Download the export (JSON)</button> everything stored about the address, as <code>subscribers export</code> prints it.</p></form>
<form method="post" action="/admin/subscribers/{{s.subscriberId}}/revoke-links"><input type="hidden" name="csrf" value="{{csrf}}">
<p><label><input type="checkbox" name="confirm" value="yes"{{#if revokeError}} aria-invalid="true" aria-describedby="revoke-error"{{/if}}> Turn off every link in the mail this reader got so far</label></p>
{{#if revokeError}}<p id="revoke-error" class="note">{{revokeError}}</p>{{/if}}<p><button type="submit">Revoke links</button></p></form>
<form method="post" action="/admin/subscribers/{{s.subscriberId}}/erase"><input type="hidden" name="csrf" value="{{csrf}}">
<p><label for="confirm-erase">To erase this reader everywhere, type their address</label><br>
<input id="confirm-erase" name="confirm" type="text" autocomplete="off" value="{{typed}}"{{#if eraseError}} aria-invalid="true" aria-describedby="erase-error"{{/if}}></p>
{{#if eraseError}}<p id="erase-error" class="note">{{eraseError}}</p>{{/if}}<p><button type="submit">Erase</button></p></form>`);

/** The desk's Subscribers ports, or a page saying the function was given no Subscribers table. */
export function portsOf(desk: Desk): DeskSubscribers | Result {
  return (
    desk.subscribers ??
    html(503, messagePage('Subscribers', 'This console is not given the Subscribers table.', { href: '/admin/', text: 'Home' }))
  );
}
/** Whether a step answered already (a page saying why not) rather than giving what was asked. */
export const isAnswer = (x: object): x is Result => 'statusCode' in x;

export const privacyDeps = async (desk: Desk, s: DeskSubscribers): Promise<PrivacyDeps> => ({
  subscribers: s.store,
  deliveries: s.deliveries,
  clock: desk.clock,
  digest: await s.digest(),
  pause: s.pause,
});

const shown = (s: Pick<Subscriber, 'email' | 'emailAsTyped'>) => s.emailAsTyped ?? s.email;
const sorted = (r: Record<string, number>) =>
  Object.entries(r)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => ({ key, n }));

async function overviewPage(
  desk: Desk,
  s: DeskSubscribers,
  r: DeskRequest,
  o: { status?: number; search?: object; q?: string; error?: string } = {},
) {
  const counts = await s.readers.count();
  return page(r, {
    title: 'Subscribers',
    current: 'subscribers',
    status: o.status,
    content: overview({
      csrf: r.csrf,
      note: Object.hasOwn(NOTES, r.query('done') ?? '') ? NOTES[r.query('done')!] : undefined,
      q: o.q,
      error: o.error,
      ...o.search,
      counts,
      groups: [
        { name: 'status', rows: sorted(counts.byStatus) },
        { name: 'source', rows: sorted(counts.bySource) },
        { name: 'topic', rows: sorted(counts.byTopic) },
      ],
    }),
  });
}

/** What a search finds: the stored record of the address in any typed form, its inbox's other forms, and addresses that start with it. */
async function search(s: DeskSubscribers, q: string) {
  let key: string | undefined;
  try {
    key = addressKey(normaliseEmail(q));
  } catch {
    key = undefined;
  }
  const exact = key ? await s.store.getByEmail(normaliseEmail(q)) : undefined;
  const forms = key && !exact ? await otherStoredForms(s.store, key) : [];
  const formRows = await Promise.all(forms.map(async (email) => ({ email, id: (await s.store.getByEmail(email))?.subscriberId })));
  const rows = await s.readers.search(key ?? q.trim().toLowerCase(), SEARCH_LIMIT + 1);
  return {
    searched: true,
    exact: exact && { subscriberId: exact.subscriberId, shown: shown(exact), status: listedStatus(exact) },
    forms: formRows,
    formsText: forms.length ? `Not stored as typed; the same inbox is stored as:` : '',
    rows: rows
      .filter((x) => x.subscriberId !== exact?.subscriberId)
      .slice(0, SEARCH_LIMIT)
      .map((x) => ({ ...x, shown: shown(x), status: listedStatus(x), since: x.createdAt?.slice(0, 10) })),
    more: rows.length > SEARCH_LIMIT,
  };
}

/** The reader of a record page (by id), or the 404 page. */
async function readerOf(s: DeskSubscribers, id: string): Promise<Subscriber | Result> {
  const found = /^[A-Za-z0-9_-]{1,100}$/.test(id) ? await s.store.getById(id) : undefined;
  return (
    found ??
    html(
      404,
      messagePage('No such reader', 'No reader has this id (erased, or never stored).', {
        href: '/admin/subscribers',
        text: 'Subscribers',
      }),
    )
  );
}

const DATES: [keyof Subscriber, string][] = [
  ['createdAt', 'Since'],
  ['confirmedAt', 'Confirmed'],
  ['unsubscribedAt', 'Unsubscribed'],
  ['declinedAt', 'Declined a sign-up'],
  ['suppressedAt', 'Suppressed'],
  ['complainedAt', 'Complained'],
  ['lastBounceAt', 'Last bounce'],
];

async function recordPage(
  desk: Desk,
  s: DeskSubscribers,
  r: DeskRequest,
  reader: Subscriber,
  o: { status?: number; typed?: string; eraseError?: string; revokeError?: string } = {},
) {
  // Every showing of a record is a look-up (also after an action: a note in the URL proves nothing).
  await audit(desk, r, 'look-up', reader.email, 'record opened');
  const data = await exportSubscriber(await privacyDeps(desk, s), reader.email);
  const sub = data.subscriber ?? reader;
  const consents = [sub.consent, ...(sub.previousConsents ?? [])]
    .filter((c) => !!c)
    .map((c) => Object.entries(c).map(([k, v]) => ({ k, v: String(v) })));
  return page(r, {
    title: 'Reader',
    current: 'subscribers',
    status: o.status,
    content: record({
      ...o,
      csrf: r.csrf,
      note: Object.hasOwn(NOTES, r.query('done') ?? '') ? NOTES[r.query('done')!] : undefined,
      s: sub,
      shown: shown(sub),
      status: listedStatus(sub),
      dates: DATES.filter(([k]) => typeof sub[k] === 'string').map(([k, label]) => ({ label, at: sub[k] as string })),
      deliveries: data.deliveries.length,
      consents,
      noConsent: sub.source === 'web' ? 'none was stored.' : `added by an operator (${sub.source}), who vouched for the address.`,
    }),
  });
}

/** Runs `then` with the Subscribers ports and the reader of the route's id, or answers why not. */
const withReader =
  (then: (desk: Desk, s: DeskSubscribers, r: DeskRequest, reader: Subscriber) => Promise<Result>) =>
  async (desk: Desk, r: DeskRequest): Promise<Result> => {
    const s = portsOf(desk);
    if (isAnswer(s)) return s;
    const reader = await readerOf(s, r.params[0]);
    return isAnswer(reader) ? reader : then(desk, s, r, reader);
  };

const audit = (desk: Desk, r: DeskRequest, action: 'erase' | 'revoke-links' | 'export' | 'look-up', email: string, detail?: string) =>
  desk.audit.record({ at: r.now.toISOString(), who: r.editor.email, role: r.editor.role, action, target: maskEmail(email), detail });

export const subscriberRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/subscribers$/,
    role: 'owner',
    async handle(desk, r) {
      const s = portsOf(desk);
      return isAnswer(s) ? s : overviewPage(desk, s, r);
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/search$/,
    role: 'owner',
    async handle(desk, r) {
      const s = portsOf(desk);
      if (isAnswer(s)) return s;
      const q = (r.form.get('q') ?? '').trim();
      if (!q || q.length > 320)
        return overviewPage(desk, s, r, {
          status: 400,
          q,
          error: q ? 'At most 320 characters: an address is never longer.' : 'Type an address, or the start of one.',
        });
      const found = await search(s, q);
      // Who looked readers up, and for what: the typed text masked as an address is.
      const n = (found.exact ? 1 : 0) + found.rows.length + found.forms.length;
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'look-up',
        target: `search ${q.includes('@') ? maskEmail(q) : `${q.slice(0, 1)}***`}`,
        detail: `${n}${found.more ? '+' : ''} found`,
      });
      return overviewPage(desk, s, r, { q, search: found });
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/subscribers\/([^/]+)$/,
    role: 'owner',
    handle: withReader((desk, s, r, reader) => recordPage(desk, s, r, reader)),
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/([^/]+)\/export$/,
    role: 'owner',
    handle: withReader(async (desk, s, r, reader) => {
      // The download is its own entry (export), whatever the URL says.
      const data = await exportSubscriber(await privacyDeps(desk, s), reader.email);
      await audit(desk, r, 'export', reader.email);
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="subscriber-${reader.subscriberId}.json"`,
          'cache-control': 'no-store',
        },
        body: JSON.stringify(data, null, 2),
      };
    }),
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/([^/]+)\/revoke-links$/,
    role: 'owner',
    handle: withReader(async (desk, s, r, reader) => {
      if (r.form.get('confirm') !== 'yes')
        return recordPage(desk, s, r, reader, { status: 400, revokeError: 'Tick the box to confirm: nothing was revoked.' });
      const done = await revokeLinks({ subscribers: s.store }, reader.email);
      await audit(desk, r, 'revoke-links', reader.email, done ? `link version ${done.linkVersion}` : 'not stored');
      return seeOtherPage(`/admin/subscribers/${reader.subscriberId}?done=revoked`);
    }),
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/([^/]+)\/erase$/,
    role: 'owner',
    handle: withReader(async (desk, s, r, reader) => {
      const typed = (r.form.get('confirm') ?? '').trim();
      if (!sameAddress(typed, reader.email))
        return recordPage(desk, s, r, reader, {
          status: 400,
          typed,
          eraseError: typed
            ? 'That is not this reader’s address: nothing was erased.'
            : 'Type the reader’s address to confirm: nothing was erased.',
        });
      const done = await eraseSubscriber(await privacyDeps(desk, s), reader.email);
      await audit(
        desk,
        r,
        'erase',
        reader.email,
        `${done.deliveriesRemoved} ledger entries removed${done.pauseScrubbed ? ', masked in the sending pause' : ''}${done.sameInbox.length ? `; same inbox still stored as ${done.sameInbox.map(maskEmail).join(', ')}` : ''}`,
      );
      return seeOtherPage('/admin/subscribers?done=erased');
    }),
  },
];

/** Whether the address typed to confirm is the reader's, in any capitals or typed form that normalises to it. */
export function sameAddress(typed: string, stored: string): boolean {
  try {
    return !!typed && addressKey(normaliseEmail(typed)) === addressKey(stored);
  } catch {
    return false;
  }
}
