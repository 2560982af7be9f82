/**
 * Preview and test send: an issue's message (or a breaking article's alert) as readers get it,
 * made by the CLI's `preview` (usecases/test-send.ts previewMessage, the sender's own
 * preparation) for the sample reader, in frames at 600 px (desktop) and 375 px (phone), dark
 * (message-frame.ts says how), with its plain-text part and the checks `preview` prints
 * (usecases/preview-checks.ts). Editors and owners send it as `send-test` does (sendTest: the
 * subject marked [Test], no ledger, no counters, links that act on nobody), to themselves or up
 * to ten addresses; each send is written to the audit log with the addresses masked.
 *
 *   GET  /admin/issues/<id>/preview            the page (viewer)
 *   GET  /admin/issues/<id>/preview/message    a frame's document (?scheme=dark), its own CSP
 *   POST /admin/issues/<id>/send-test          the test send (editor)
 * and the same under /admin/articles/<id>/ for a breaking article's alert.
 */
import { html, type Result } from '../../api/http';
import { maskAddresses, maskEmail } from '../../core/address';
import { NotFoundError, findArticle, findIssue } from '../../usecases/find-content';
import { messageFacts } from '../../usecases/preview-checks';
import {
  MAX_TEST_RECIPIENTS,
  parseTestRecipientLines,
  previewMessage,
  sendTest,
  TEST_SUBJECT_PREFIX,
  TestSendError,
  type Preview,
  type RecipientLineProblem,
  type TestSubject,
} from '../../usecases/test-send';
import { samplePreviewDeps, type Desk, type DeskMail } from '../desk';
import { hb, mayAct, messagePage, when } from '../layout';
import { frameHtml, MESSAGE_FRAME_CSP, MESSAGE_VIEWS, schemeOf } from '../message-frame';
import { framedDocument, page, seeOtherPage, type DeskRequest, type DeskRoute } from '../request';

type Kind = 'issues' | 'articles';
const subjectOf = (kind: Kind, id: string): TestSubject => (kind === 'issues' ? { issueId: id } : { articleId: id });
const baseOf = (kind: Kind, id: string) => `/admin/${kind}/${encodeURIComponent(id)}`;

const view = hb.compile(`<h1>Preview: {{p.title}}</h1>
<p>{{#if alert}}The breaking alert of article {{p.id}}{{else}}Issue <a href="{{back}}">{{p.id}}</a>{{/if}}, as the sender composes it for a sample reader ({{p.reader}}).
Its unsubscribe and preferences links act on nobody; its article links are the tracked ones readers get (following one counts a click).</p>
<dl><dt>Subject</dt><dd>{{p.message.subject}}</dd><dt>From</dt><dd>{{from}}</dd></dl>
${MESSAGE_VIEWS}
<h2 id="send-test">Send a test</h2>
{{#if sent}}<p class="{{sent.kind}}" role="status">{{sent.text}}</p>{{/if}}
{{#if canSend}}<form method="post" action="{{base}}/send-test"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>Send to</legend>
<p><label><input type="radio" name="to" value="me"{{#unless toList}} checked{{/unless}}> Me ({{editor}})</label></p>
<p><label><input type="radio" name="to" value="list"{{#if toList}} checked{{/if}}> These addresses</label></p></fieldset>
<p><label for="addresses">Addresses: one a line, or separated by commas; at most ${MAX_TEST_RECIPIENTS}</label><br>
<textarea id="addresses" name="addresses" rows="4" style="width:100%;max-width:30rem"{{#if problems.length}} aria-invalid="true" aria-describedby="address-problems"{{/if}}>{{addresses}}</textarea></p>
{{#if problems.length}}<div class="note" id="address-problems" role="alert"><p>Nothing was sent. Fix the list and send again:</p>
<ul>{{#each problems}}<li>{{where}}: {{message}}</li>{{/each}}</ul></div>{{/if}}
<p><button type="submit">Send the test</button></p></form>
<p>The subject is marked “${TEST_SUBJECT_PREFIX.trim()}”; its article links go straight to the sources (no click is counted); nothing is written to the ledger or the counters, and no reader gets it.</p>
{{else}}<p>Editors and owners can send a test.</p>{{/if}}`);

/** What a request asks to preview, or the answer when it cannot be previewed. */
async function load(desk: Desk, r: DeskRequest): Promise<{ mail: DeskMail; kind: Kind; id: string; p: Preview } | Result> {
  const [kind, id] = r.params as [Kind, string];
  const back = { href: '/admin/issues', text: 'Issues and articles' };
  if (!desk.mail)
    return html(
      503,
      messagePage('No preview here', 'This console has no sender settings (SENDER_EMAIL is not set): redeploy the stack.', back),
    );
  try {
    // The stored id first, with the nearest one when it is not (as the CLI's preview refuses it).
    if (kind === 'issues') await findIssue(desk, id);
    else await findArticle(desk, id);
    const p = await previewMessage(await samplePreviewDeps(desk.mail, r.now), subjectOf(kind, id));
    return { mail: desk.mail, kind, id, p };
  } catch (e) {
    if (e instanceof NotFoundError) return html(404, messagePage('Not found', e.message, back));
    if (e instanceof TestSendError) return html(400, messagePage('No preview', e.message, back));
    throw e;
  }
}

interface FormState {
  toList?: boolean;
  addresses?: string;
  problems?: { where: string; message: string }[];
  sent?: { kind: 'done' | 'note'; text: string };
}

function render(r: DeskRequest, l: { mail: DeskMail; kind: Kind; id: string; p: Preview }, form: FormState, status = 200): Result {
  const base = baseOf(l.kind, l.id);
  return page(r, {
    title: `Preview: ${l.p.title}`,
    current: 'issues',
    status,
    content: view({
      ...form,
      p: l.p,
      alert: l.p.kind === 'alert',
      back: base,
      base,
      frame: `${base}/preview/message`,
      from: l.mail.settings.senderEmail,
      facts: messageFacts(l.p.message),
      canSend: mayAct(r.editor.role, 'editor'),
      editor: r.editor.email,
      csrf: r.csrf,
    }),
  });
}

/** The note after a send (the redirect's query carries counts only). */
function sentNote(query: DeskRequest['query']): FormState['sent'] {
  const count = (name: string) => (/^\d{1,2}$/.test(query(name) ?? '') ? Number(query(name)) : undefined);
  const sent = count('sent');
  const failed = count('failed') ?? 0;
  if (sent === undefined) return undefined;
  const to = (n: number) => `${n} address${n === 1 ? '' : 'es'}`;
  if (!failed) return { kind: 'done', text: `Test sent to ${to(sent)}.` };
  return {
    kind: 'note',
    text: `Test sent to ${to(sent)}; ${to(failed)} refused by SES (in the SES sandbox every recipient must be a verified address). The audit log has the reason.`,
  };
}

const where = (p: RecipientLineProblem) => (p.line ? `Line ${p.line}` : 'The list');

const PATHS = '(issues|articles)\\/([^/]+)';

export const previewRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^\\/admin\\/${PATHS}\\/preview$`),
    role: 'viewer',
    async handle(desk, r) {
      const l = await load(desk, r);
      return 'p' in l ? render(r, l, { sent: sentNote(r.query) }) : l;
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^\\/admin\\/${PATHS}\\/preview\\/message$`),
    role: 'viewer',
    async handle(desk, r) {
      const l = await load(desk, r);
      return 'p' in l ? framedDocument(frameHtml(l.p.message.html, schemeOf(r.query('scheme'))), MESSAGE_FRAME_CSP) : l;
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^\\/admin\\/${PATHS}\\/send-test$`),
    role: 'editor',
    async handle(desk, r) {
      const l = await load(desk, r);
      if (!('p' in l)) return l;
      const toList = r.form.get('to') !== 'me';
      const typed = r.form.get('addresses') ?? '';
      const { addresses, problems } = parseTestRecipientLines(toList ? typed : r.editor.email);
      if (problems.length)
        return render(
          r,
          l,
          { toList, addresses: typed, problems: problems.map((p) => ({ where: toList ? where(p) : 'Your address', message: p.message })) },
          400,
        );
      // Counted by the editor's account (`sub`), which a changed address does not reset.
      if (!(await desk.testSends.take(r.editor.sub, addresses.length, r.now))) {
        await desk.audit.refused({
          at: r.now.toISOString(),
          who: r.editor.email,
          role: r.editor.role,
          action: 'refused',
          target: `send-test ${l.kind === 'issues' ? 'issue' : 'alert'} ${l.id}`,
          detail: `over ${desk.testSends.perHour} test messages this hour`,
        });
        const next = new Date(Math.ceil((r.now.getTime() + 1) / 3_600_000) * 3_600_000);
        const message = `Nothing was sent: this would pass the ${desk.testSends.perHour} test messages one editor may send in an hour (a test must never become a mailing). Send to fewer addresses, or again after ${when(next.toISOString())}.`;
        return render(r, l, { toList, addresses: typed, problems: [{ where: 'The list', message }] }, 429);
      }
      const keys = await l.mail.keys();
      const result = await sendTest(
        { content: l.mail.content, settings: l.mail.settings, keys, mailer: l.mail.mailer, clock: { now: () => r.now } },
        { ...subjectOf(l.kind, l.id), to: addresses },
      );
      const failed = result.failed.map(
        (f) => `${maskEmail(f.email)} (${maskAddresses(f.error, [l.mail.settings.senderEmail]).slice(0, 160)})`,
      );
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'send-test',
        target: `${result.kind} ${result.id}`,
        detail: [
          `sent to ${result.sent.map((s) => maskEmail(s.email)).join(', ') || 'nobody'}`,
          ...(failed.length ? [`not sent: ${failed.join('; ')}`] : []),
        ].join('; '),
      });
      return seeOtherPage(`${baseOf(l.kind, l.id)}/preview?sent=${result.sent.length}&failed=${result.failed.length}#send-test`);
    },
  },
];
