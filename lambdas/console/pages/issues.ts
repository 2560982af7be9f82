/**
 * Issues and articles by state (draft, scheduled, sending, sent), with a search by title or id,
 * and one issue's page: its articles, its state and, once it went, its figures and the report's
 * chart (messages sent per minute, clicks per article, bounces by kind: the report's three) in the page. Read with the CLI's listings
 * and figures (usecases/find.ts, find-content.ts, campaign-stats.ts): no second copy of a rule.
 */
import { NotFoundError, findIssue } from '../../usecases/find-content';
import { campaignStats, hardBounces, OPENS_NOTE } from '../../usecases/campaign-stats';
import { listArticles, listIssues } from '../../usecases/find';
import { issueState, type ContentState } from '../../core/find';
import { html } from '../../api/http';
import { hb, messagePage } from '../layout';
import { page, type DeskRoute } from '../request';

/** Issues and articles a page lists (newest first); older ones with the CLI's `issues --all` for now. */
export const LISTED = 100;
const STATES: readonly ContentState[] = ['draft', 'scheduled', 'sending', 'sent'];

const list = hb.compile(`<h1>Issues</h1>
{{#if canEdit}}<p><a href="/admin/issues/new">New issue</a> · <a href="/admin/articles/new">New article</a></p>{{/if}}
<form method="get" action="/admin/issues" role="search"><p><label for="q">Search by title or id</label>
<input id="q" name="q" type="search" value="{{q}}"> {{#if state}}<input type="hidden" name="state" value="{{state}}">{{/if}}<button type="submit">Search</button></p></form>
<p>State: {{#each filters}}<a href="{{href}}"{{#if current}} aria-current="true"{{/if}}>{{text}}</a>{{#unless @last}} · {{/unless}}{{/each}}</p>
<h2>Issues</h2>
{{#if issues.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Issue</th><th scope="col">Id</th><th scope="col">Date</th><th scope="col">State</th><th scope="col">Send time</th></tr></thead><tbody>
{{#each issues}}<tr><td><a href="/admin/issues/{{issue.id}}">{{issue.title}}</a></td><td>{{issue.id}}</td><td>{{issue.date}}</td><td><span class="state">{{state}}</span></td><td>{{#if issue.sendAt}}<time datetime="{{issue.sendAt}}">{{when issue.sendAt}}</time>{{/if}}</td></tr>{{/each}}
</tbody></table></div>{{else}}<p>No issue matches.</p>{{/if}}
<h2>Articles</h2>
{{#if articles.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Article</th><th scope="col">Id</th><th scope="col">Date</th><th scope="col">State</th><th scope="col">In issues</th></tr></thead><tbody>
{{#each articles}}<tr><td>{{#if ../canEdit}}<a href="/admin/articles/{{article.id}}/edit">{{article.title}}</a>{{else}}{{article.title}}{{/if}}{{#if breaking}} <strong>(breaking)</strong> <a href="/admin/articles/{{article.id}}/preview">preview the alert</a>{{/if}}</td><td>{{article.id}}</td><td>{{article.date}}</td><td><span class="state">{{state}}</span></td><td>{{#each issues}}<a href="/admin/issues/{{this}}">{{this}}</a> {{/each}}</td></tr>{{/each}}
</tbody></table></div>{{else}}<p>No article matches.</p>{{/if}}
{{#if more}}<p>Only the newest ${LISTED} of each are listed here; <code>npm run cli -- issues</code> lists them all.</p>{{/if}}`);

const one = hb.compile(`<h1>{{issue.title}}</h1>
<dl><dt>Id</dt><dd>{{issue.id}}</dd><dt>Number</dt><dd>{{issue.number}}</dd><dt>Date</dt><dd>{{issue.date}}</dd>
<dt>State</dt><dd><span class="state">{{state}}</span></dd>
{{#if issue.sendAt}}<dt>Send time</dt><dd><time datetime="{{issue.sendAt}}">{{when issue.sendAt}}</time></dd>{{/if}}
{{#if issue.plannedAt}}<dt>Went</dt><dd><time datetime="{{issue.plannedAt}}">{{when issue.plannedAt}}</time></dd>{{/if}}
<dt>Summary</dt><dd>{{issue.summary}}</dd></dl>
{{#if canEdit}}<p><a href="/admin/issues/{{issue.id}}/edit">Edit the issue</a></p>{{/if}}
<p><a href="/admin/issues/{{issue.id}}/preview">Preview the message and send a test</a></p>
{{#if canSend}}<p><a href="/admin/issues/{{issue.id}}/send">Sending and subject test</a></p>{{/if}}
<h2>Articles</h2><ol>{{#each articles}}<li>{{title}} ({{id}}){{#if lead}} — lead{{/if}}</li>{{/each}}</ol>
{{#if stats}}<h2>Figures</h2>
<div class="scroll" tabindex="0"><table><caption class="sr">What landed</caption><thead><tr><th class="n" scope="col">Sent</th><th class="n" scope="col">Delivered</th><th class="n" scope="col">Bounced (hard)</th><th class="n" scope="col">Complaints</th><th class="n" scope="col">Left before sending</th><th class="n" scope="col">Failed</th><th class="n" scope="col">In flight</th><th class="n" scope="col">Clicks</th></tr></thead>
<tbody><tr><td class="n">{{stats.sent}}</td><td class="n">{{stats.delivered}}</td><td class="n">{{stats.bounced}} ({{hard}})</td><td class="n">{{stats.complained}}</td><td class="n">{{stats.suppressed}}</td><td class="n">{{stats.failed}}</td><td class="n">{{stats.inFlight}}</td><td class="n">{{stats.totalClicks}}</td></tr></tbody></table></div>
<p>{{opensNote}}</p>
<h2>Clicks by article</h2>
{{#if clicks.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Article</th><th class="n" scope="col">Clicks</th><th class="n" scope="col">Per delivered</th><th scope="col"><span class="sr">Share of clicks</span></th></tr></thead><tbody>
{{#each clicks}}<tr><td>{{title}}</td><td class="n">{{clicks}}</td><td class="n">{{perDelivered}}</td><td><span class="bar" style="width:{{width}}%"></span></td></tr>{{/each}}</tbody></table></div>{{else}}<p>No clicks yet.</p>{{/if}}
<h2>Sent per minute</h2>
{{#if minutes.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Minute (UTC)</th><th class="n" scope="col">Sent</th><th scope="col"><span class="sr">Chart</span></th></tr></thead><tbody>
{{#each minutes}}<tr><td>{{minute}}</td><td class="n">{{sent}}</td><td><span class="bar" style="width:{{width}}%"></span></td></tr>{{/each}}</tbody></table></div>{{else}}<p>Nothing sent yet.</p>{{/if}}
<h2>Bounces by kind</h2>
{{#if bounces.length}}<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Kind (SES type/sub-type)</th><th class="n" scope="col">Bounces</th><th scope="col"><span class="sr">Chart</span></th></tr></thead><tbody>
{{#each bounces}}<tr><td>{{kind}}{{#if hard}} (hard){{/if}}</td><td class="n">{{count}}</td><td><span class="bar" style="width:{{width}}%"></span></td></tr>{{/each}}</tbody></table></div>{{else}}<p>No bounces.</p>{{/if}}
{{else}}<p>Not sent yet: its figures show here once it goes.</p>{{/if}}`);

/** Each value as a share of the largest (0–100, whole numbers), for the bars. */
const widths = <T>(rows: T[], value: (r: T) => number) => {
  const max = Math.max(1, ...rows.map(value));
  return rows.map((r) => ({ ...r, width: Math.round((100 * value(r)) / max) }));
};

export const issueRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/issues$/,
    role: 'viewer',
    async handle(desk, r) {
      const state = STATES.find((s) => s === r.query('state'));
      const q = (r.query('q') ?? '').trim().slice(0, 200);
      const needle = q.toLowerCase();
      const matches = (title: string, id: string) => !needle || title.toLowerCase().includes(needle) || id.includes(needle);
      const [issues, articles] = await Promise.all([listIssues(desk, LISTED), listArticles(desk, LISTED)]);
      const link = (s?: ContentState) => `/admin/issues?${new URLSearchParams({ ...(s && { state: s }), ...(q && { q }) }).toString()}`;
      return page(r, {
        title: 'Issues',
        current: 'issues',
        content: list({
          q,
          state,
          filters: [
            { text: 'all', href: link(), current: !state },
            ...STATES.map((s) => ({ text: s, href: link(s), current: s === state })),
          ],
          issues: issues.rows.filter((x) => (!state || x.state === state) && matches(x.issue.title, x.issue.id)),
          articles: articles.rows
            .filter((x) => (!state || x.state === state) && matches(x.article.title, x.article.id))
            .map((x) => ({ ...x, breaking: x.article.priority === 'breaking' })),
          more: !!issues.next || !!articles.next,
          canEdit: r.editor.role !== 'viewer',
        }),
      });
    },
  },
  {
    method: 'GET',
    // `new` is the editor's (pages/editor.ts), never an issue's id.
    pattern: /^\/admin\/issues\/(?!new$)([^/]+)$/,
    role: 'viewer',
    async handle(desk, r) {
      let issue;
      try {
        issue = await findIssue(desk, r.params[0]);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        return html(404, messagePage('No such issue', e.message, { href: '/admin/issues', text: 'All issues' }));
      }
      const state = issueState(issue, await desk.counters.get(issue.id));
      const articles = await desk.content.getArticles(issue.articleIds);
      const lead = issue.lead ?? issue.articleIds[0];
      const stats = state === 'sent' || state === 'sending' ? await campaignStats(desk, issue.id) : undefined;
      return page(r, {
        title: issue.title,
        current: 'issues',
        content: one({
          issue,
          state,
          canSend: r.editor.role !== 'viewer',
          articles: articles.map((a) => ({ ...a, lead: a.id === lead })),
          stats,
          hard: stats ? hardBounces(stats) : 0,
          opensNote: OPENS_NOTE,
          canEdit: r.editor.role !== 'viewer',
          clicks: stats
            ? widths(
                stats.articles.map((a) => ({ ...a, perDelivered: a.perDelivered.toFixed(2) })),
                (a) => a.clicks,
              )
            : [],
          minutes: stats ? widths(stats.sendsPerMinute, (m) => m.sent) : [],
          // The report's third chart (npm run cli -- report): hard ones are what the reputation brake counts.
          bounces: stats
            ? widths(
                Object.entries(stats.bouncesByKind)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([kind, count]) => ({ kind, count, hard: kind.startsWith('Permanent') })),
                (b) => b.count,
              )
            : [],
        }),
      });
    },
  },
];
