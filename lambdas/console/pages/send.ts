/**
 * An issue's sending page (/admin/issues/<id>/send): for owners Schedule (a date and time in the
 * newsletter's time zone, stored as the issue's sendAt with its one-time schedule), Unschedule
 * and Send now, each through a confirmation that shows the digest audience count and what will
 * happen; the confirmation posts back what was shown, so a change in between is caught
 * (usecases/desk-send.ts). For owners and editors, the issue's subject test
 * (usecases/desk-subject-test.ts). Every change is written to the audit log with the issue id.
 */
import { html, type Result } from '../../api/http';
import { NotFoundError, findIssue } from '../../usecases/find-content';
import { createHmac, randomBytes } from 'node:crypto';
import { confirmSend, prepareSend, SEND_ACTIONS, SendRefused, type SendAction, type SendStep } from '../../usecases/desk-send';
import { readSubjectTest, saveSubjectTest } from '../../usecases/desk-subject-test';
import { issueState } from '../../core/find';
import { formatLocal } from '../../core/local-time';
import type { Issue } from '../../core/model';
import type { AuditAction } from '../../core/audit';
import type { Desk } from '../desk';
import { hb, messagePage } from '../layout';
import { page, seeOtherPage, type DeskRequest, type DeskRoute } from '../request';

const NOTES: Record<string, string> = {
  schedule: 'Scheduled: the issue goes at its send time.',
  unschedule: 'Unscheduled: the issue goes back to the weekly digest run.',
  send: 'Handed to the digest planner: it queues the issue now. Its figures show on the issue’s page as it goes.',
  'subject-test': 'Subject test saved.',
  'subject-test-removed': 'Subject test removed: everyone gets the issue’s own subject.',
};

const sendPage = hb.compile(`<h1>Sending: {{issue.title}}</h1>
<p><a href="/admin/issues/{{issue.id}}">Back to the issue</a></p>
{{#if note}}<p class="done" role="status">{{note}}</p>{{/if}}
<dl><dt>Id</dt><dd>{{issue.id}}</dd><dt>State</dt><dd><span class="state">{{state}}</span></dd>
<dt>Send time</dt><dd>{{#if issue.sendAt}}<time datetime="{{issue.sendAt}}">{{when issue.sendAt zone}}</time>{{else}}{{#if issue.plannedAt}}none{{else}}none: the weekly digest run sends the latest issue{{/if}}{{/if}}</dd>
{{#if issue.plannedAt}}<dt>Sent</dt><dd><time datetime="{{issue.plannedAt}}">{{when issue.plannedAt zone}}</time></dd>{{/if}}</dl>
{{#if issue.plannedAt}}{{#if sendError}}<p class="note" role="alert">{{sendError}}</p>{{/if}}{{#if testErrors.length}}<ul class="note" role="alert">{{#each testErrors}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
<p>This issue went: it cannot be scheduled, sent again or given a subject test. To send its news again, publish it as a new issue with its own id. <a href="/admin/issues/{{issue.id}}">Its figures</a>.</p>
{{else}}{{#if owner}}<h2>Schedule or send</h2>
{{#if sendError}}<p class="note" role="alert" id="send-error">{{sendError}}</p>{{/if}}
<form method="post" action="/admin/issues/{{issue.id}}/send"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="schedule">
<p><label for="sendAt">Send time ({{zone}}, the newsletter’s time zone)</label><br>
<input id="sendAt" name="sendAt" type="datetime-local" value="{{sendAt}}"{{#if sendError}} aria-describedby="send-error"{{/if}}></p>
<p><button type="submit">Schedule…</button></p></form>
{{#if issue.sendAt}}<form method="post" action="/admin/issues/{{issue.id}}/send"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="unschedule"><p><button type="submit">Unschedule…</button></p></form>{{/if}}
<form method="post" action="/admin/issues/{{issue.id}}/send"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="send"><p><button type="submit">Send now…</button></p></form>
<p>Each asks you to confirm, with the number of readers it goes to.</p>
{{else}}<p>An owner schedules and sends issues.</p>{{/if}}
<h2>Subject test</h2>
<p>Two subjects tried on a share of the audience; after the wait the rest gets the one with more clicks per delivered message.</p>
{{#if testErrors.length}}<ul class="note" role="alert" id="test-errors">{{#each testErrors}}<li>{{this}}</li>{{/each}}</ul>{{/if}}
<form method="post" action="/admin/issues/{{issue.id}}/subject-test"><input type="hidden" name="csrf" value="{{csrf}}">
<p><label for="subject1">First subject</label><br><input id="subject1" name="subject1" maxlength="200" size="32" value="{{test.subject1}}"></p>
<p><label for="subject2">Second subject</label><br><input id="subject2" name="subject2" maxlength="200" size="32" value="{{test.subject2}}"></p>
<p><label for="share">Share of the audience in the test (percent, 2–50; blank: 20)</label><br><input id="share" name="share" inputmode="numeric" size="6" value="{{test.share}}"></p>
<p><label for="waitHours">Wait before the rest goes (hours, 0.25–72; blank: 4)</label><br><input id="waitHours" name="waitHours" inputmode="decimal" size="6" value="{{test.waitHours}}"></p>
<p><button type="submit">Save the subject test</button></p></form>
{{#if issue.subjectTest}}<form method="post" action="/admin/issues/{{issue.id}}/subject-test"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="remove" value="yes"><p><button type="submit">Remove the subject test</button></p></form>{{/if}}{{/if}}`);

const confirmPage = hb.compile(`<h1>Confirm: {{title}}</h1>
{{#if why}}<p class="note" role="alert">{{why}}</p>{{/if}}
<p>Issue <a href="/admin/issues/{{step.issueId}}">{{step.issueId}}</a>. The digest audience: <strong>{{step.audience}}</strong> confirmed reader(s) now.</p>
<ul>{{#each step.what}}<li>{{this}}</li>{{/each}}</ul>
<form method="post" action="/admin/issues/{{step.issueId}}/send/confirm"><input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="action" value="{{step.action}}"><input type="hidden" name="version" value="{{step.version}}"><input type="hidden" name="audience" value="{{step.audience}}"><input type="hidden" name="shownAt" value="{{step.shownAt}}">
<input type="hidden" name="confirmId" value="{{confirmId}}"><input type="hidden" name="sig" value="{{sig}}">
{{#if step.sendAt}}<input type="hidden" name="sendAt" value="{{step.sendAt}}">{{/if}}
<p><button type="submit">{{button}}</button> <a href="/admin/issues/{{step.issueId}}/send">Cancel</a></p></form>`);

const TITLES: Record<SendAction, { title: string; button: string }> = {
  schedule: { title: 'schedule the issue', button: 'Schedule it' },
  unschedule: { title: 'remove its send time', button: 'Unschedule it' },
  send: { title: 'send the issue now', button: 'Send it now' },
};

const zoneOf = (desk: Desk) => desk.schedule?.timeZone ?? 'UTC';

/** `YYYY-MM-DDTHH:MM` of an instant in `zone`, for the datetime-local box. */
function localValue(at: string | undefined, zone: string): string {
  if (!at) return '';
  const [date, time] = formatLocal(new Date(at), zone).split(', ');
  const [d, m, y] = date.split('/');
  return `${y}-${m}-${d}T${time}`;
}

async function issueOr404(desk: Desk, id: string): Promise<Issue | Result> {
  try {
    return await findIssue(desk, id);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    return html(404, messagePage('No such issue', e.message, { href: '/admin/issues', text: 'All issues' }));
  }
}

async function showSendPage(
  desk: Desk,
  r: DeskRequest,
  issue: Issue,
  o: { status?: number; sendError?: string; sendAt?: string; testErrors?: string[]; test?: Record<string, string> } = {},
): Promise<Result> {
  const zone = zoneOf(desk);
  const t = issue.subjectTest;
  const stored = t
    ? { subject1: t.subjects[0], subject2: t.subjects[1], share: String(t.sharePercent), waitHours: String(t.waitMinutes / 60) }
    : {};
  return page(r, {
    title: `Sending: ${issue.title}`,
    current: 'issues',
    status: o.status,
    content: sendPage({
      issue,
      state: issueState(issue, await desk.counters.get(issue.id)),
      zone,
      csrf: r.csrf,
      owner: r.editor.role === 'owner',
      note: NOTES[r.query('done') ?? ''],
      sendError: o.sendError,
      sendAt: o.sendAt ?? localValue(issue.sendAt, zone),
      testErrors: o.testErrors ?? [],
      test: o.test ?? stored,
    }),
  });
}

function showConfirm(r: DeskRequest, step: SendStep, why?: string): Result {
  const t = TITLES[step.action];
  const confirmId = randomBytes(16).toString('base64url');
  return page(r, {
    title: `Confirm: ${t.title}`,
    current: 'issues',
    status: why ? 409 : 200,
    content: confirmPage({ ...t, step, why, csrf: r.csrf, confirmId, sig: confirmationSig(r.secret, step, confirmId) }),
  });
}

/**
 * What binds a confirmation to what was shown, in this session: its action, issue, version,
 * audience, time, send time and its one-time id, keyed with a key of the session the server alone holds.
 */
function confirmationSig(
  secret: Uint8Array,
  step: Pick<SendStep, 'action' | 'issueId' | 'version' | 'audience' | 'shownAt' | 'sendAt'>,
  id: string,
) {
  const fields = [step.action, step.issueId, step.version, String(step.audience), step.shownAt, step.sendAt ?? '', id];
  return createHmac('sha256', secret).update(fields.join('\n')).digest('base64url');
}

const ACTION_AUDIT: Record<SendAction, AuditAction> = { schedule: 'schedule', unschedule: 'unschedule', send: 'send' };

export const sendRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/issues\/([^/]+)\/send$/,
    role: 'editor',
    async handle(desk, r) {
      const issue = await issueOr404(desk, r.params[0]);
      return 'kind' in issue ? showSendPage(desk, r, issue) : issue;
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/issues\/([^/]+)\/send$/,
    role: 'owner',
    async handle(desk, r) {
      const issue = await issueOr404(desk, r.params[0]);
      if (!('kind' in issue)) return issue;
      const action = SEND_ACTIONS.find((a) => a === r.form.get('action'));
      const sendAt = r.form.get('sendAt') ?? '';
      if (!action) return showSendPage(desk, r, issue, { status: 400, sendError: 'Choose Schedule, Unschedule or Send now.' });
      try {
        return showConfirm(r, await prepareSend(desk, issue, action, { sendAt, timeZone: zoneOf(desk) }, r.now));
      } catch (e) {
        if (!(e instanceof SendRefused)) throw e;
        return showSendPage(desk, r, issue, { status: 400, sendError: e.message, sendAt });
      }
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/issues\/([^/]+)\/send\/confirm$/,
    role: 'owner',
    async handle(desk, r) {
      const issue = await issueOr404(desk, r.params[0]);
      if (!('kind' in issue)) return issue;
      const action = SEND_ACTIONS.find((a) => a === r.form.get('action'));
      const audience = Number(r.form.get('audience'));
      const version = r.form.get('version') ?? '';
      if (!action || !version || !Number.isInteger(audience))
        return showSendPage(desk, r, issue, {
          status: 400,
          sendError: 'That confirmation was incomplete: nothing was done. Start again here.',
        });
      // Only a confirmation this session was shown, as shown, and only once.
      const posted = {
        action,
        issueId: issue.id,
        version,
        audience,
        shownAt: r.form.get('shownAt') ?? '',
        sendAt: r.form.get('sendAt') ?? undefined,
      };
      const confirmId = r.form.get('confirmId') ?? '';
      const genuine = /^[A-Za-z0-9_-]{16,64}$/.test(confirmId) && r.form.get('sig') === confirmationSig(r.secret, posted, confirmId);
      const once = genuine && (await desk.confirmations.use(confirmId, r.now));
      if (!once) {
        try {
          const fresh = await prepareSend(desk, issue, action, { sendAt: posted.sendAt, timeZone: zoneOf(desk) }, r.now);
          const why = genuine
            ? 'this confirmation was used already (another tab, or the form sent again): check it as it is now and confirm again'
            : 'this is not a confirmation this console showed you: check it as it is now and confirm again';
          return showConfirm(r, fresh, why);
        } catch (e) {
          if (!(e instanceof SendRefused)) throw e;
          return showSendPage(desk, r, issue, { status: 400, sendError: e.message });
        }
      }
      let result;
      try {
        result = await confirmSend(
          desk,
          issue,
          { action, version, audience, sendAt: r.form.get('sendAt') ?? undefined, shownAt: r.form.get('shownAt') ?? undefined },
          zoneOf(desk),
          r.now,
        );
      } catch (e) {
        if (!(e instanceof SendRefused)) throw e;
        return showSendPage(desk, r, issue, { status: 400, sendError: e.message });
      }
      if (result.status === 'changed') return showConfirm(r, result.fresh, result.why);
      const step = result.step;
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: ACTION_AUDIT[step.action],
        target: issue.id,
        detail: `${step.sendAt ? `sendAt ${step.sendAt}; ` : ''}audience ${step.audience}`,
      });
      return seeOtherPage(`/admin/issues/${encodeURIComponent(issue.id)}/send?done=${step.action}`);
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/issues\/([^/]+)\/subject-test$/,
    role: 'editor',
    async handle(desk, r) {
      const issue = await issueOr404(desk, r.params[0]);
      if (!('kind' in issue)) return issue;
      const remove = r.form.get('remove') === 'yes';
      const typed = {
        subject1: r.form.get('subject1') ?? '',
        subject2: r.form.get('subject2') ?? '',
        share: r.form.get('share') ?? '',
        waitHours: r.form.get('waitHours') ?? '',
      };
      const read = remove
        ? undefined
        : readSubjectTest({ subjects: [typed.subject1, typed.subject2], share: typed.share, waitHours: typed.waitHours });
      if (read && 'problems' in read) return showSendPage(desk, r, issue, { status: 400, testErrors: read.problems, test: typed });
      const test = read?.test;
      try {
        await saveSubjectTest(desk, issue, test);
      } catch (e) {
        if (!(e instanceof SendRefused)) throw e;
        return showSendPage(desk, r, issue, { status: 400, testErrors: [e.message], test: typed });
      }
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'subject-test',
        target: issue.id,
        detail: test ? `share ${test.sharePercent} %, wait ${test.waitMinutes} min` : 'removed',
      });
      return seeOtherPage(`/admin/issues/${encodeURIComponent(issue.id)}/send?done=${test ? 'subject-test' : 'subject-test-removed'}`);
    },
  },
];
