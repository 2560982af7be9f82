/**
 * Home: who is signed in, the sending state (paused and why, with Resume for owners), the
 * doctor's last verdict (as `npm run cli -- doctor` kept it), the next sends and the last
 * issue's figures (usecases/desk-home.ts). Resume runs the same rule as the
 * CLI's `resume` (core/reputation.ts resumeSending) and is written to the audit log.
 */
import { hardBounces } from '../../usecases/campaign-stats';
import { deskHome } from '../../usecases/desk-home';
import { resumeSending } from '../../core/reputation';
import { describePause } from '../../core/sending-state';
import { DOCTOR_STALE_DAYS, type DoctorVerdict } from '../../core/doctor-verdict';
import { hb } from '../layout';
import { page, seeOtherPage, type DeskRoute } from '../request';

/** The notes a redirect back to Home may show (by key: the query carries no text). */
const NOTES: Record<string, { kind: 'done' | 'note'; text: string }> = {
  resumed: { kind: 'done', text: 'Sending resumed. Paused jobs come back from the send queue at their next delay (at most 15 minutes).' },
  'not-paused': { kind: 'note', text: 'Sending was not paused: nothing to resume.' },
  reputation: {
    kind: 'note',
    text: 'The reputation brake is on: look at the bounces and complaints first, then resume with “count the rates afresh” ticked.',
  },
};

const home = hb.compile(`<h1>Home</h1>
{{#if note}}<p class="{{note.kind}}" role="status">{{note.text}}</p>{{/if}}
<dl><dt>Signed in as</dt><dd>{{editor.email}}</dd><dt>Role</dt><dd>{{editor.role}}</dd>
<dt>Session until</dt><dd><time datetime="{{until}}">{{when until}}</time></dd></dl>
<h2>Sending</h2>
{{#if pause}}<p class="note">Paused since {{when pause.openedAt}}: {{pauseText}}</p>
{{#if owner}}<form method="post" action="/admin/resume"><input type="hidden" name="csrf" value="{{csrf}}">
{{#if reputation}}<p><label><input type="checkbox" name="override" value="yes"> Count the bounce and complaint rates afresh from now</label></p>{{/if}}
<button type="submit">Resume sending</button></form>
{{else}}<p>An owner can resume sending once the cause is fixed.</p>{{/if}}
{{else}}<p>Sending is on: nothing is paused.</p>{{/if}}
<h2>Doctor</h2>
{{#if doctor}}<p>{{#if doctor.blocking}}<strong>{{doctor.blocking}} problem{{#unless doctor.oneBlocking}}s{{/unless}} block sending</strong>{{else}}Ready to send{{/if}}{{#if doctor.warnings}}, {{doctor.warnings}} warning{{#unless doctor.oneWarning}}s{{/unless}}{{/if}}: the doctor's last run, <time datetime="{{doctor.at}}">{{when doctor.at}}</time>, by {{doctor.by}}, on {{doctor.target}} ({{doctor.passed}} of {{doctor.total}} checks pass).</p>
{{#if doctor.failed.length}}{{#if viewer}}<p>Editors and owners see which checks fail and their fixes.</p>{{else}}<ul>{{#each doctor.failed}}<li><strong>{{name}}</strong>{{#if warning}} (warning){{/if}}: {{detail}}{{#if fix}} Fix: {{fix}}{{/if}}</li>{{/each}}</ul>{{/if}}{{/if}}
{{#if doctor.stale}}<p class="note">This run is more than ${DOCTOR_STALE_DAYS} days old: run the doctor again after any deploy or DNS change.</p>{{/if}}
{{else}}<p>No doctor run is kept yet. After a deploy, an operator runs <code>npm run cli -- doctor --stack &lt;name&gt;</code> (locally <code>npm run cli -- doctor</code>); its verdict shows here.</p>{{/if}}
<h2>Next sends</h2>
{{#if scheduled.length}}<ul>{{#each scheduled}}<li><a href="/admin/issues/{{issue.id}}">{{issue.title}}</a> ({{issue.id}}) at <time datetime="{{at}}">{{when at}}</time></li>{{/each}}</ul>{{/if}}
{{#if nextRun}}<p>The digest's schedule runs next {{#if nextRun.at}}at <time datetime="{{nextRunIso}}">{{when nextRun.at zone}}</time>{{else}}— {{#if nextRun.error}}its schedule cannot be read: {{nextRun.error}}{{else}}never{{/if}}{{/if}}:
{{#if nextRun.issue}}it sends <a href="/admin/issues/{{nextRun.issue.id}}">{{nextRun.issue.title}}</a> ({{nextRun.issue.id}}).{{else}}it sends nothing new ({{nextRun.why}}).{{/if}}</p>
{{else}}{{#unless scheduled.length}}<p>Nothing is scheduled: no issue has a send time, and no digest schedule is set.</p>{{/unless}}{{/if}}
<h2>Last issue</h2>
{{#if last}}<p><a href="/admin/issues/{{last.issue.id}}">{{last.issue.title}}</a> ({{last.issue.id}}), <span class="state">{{last.state}}</span></p>
<div class="scroll" tabindex="0"><table><caption class="sr">Figures of the last issue</caption>
<thead><tr><th class="n" scope="col">Sent</th><th class="n" scope="col">Delivered</th><th class="n" scope="col">Bounced (hard)</th><th class="n" scope="col">Complaints</th><th class="n" scope="col">Clicks</th></tr></thead>
<tbody><tr><td class="n">{{last.stats.sent}}</td><td class="n">{{last.stats.delivered}}</td><td class="n">{{last.stats.bounced}} ({{hard}})</td><td class="n">{{last.stats.complained}}</td><td class="n">{{last.stats.totalClicks}}</td></tr></tbody></table></div>
{{else}}<p>No issue has gone out yet.</p>{{/if}}`);

/** The doctor's verdict as Home says it: what blocks, what warns, each failed check with its fix. */
function doctorView(v: DoctorVerdict, now: Date) {
  const failed = v.checks.filter((c) => !c.ok);
  const blocking = failed.filter((c) => c.severity === 'blocking').length;
  const warnings = failed.length - blocking;
  return {
    ...v,
    blocking,
    warnings,
    oneBlocking: blocking === 1,
    oneWarning: warnings === 1,
    total: v.checks.length,
    passed: v.checks.length - failed.length,
    // Blocking first, then warnings.
    failed: [...failed]
      .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'blocking' ? -1 : 1))
      .map((c) => ({ ...c, warning: c.severity === 'warning' })),
    stale: now.getTime() - Date.parse(v.at) > DOCTOR_STALE_DAYS * 86_400_000,
  };
}

export const homeRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin$/,
    role: 'viewer',
    async handle(desk, r) {
      const [facts, verdict] = await Promise.all([deskHome({ ...desk, schedule: desk.schedule }, r.now), desk.doctor.latest()]);
      return page(r, {
        title: 'Home',
        current: 'home',
        content: home({
          ...facts,
          note: NOTES[r.query('done') ?? ''],
          editor: r.editor,
          csrf: r.csrf,
          until: r.until.toISOString(),
          owner: r.editor.role === 'owner',
          pauseText: facts.pause && describePause(facts.pause),
          reputation: facts.pause?.kind === 'reputation',
          nextRunIso: facts.nextRun?.at?.toISOString(),
          zone: desk.schedule?.timeZone,
          hard: facts.last ? hardBounces(facts.last.stats) : 0,
          doctor: verdict && doctorView(verdict, r.now),
          // A failed check's detail may name an endpoint (an alarm's webhook): not for viewers.
          viewer: r.editor.role === 'viewer',
        }),
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/resume$/,
    role: 'owner',
    async handle(desk, r) {
      const result = await resumeSending(desk.sending, r.now, { overrideReputation: r.form.get('override') === 'yes' });
      const outcome = result.refused ? 'reputation' : result.before ? 'resumed' : 'not-paused';
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'resume',
        detail: result.before
          ? `${outcome}: ${describePause(result.before)}${result.overridden ? ' (rates counted afresh)' : ''}`
          : outcome,
      });
      return seeOtherPage(`/admin/?done=${outcome}`);
    },
  },
];
