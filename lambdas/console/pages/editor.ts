/**
 * The editors of articles and issues: the front-matter fields as a form, the body in Markdown,
 * saved through the same use-case as `publish` (usecases/save-content.ts: the same parser and
 * every rule of publish), its messages shown beside the field each is about. A save carries the
 * version the editor started from: a newer stored version is refused with who saved it and when.
 * What is typed is kept as a draft while typing (a small script posts the form a moment after
 * the last keystroke; without script, "Save draft"), and after a refused save, so nothing is lost.
 * Below the form, the draft's message (pages/draft-preview.ts), reloaded each time the draft is kept.
 *
 *   GET  /admin/articles/new, /admin/issues/new          a new item                       editors
 *   GET  /admin/articles/<id>/edit, /admin/issues/<id>/edit
 *   POST /admin/articles/save, /admin/issues/save        publish it (a breaking article: owners)
 *   POST /admin/drafts/<kind>/<key>                      keep the draft (autosave)
 *   POST /admin/drafts/<kind>/<key>/discard              drop it
 */
import { html, json, type Result } from '../../api/http';
import { fieldsOf, formToFile, formValues, messagesByField, type EditorKind } from '../../core/content/form';
import { DRAFT_KEY, MAX_DRAFT_CHARS, newDraftKey, type Draft } from '../../core/drafts';
import type { Article, Issue } from '../../core/model';
import { createHmac } from 'node:crypto';
import { parseContent } from '../../core/content/parse';
import { canonicalJson } from '../../core/content/versions';
import { previewDraft } from '../../usecases/preview-draft';
import { PublishError } from '../../usecases/publish';
import { saveContent } from '../../usecases/save-content';
import { samplePreviewDeps, type Desk } from '../desk';
import { hb, messagePage, when } from '../layout';
import { page, seeOtherPage, type DeskRequest, type DeskRoute } from '../request';

const form = hb.compile(`<h1>{{heading}}</h1>
{{#if note}}<p class="{{note.kind}}" role="status">{{note.text}}</p>{{/if}}
{{#if drafted}}<div class="note"><p>This form shows a draft{{#if drafted.by}} by {{drafted.by}}{{/if}}, kept {{when drafted.savedAt}}, not the stored {{kind}}.{{#if drafted.changed.length}} Changed from the stored version: {{#each drafted.changed}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}.{{/if}}</p>
{{#if drafted.breaking}}<p><strong>Its priority is breaking: publishing it sends its alert to readers at once.</strong></p>{{/if}}</div>{{/if}}
{{#if confirmAlert}}<div class="note" role="alert" id="confirm-alert"><p><strong>Not published yet: publishing this breaking article sends its alert at once</strong>, to {{#if confirmAlert.hasCount}}{{confirmAlert.count}} reader{{#unless confirmAlert.one}}s{{/unless}}{{else}}every reader{{/if}} who take{{#if confirmAlert.one}}s{{/if}} alerts and follow{{#if confirmAlert.one}}s{{/if}} one of its topics (or chose none). It cannot be called back.</p>
{{#if confirmAlert.changed}}<p>The article changed since you confirmed it: this is the alert it makes now.</p>{{/if}}
{{#if confirmAlert.subject}}<dl><dt>Subject</dt><dd>{{confirmAlert.subject}}</dd></dl>
<details><summary>The alert's text, as readers get it</summary><pre class="text-part">{{confirmAlert.text}}</pre></details>{{/if}}
{{#unless confirmAlert.subject}}<p><a href="{{confirmAlert.preview}}">Preview the alert</a> (your text is kept as a draft).</p>{{/unless}}
<input type="hidden" form="editor" name="alertOf" value="{{confirmAlert.token}}">
<p><button type="submit" form="editor" name="sendAlert" value="yes">Publish and send the alert</button></p></div>{{/if}}
{{#if general.length}}<div class="note" role="alert"><p>Not saved:</p><ul>{{#each general}}<li>{{this}}</li>{{/each}}</ul></div>{{/if}}
<form id="editor" method="post" action="/admin/{{kind}}s/save" data-draft="/admin/drafts/{{kind}}/{{key}}" novalidate>
<input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="baseVersion" value="{{baseVersion}}"><input type="hidden" name="key" value="{{key}}">
{{#each fields}}<p class="field"><label for="f-{{name}}">{{label}}</label>{{#if hint}} <span class="hint" id="h-{{name}}">{{hint}}</span>{{/if}}<br>
{{#if isSelect}}<select id="f-{{name}}" name="{{name}}"{{#if errors}} aria-invalid="true" aria-describedby="e-{{name}}"{{/if}}>{{#each options}}<option value="{{value}}"{{#if selected}} selected{{/if}}>{{value}}</option>{{/each}}</select>
{{else if isArea}}<textarea id="f-{{name}}" name="{{name}}" rows="{{rows}}"{{#if errors}} aria-invalid="true" aria-describedby="e-{{name}}"{{/if}}>{{value}}</textarea>
{{else}}<input id="f-{{name}}" name="{{name}}" type="text" value="{{value}}"{{#if errors}} aria-invalid="true" aria-describedby="e-{{name}}"{{/if}}>{{/if}}
{{#if errors}}<span class="error" id="e-{{name}}">{{#each errors}}{{this}} {{/each}}</span>{{/if}}</p>
{{/each}}
<p><button type="submit">Publish</button> <button type="submit" formaction="/admin/drafts/{{kind}}/{{key}}" class="secondary">Save draft</button>
<span id="draft-status" role="status">{{#if draft}}Draft kept {{when draft.savedAt}}.{{/if}}</span></p></form>
{{#if draft}}<form method="post" action="/admin/drafts/{{kind}}/{{key}}/discard"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="secondary">Discard the draft</button></form>{{/if}}
{{#if savedId}}<p><a href="{{savedLink}}">{{savedText}}</a></p>{{/if}}
<h2 id="preview">Preview as you type</h2>
<p>The message this {{kind}} makes as typed, for a sample reader: it follows the form each time the draft is kept. <a href="/admin/drafts/{{kind}}/{{key}}/preview">All views, with the checks</a>.</p>
<fieldset id="preview-views" hidden><legend>Show</legend>
<label><input type="radio" name="pv" value="600" checked> Desktop (600 px)</label> <label><input type="radio" name="pv" value="375"> Phone (375 px)</label>
<label><input type="radio" name="pv" value="dark"> Dark</label> <label><input type="radio" name="pv" value="text"> Plain text</label></fieldset>
<div class="scroll" tabindex="0"><iframe id="preview-frame" src="/admin/drafts/{{kind}}/{{key}}/preview/message" width="600" height="700" sandbox title="Preview of this {{kind}} as typed"></iframe></div>
<script nonce="{{nonce}}">(function(){var f=document.getElementById('editor'),s=document.getElementById('draft-status'),t,
p=document.getElementById('preview-frame'),v=document.getElementById('preview-views'),base=p.getAttribute('src');v.hidden=false;
function show(){var k=(v.querySelector('input:checked')||{}).value||'600';p.width=k==='600'?600:375;
p.src=base+'?'+(k==='dark'?'scheme=dark&':k==='text'?'view=text&':'')+'at='+Date.now();}
v.addEventListener('change',show);
f.addEventListener('input',function(){clearTimeout(t);t=setTimeout(function(){
fetch(f.dataset.draft+'?js=1',{method:'POST',credentials:'same-origin',headers:{'content-type':'application/x-www-form-urlencoded'},body:new URLSearchParams(new FormData(f))})
.then(function(r){s.textContent=r.ok?'Draft kept '+new Date().toLocaleTimeString()+'.':r.status===401||r.status===403?'Draft not kept: your session ended. Copy your text, sign in again, and paste it back.':'Draft not kept ('+r.status+'): copy your text before leaving.';if(r.ok)show();})
.catch(function(){s.textContent='Draft not kept (offline): copy your text before leaving.';});},1500);});})();</script>`);

const NOTES: Record<string, { kind: 'done' | 'note'; text: string }> = {
  saved: { kind: 'done', text: 'Published.' },
  unchanged: { kind: 'note', text: 'Nothing changed: the stored item is already this text.' },
  draft: { kind: 'done', text: 'Draft kept.' },
  discarded: { kind: 'done', text: 'Draft discarded: the form shows the stored item.' },
};

const kindOf = (k: string): EditorKind => (k === 'article' || k === 'articles' ? 'article' : 'issue');

async function stored(desk: Desk, kind: EditorKind, id: string): Promise<Article | Issue | undefined> {
  return kind === 'issue' ? desk.content.getIssue(id) : (await desk.content.getArticles([id]))[0];
}

interface EditorView {
  kind: EditorKind;
  key: string;
  values: Record<string, string>;
  baseVersion: number;
  byField?: Record<string, string[]>;
  general?: string[];
  draft?: Draft;
  /** A breaking article's publish, asked to confirm: how many readers its alert goes to (undefined: not counted here). */
  confirmAlert?: { count?: number; preview: string; token: string; changed: boolean; subject?: string; text?: string };
  /** A draft of a stored item: whose (undefined: yours), and what differs from the stored version. */
  drafted?: { by?: string; savedAt: string; changed: string[]; breaking: boolean };
  note?: string;
  status?: number;
}

function editorPage(r: DeskRequest, v: EditorView): Result {
  const fields = fieldsOf(v.kind).map((f) => ({
    ...f,
    value: v.values[f.name] ?? '',
    errors: v.byField?.[f.name],
    isSelect: f.input === 'select',
    isArea: ['textarea', 'lines', 'pairs', 'markdown'].includes(f.input),
    rows: f.input === 'markdown' ? 18 : f.input === 'textarea' ? 3 : 4,
    options: f.options?.map((o) => ({ value: o, selected: (v.values[f.name] ?? '') === o })),
  }));
  const id = v.values.id;
  const isNew = v.baseVersion === 0;
  return page(r, {
    title: `${isNew ? 'New' : 'Edit'} ${v.kind}`,
    current: 'issues',
    status: v.status,
    content: form({
      heading: isNew ? `New ${v.kind}` : `Edit ${v.kind} ${id}`,
      kind: v.kind,
      key: v.key,
      csrf: r.csrf,
      nonce: r.nonce,
      baseVersion: v.baseVersion,
      fields,
      general: v.general,
      draft: v.draft,
      drafted: v.drafted,
      confirmAlert: v.confirmAlert && { ...v.confirmAlert, hasCount: v.confirmAlert.count !== undefined, one: v.confirmAlert.count === 1 },
      note: v.note ? NOTES[v.note] : undefined,
      savedId: !isNew && id,
      savedLink: v.kind === 'issue' ? `/admin/issues/${id}` : '/admin/issues',
      savedText: v.kind === 'issue' ? 'The issue’s page' : 'All issues and articles',
    }),
  });
}

async function open(desk: Desk, r: DeskRequest, kind: EditorKind, id?: string): Promise<Result> {
  const item = id ? await stored(desk, kind, id) : undefined;
  if (id && !item)
    return html(404, messagePage(`No such ${kind}`, `No ${kind} "${id}" is stored.`, { href: '/admin/issues', text: 'All issues' }));
  const key = id ?? newDraftKey(r.editor.sub);
  const draft = await desk.drafts.getDraft(kind, key);
  const values = draft?.values ?? formValues(kind, item);
  return editorPage(r, {
    kind,
    key,
    values,
    baseVersion: draft?.baseVersion ?? item?.version ?? 0,
    draft,
    drafted: draft && item ? draftedOver(kind, draft, item, r.editor.email) : undefined,
    note: r.query('done'),
  });
}

/**
 * What the form shows when it is a draft of a stored item (drafts of an item are shared by its
 * editors): whose, and which fields differ from the stored version, so nobody publishes a change
 * they did not see — a breaking priority above all.
 */
function draftedOver(kind: EditorKind, draft: Draft, item: Article | Issue, me: string): EditorView['drafted'] {
  const storedValues = formValues(kind, item);
  const changed = fieldsOf(kind)
    .filter((f) => (draft.values[f.name] ?? '').trim() !== (storedValues[f.name] ?? '').trim())
    .map((f) => f.label.toLowerCase());
  const breaking = item.kind === 'article' && item.priority !== 'breaking' && draft.values.priority?.trim() === 'breaking';
  return { by: draft.by === me ? undefined : draft.by, savedAt: draft.savedAt, changed, breaking };
}

async function save(desk: Desk, r: DeskRequest, kind: EditorKind): Promise<Result> {
  const values = Object.fromEntries(fieldsOf(kind).map((f) => [f.name, r.form.get(f.name) ?? '']));
  // The id as publish will read it (trimmed), once, for every look-up below: a stored item found
  // under another spelling than the one saved would skip its checks.
  values.id = values.id.trim();
  const baseVersion = Number(r.form.get('baseVersion') ?? '0');
  const key = r.form.get('key') ?? '';
  if (!mayUseDraft(r, key) || !Number.isInteger(baseVersion) || baseVersion < 0)
    return html(400, messagePage('Not saved', 'The form was changed or is out of date: open the editor again.'));
  const view = { kind, key, values, baseVersion };
  const before = kind === 'issue' && values.id ? await desk.content.getIssue(values.id) : undefined;
  const file = formToFile(kind, (n) => values[n], before);
  // Decided on the item as publish will read it (a value typed as "breaking " is breaking too).
  if (values.id?.trim() === 'new')
    return editorPage(r, { ...view, status: 400, byField: { id: ['new is the editor’s own address (/admin/…s/new): choose another id'] } });
  const parsed = parsedItem(file, r.now);
  const breaking = parsed?.kind === 'article' && parsed.priority === 'breaking';
  const was = kind === 'article' && values.id ? await stored(desk, kind, values.id) : undefined;
  const wasBreaking = was?.kind === 'article' && was.priority === 'breaking';
  // Publishing it sends its alert at once (an article already breaking has had its alert).
  const alerts = breaking && !wasBreaking;
  // A breaking article is the owners' alone, also once its alert went: the sender reads the
  // stored article while the alert is still going out, so a change would reach readers unseen.
  if ((breaking || wasBreaking) && r.editor.role !== 'owner') {
    await desk.audit.refused({
      at: r.now.toISOString(),
      who: r.editor.email,
      role: r.editor.role,
      action: 'refused',
      target: `article ${values.id ?? ''}`.trim(),
      detail: 'a breaking article (its alert) needs owner',
    });
    return editorPage(r, {
      ...view,
      status: 403,
      byField: { priority: ['publishing a breaking article sends its alert to readers at once: only an owner can publish one'] },
    });
  }
  // The confirmation is of this very article: a change since (another tab, a changed draft) asks again.
  const token = alerts && parsed?.kind === 'article' ? alertToken(r.secret, parsed, baseVersion) : undefined;
  if (alerts && parsed?.kind === 'article' && (r.form.get('sendAlert') !== 'yes' || r.form.get('alertOf') !== token)) {
    // One more step, as Send now has: what goes, to how many, and a look at it first.
    await keepDraft(desk, r, view);
    const count = desk.audience ? await desk.audience.alertAudienceCount(parsed.topics) : undefined;
    const shown = desk.mail ? await previewDraft(await samplePreviewDeps(desk.mail, r.now), { kind, values }) : undefined;
    const message = shown && 'preview' in shown ? shown.preview.message : undefined;
    return editorPage(r, {
      ...view,
      draft: await desk.drafts.getDraft(kind, key),
      confirmAlert: {
        count,
        preview: `/admin/drafts/article/${key}/preview`,
        token: token!,
        changed: r.form.get('sendAlert') === 'yes',
        subject: message?.subject,
        text: message?.text,
      },
    });
  }
  try {
    const outcome = await saveContent({ ...desk.editing, clock: desk.clock }, { file, baseVersion, editor: r.editor.email });
    if (!outcome.saved) {
      await keepDraft(desk, r, view);
      const { stored: newer, base } = outcome.refusal;
      const who = `${newer.updatedBy} on ${when(newer.updatedAt)}`;
      return editorPage(r, {
        ...view,
        draft: await desk.drafts.getDraft(kind, key),
        status: 409,
        general: [
          `Not saved over a newer version: this ${kind} was changed by ${who} (version ${newer.version}; you started from version ${base}).`,
          'Your text is kept as a draft. Copy what you need, discard the draft to see the stored version, and make your change again.',
        ],
      });
    }
    await desk.drafts.deleteDraft(kind, key);
    await desk.audit.record({
      at: r.now.toISOString(),
      who: r.editor.email,
      role: r.editor.role,
      action: 'save',
      target: `${kind} ${outcome.id}`,
      detail: outcome.changed ? `version ${outcome.version}${alerts ? ', breaking: its alert goes out now' : ''}` : 'no change',
    });
    return seeOtherPage(`/admin/${kind}s/${outcome.id}/edit?done=${outcome.changed ? 'saved' : 'unchanged'}`);
  } catch (e) {
    if (!(e instanceof PublishError)) throw e;
    const kept = await keepDraft(desk, r, view);
    const { byField, general } = messagesByField(e.problems, kind);
    // Publish's messages name its CLI flag; the console has none (on purpose: see docs/editors.md).
    if (e.problems.some((p) => p.includes('--force')))
      general.push('The console does not overwrite this: an owner can, from the repository, with npm run cli -- publish --force <file>.');
    // Too large to keep: say so, or the text is gone when the tab closes.
    if (!kept)
      general.push(
        `Not kept as a draft either (more than ${MAX_DRAFT_CHARS} characters in all): copy your text before you leave this page.`,
      );
    return editorPage(r, { ...view, status: 400, byField, general });
  }
}

/**
 * A draft key this editor may write: a stored item's id (its draft is shared by the item's
 * editors), or their own new item's key — another editor's unpublished draft is theirs alone.
 */
export function mayUseDraft(r: Pick<DeskRequest, 'editor'>, key: string): boolean {
  return DRAFT_KEY.test(key) && (!key.startsWith('new-') || key === newDraftKey(r.editor.sub));
}

/** What an owner confirms a breaking article's alert for: this article's content, bound to their session. */
function alertToken(secret: Uint8Array, a: Article, baseVersion: number): string {
  const { publishedAt: _at, ...content } = a;
  // With the version it is saved over: once published (or saved again), an old step's token is spent.
  return createHmac('sha256', secret)
    .update(`${baseVersion}\n${canonicalJson(content)}`)
    .digest('base64url');
}

/** The item publish will read in the file, when it parses (else publish refuses it anyway, with its messages). */
function parsedItem(file: { name: string; text: string }, now: Date): Article | Issue | undefined {
  try {
    return parseContent(file.name, file.text, now, { pastSendAt: 'later' });
  } catch {
    return undefined;
  }
}

async function keepDraft(desk: Desk, r: DeskRequest, v: Pick<EditorView, 'kind' | 'key' | 'values' | 'baseVersion'>): Promise<boolean> {
  const size = Object.values(v.values).reduce((n, s) => n + s.length, 0);
  if (size > MAX_DRAFT_CHARS) return false;
  await desk.drafts.putDraft({
    kind: v.kind,
    key: v.key,
    values: v.values,
    baseVersion: v.baseVersion,
    by: r.editor.email,
    savedAt: r.now.toISOString(),
  });
  return true;
}

export const editorRoutes: DeskRoute[] = [
  { method: 'GET', pattern: /^\/admin\/(article|issue)s\/new$/, role: 'editor', handle: (desk, r) => open(desk, r, kindOf(r.params[0])) },
  {
    method: 'GET',
    pattern: /^\/admin\/(article|issue)s\/([a-z0-9-]+)\/edit$/,
    role: 'editor',
    handle: (desk, r) => open(desk, r, kindOf(r.params[0]), r.params[1]),
  },
  { method: 'POST', pattern: /^\/admin\/(article|issue)s\/save$/, role: 'editor', handle: (desk, r) => save(desk, r, kindOf(r.params[0])) },
  {
    method: 'POST',
    pattern: /^\/admin\/drafts\/(article|issue)\/([a-z0-9-]+)$/,
    role: 'editor',
    async handle(desk, r) {
      const kind = kindOf(r.params[0]);
      const key = r.params[1];
      if (!mayUseDraft(r, key)) return html(404, messagePage('No such draft', 'Open the editor again.'));
      const values = Object.fromEntries(fieldsOf(kind).map((f) => [f.name, r.form.get(f.name) ?? '']));
      const baseVersion = Number(r.form.get('baseVersion') ?? '0');
      const kept = Number.isInteger(baseVersion) && baseVersion >= 0 && (await keepDraft(desk, r, { kind, key, values, baseVersion }));
      if (r.query('js') === '1')
        return kept ? { statusCode: 204, body: '' } : json(413, { error: `a draft keeps at most ${MAX_DRAFT_CHARS} characters` });
      if (!kept) return html(413, messagePage('Draft not kept', `A draft keeps at most ${MAX_DRAFT_CHARS} characters.`));
      return seeOtherPage(key.startsWith('new-') ? `/admin/${kind}s/new?done=draft` : `/admin/${kind}s/${key}/edit?done=draft`);
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/drafts\/(article|issue)\/([a-z0-9-]+)\/discard$/,
    role: 'editor',
    async handle(desk, r) {
      const kind = kindOf(r.params[0]);
      const key = r.params[1];
      if (!mayUseDraft(r, key)) return html(404, messagePage('No such draft', 'Open the editor again.'));
      await desk.drafts.deleteDraft(kind, key);
      return seeOtherPage(key.startsWith('new-') ? `/admin/${kind}s/new?done=discarded` : `/admin/${kind}s/${key}/edit?done=discarded`);
    },
  },
];
