/**
 * The audit log, for owners: who signed in, saved, scheduled, sent, resumed, imported or erased
 * what, and when, newest first, a page at a time (core/audit.ts; kept in DynamoDB with TTL).
 */
import { hb } from '../layout';
import { page, type DeskRoute } from '../request';

/** Entries a page shows. */
export const AUDIT_PAGE = 50;

const log = hb.compile(`<h1>Audit log</h1>
<p>What editors did in the console, newest first. Entries are kept {{days}} days.</p>
{{#if rows.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Role</th><th scope="col">What</th><th scope="col">On</th><th scope="col">Detail</th></tr></thead><tbody>
{{#each rows}}<tr><td><time datetime="{{at}}">{{when at}}</time></td><td>{{who}}</td><td>{{role}}</td><td>{{action}}</td><td>{{target}}</td><td>{{detail}}{{#if repeats}} ({{repeats}} refusals that minute{{#if targets}}; the targets kept ({{targets.length}}, at most 20, the later ones counted only): {{#each targets}}{{this}}{{#unless @last}}; {{/unless}}{{/each}}{{else}}, all on this{{/if}}){{/if}}</td></tr>{{/each}}
</tbody></table></div>{{else}}<p>Nothing recorded yet.</p>{{/if}}
{{#if next}}<p><a href="/admin/audit?after={{next}}">Older entries</a></p>{{/if}}`);

export const auditRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/audit$/,
    role: 'owner',
    async handle(desk, r) {
      const { rows, next } = await desk.audit.recent(r.now, AUDIT_PAGE, r.query('after'));
      return page(r, { title: 'Audit log', current: 'audit', content: log({ rows, next, days: desk.auditDays }) });
    },
  },
];
