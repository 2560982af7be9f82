/**
 * The preview of a draft, "as you type" (usecases/preview-draft.ts): the message the editor's
 * form would make if published now, for the sample reader. The editor page (pages/editor.ts)
 * frames it beside the form and reloads the frame each time the draft is kept (autosave); this
 * page shows it at 600 px, 375 px, dark and as text, with the checks, as the stored item's
 * preview does (pages/preview.ts). Without a draft, the stored item is shown. Reads only.
 *
 *   GET /admin/drafts/<kind>/<key>/preview            the page                          editors
 *   GET /admin/drafts/<kind>/<key>/preview/message    a frame's document (?scheme=dark, ?view=text)
 */
import { html, type Result } from '../../api/http';
import { formValues, type EditorKind } from '../../core/content/form';
import { messageFacts } from '../../usecases/preview-checks';
import { previewDraft, type DraftPreview } from '../../usecases/preview-draft';
import { samplePreviewDeps, type Desk } from '../desk';
import { hb, messagePage } from '../layout';
import { mayUseDraft } from './editor';
import { frameHtml, MESSAGE_FRAME_CSP, MESSAGE_VIEWS, schemeOf, textFrame } from '../message-frame';
import { framedDocument, page, type DeskRequest, type DeskRoute } from '../request';

const view = hb.compile(`<h1>Preview of your draft: {{p.title}}</h1>
<p>The message this {{kind}} makes as typed{{#if draft}} (draft kept {{when draft.savedAt}}){{/if}}, composed for a sample reader ({{p.reader}}); nothing is published or sent. <a href="{{edit}}">Back to the editor</a>.</p>
{{#if note}}<p class="note">{{note}}</p>{{/if}}
<dl><dt>Subject</dt><dd>{{p.message.subject}}</dd></dl>
${MESSAGE_VIEWS}`);

const problemsView = hb.compile(`<h1>Preview of your draft</h1>
<div class="note" role="alert"><p>This draft cannot be composed yet; publishing it as typed would be refused for:</p>
<ul>{{#each problems}}<li>{{this}}</li>{{/each}}</ul></div>
<p><a href="{{edit}}">Back to the editor</a>: each message is shown beside its field when you publish.</p>`);

type Loaded = { kind: EditorKind; key: string; edit: string; savedAt?: string; result: DraftPreview };

async function load(desk: Desk, r: DeskRequest): Promise<Loaded | Result> {
  const kind: EditorKind = r.params[0] === 'article' ? 'article' : 'issue';
  const key = r.params[1];
  const edit = key.startsWith('new-') ? `/admin/${kind}s/new` : `/admin/${kind}s/${key}/edit`;
  if (!mayUseDraft(r, key)) return html(404, messagePage('Not found', 'No such draft.', { href: '/admin/issues', text: 'Issues' }));
  if (!desk.mail)
    return html(503, messagePage('No preview here', 'This console has no sender settings (SENDER_EMAIL is not set): redeploy the stack.'));
  const draft = await desk.drafts.getDraft(kind, key);
  const item = draft || key.startsWith('new-') ? undefined : await stored(desk, kind, key);
  const values = draft?.values ?? (item ? formValues(kind, item) : undefined);
  if (!values) return { kind, key, edit, result: { problems: ['nothing typed yet: the preview follows the form as you type'] } };
  const result = await previewDraft(await samplePreviewDeps(desk.mail, r.now), { kind, values });
  return { kind, key, edit, savedAt: draft?.savedAt, result };
}

async function stored(desk: Desk, kind: EditorKind, id: string) {
  return kind === 'issue' ? desk.content.getIssue(id) : (await desk.content.getArticles([id]))[0];
}

const PATH = '^\\/admin\\/drafts\\/(article|issue)\\/([a-z0-9-]+)\\/preview';

export const draftPreviewRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${PATH}$`),
    role: 'editor',
    async handle(desk, r) {
      const l = await load(desk, r);
      if (!('result' in l)) return l;
      const title = 'Preview of your draft';
      if ('problems' in l.result)
        return page(r, { title, current: 'issues', content: problemsView({ problems: l.result.problems, edit: l.edit }) });
      const { preview: p, note } = l.result;
      return page(r, {
        title,
        current: 'issues',
        content: view({
          p,
          note,
          kind: l.kind,
          edit: l.edit,
          draft: l.savedAt ? { savedAt: l.savedAt } : undefined,
          facts: messageFacts(p.message),
          frame: `/admin/drafts/${l.kind}/${l.key}/preview/message`,
        }),
      });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${PATH}\\/message$`),
    role: 'editor',
    async handle(desk, r) {
      const l = await load(desk, r);
      if (!('result' in l)) return l;
      if ('problems' in l.result)
        return framedDocument(
          textFrame('Not yet a message: publishing it as typed would be refused for', l.result.problems),
          MESSAGE_FRAME_CSP,
        );
      const { message } = l.result.preview;
      if (r.query('view') === 'text') return framedDocument(textFrame('Plain-text part', [message.text], true), MESSAGE_FRAME_CSP);
      return framedDocument(frameHtml(message.html, schemeOf(r.query('scheme'))), MESSAGE_FRAME_CSP);
    },
  },
];
