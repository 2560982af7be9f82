/**
 * The campaign report (`npm run cli -- report <issue>`): one self-contained HTML file with the
 * stats table and three charts (sends over time, clicks per article, bounces by kind).
 *
 * Charts are drawn by Chart.js, whose UMD build is inlined into the file when it is written:
 * the report opens offline, from a mail attachment or a shared drive, with nothing fetched.
 * The data goes in as JSON inside a `<script type="application/json">` block with `<`, `>` and
 * `&` written as `\u003c` escapes, so a title holding `</script>` cannot end the block; the
 * table's values are HTML-escaped. The page's own CSP allows inline scripts and nothing else.
 */
import type { CampaignStats } from '../../lambdas/usecases/campaign-stats';
import { OPENS_NOTE } from '../../lambdas/usecases/campaign-stats';
import { FALLBACK_NOTE, rateText } from '../../lambdas/core/subject-test';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** JSON that is safe inside a `<script>` block (and in HTML generally). */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** The chart drawing, run in the page: reads the JSON block, draws, then marks the page done. */
const DRAW = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var common = { animation: false, responsive: false, plugins: { legend: { display: false } } };
  function chart(id, type, labels, values, color, extra) {
    var el = document.getElementById(id);
    if (!el) return;
    new Chart(el, { type: type, data: { labels: labels, datasets: [{ data: values, backgroundColor: color, borderColor: color, maxBarThickness: 56 }] },
      options: Object.assign({}, common, extra || {}) });
  }
  chart('sends', 'bar', data.sendsPerMinute.map(function (m) { return m.minute.slice(11) + ' UTC'; }), data.sendsPerMinute.map(function (m) { return m.sent; }), '#1d4ed8',
    { scales: { y: { beginAtZero: true, title: { display: true, text: 'messages sent' } } } });
  chart('clicks', 'bar', data.articles.map(function (a) { return a.title.length > 48 ? a.title.slice(0, 47) + '…' : a.title; }), data.articles.map(function (a) { return a.clicks; }), '#047857',
    { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'clicks' } } } });
  var kinds = Object.keys(data.bouncesByKind);
  chart('bounces', 'bar', kinds, kinds.map(function (k) { return data.bouncesByKind[k]; }), '#b91c1c',
    { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
  document.body.setAttribute('data-charts', 'drawn');
})();`;

const CSS = `body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:24px auto;max-width:960px;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}.muted{color:#4b5563}
table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 12px;border-bottom:1px solid #e5e7eb;text-align:right}td:first-child,th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:24px}.card{border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}.note{background:#f3f4f6;border-radius:6px;padding:8px 12px}#subject-test td:nth-child(2),#subject-test th:nth-child(2){text-align:left}.winner td{font-weight:600}`;

export interface ReportInput {
  stats: CampaignStats;
  /** Chart.js's UMD build, as text (read from node_modules when the report is written). */
  chartJs: string;
  /** When the report was made. */
  generatedAt: Date;
}

export function reportHtml({ stats: s, chartJs, generatedAt }: ReportInput): string {
  const rows: [string, number][] = [
    ['Sent', s.sent],
    ['Delivered', s.delivered],
    ['Bounced', s.bounced],
    ['Complained', s.complained],
    ['Suppressed', s.suppressed],
    ['Failed', s.failed],
    ['Clicks', s.totalClicks],
  ];
  const summary = rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('');
  const variantHead = s.variants.map((v) => `<th>Clicks ${escapeHtml(v)}</th>`).join('');
  const articleRows = s.articles
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.title)}</td><td class="clicks">${escapeHtml(a.clicks)}</td>${s.variants.map((v) => `<td>${escapeHtml(a.byVariant[v] ?? 0)}</td>`).join('')}<td>${escapeHtml(rateText(a.clicks, s.delivered))}</td></tr>`,
    )
    .join('');
  const bounceKinds = Object.keys(s.bouncesByKind);
  const title = `What landed: ${s.title ?? s.campaignId}`;
  // Only what the charts and table need, nothing about any reader.
  const data = {
    sendsPerMinute: s.sendsPerMinute,
    articles: s.articles.map((a) => ({ title: a.title, clicks: a.clicks })),
    bouncesByKind: s.bouncesByKind,
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Campaign <code>${escapeHtml(s.campaignId)}</code> · report made ${escapeHtml(generatedAt.toISOString())}</p>
<div class="grid">
<div class="card"><h2>Delivery</h2><table><tbody>${summary}</tbody></table></div>
<div class="card"><h2>Sends over time</h2><canvas id="sends" width="520" height="240" role="img" aria-label="Messages sent per minute"></canvas></div>
</div>
<h2>Clicks per article</h2>
<canvas id="clicks" width="900" height="${Math.max(120, 48 * s.articles.length + 60)}" role="img" aria-label="Clicks per article"></canvas>
<table id="articles"><thead><tr><th>Article</th><th>Clicks</th>${variantHead}<th>Per delivered</th></tr></thead><tbody>${articleRows}</tbody></table>
${subjectTestSection(s)}<h2>Bounces by kind</h2>
${bounceKinds.length ? `<canvas id="bounces" width="520" height="200" role="img" aria-label="Bounces by kind"></canvas>` : '<p id="no-bounces">No bounces.</p>'}
<p class="note">Clicks are counted per article through the newsletter's own signed links, not per reader. ${escapeHtml(OPENS_NOTE.replace(/^opens: /, 'Opens are '))}.</p>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${chartJs.replace(/<\/(script)/gi, '<\\/$1')}</script>
<script>${DRAW}</script>
</body></html>
`;
}

/** An issue's subject test: each subject, who got it, and how it did (empty without a test). */
function subjectTestSection(s: ReportInput['stats']): string {
  const t = s.subjectTest;
  if (!t) return '';
  const decided = (r: number | undefined) => (r === undefined || t.fellBack ? '—' : r.toFixed(3));
  const rows = t.lines
    .map(
      (l) =>
        `<tr${l.variant === t.winner ? ' class="winner"' : ''}><td>${escapeHtml(l.variant)}</td><td>${escapeHtml(l.subject)}</td><td>${l.sentInTest}</td><td>${l.sentToRest}</td><td>${l.delivered}</td><td>${l.clicks}</td><td>${escapeHtml(decided(l.rateAtDecision))}</td></tr>`,
    )
    .join('');
  const verdict = !t.winner
    ? 'No winner yet: the test is still running.'
    : t.fellBack
      ? `<span id="fallback">The rest got subject ${escapeHtml(t.winner)}: ${escapeHtml(FALLBACK_NOTE)}.</span>`
      : `The rest got subject ${escapeHtml(t.winner)}: more clicks per delivered message in the test.`;
  return `<h2>Subject test</h2>
<p class="muted">${t.sharePercent} % of the audience, half a subject, then ${t.waitMinutes / 60} h. ${verdict}</p>
<table id="subject-test"><thead><tr><th></th><th>Subject</th><th>Test</th><th>Rest</th><th>Delivered</th><th>Clicks</th><th>Per delivered, when decided</th></tr></thead><tbody>${rows}</tbody></table>
`;
}
