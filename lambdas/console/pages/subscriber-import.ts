/**
 * CSV import, for owners, in three steps: paste the text (a form field: the console parses
 * URL-encoded forms only, and the CSRF token travels in the form; no script reads a file), see
 * its header and first rows and map its columns (the tool the importer recognises is preselected:
 * import-mapping.ts), then import with the CLI's use-case (`subscribers import`, with `--map`
 * when columns are chosen) and read the per-line report. The CLI has no dry run, so neither has
 * this; the mapping step writes nothing.
 *
 * The report is the answer to the import's POST, not a redirect: it lists addresses line by line
 * and is kept nowhere else. A reload posts the same lines again, which changes nothing (stored
 * readers are merged into, never replaced: the lines come back unchanged).
 */
import { COLUMNS, formatName, type Field } from '../../core/import-formats';
import { importSubscribers } from '../../usecases/import-subscribers';
import type { Result } from '../../api/http';
import { hb } from '../layout';
import { isAnswer, portsOf } from './subscribers';
import { page, type DeskRequest, type DeskRoute } from '../request';
import { checkCsvSize, mapFromForm, MAX_CSV_BYTES, MAX_IMPORT_LINES, previewCsv, type CsvPreview } from '../import-mapping';

const paste = hb.compile(`<h1>Import subscribers</h1>
<p>Paste a CSV: this project's columns (email, digest, alerts, topics, timezone, name), or the export of Mailchimp, listmonk, Ghost, Substack or Buttondown.
At most {{maxLines}} lines and {{maxBytes}} bytes at once; larger files with <code>npm run cli -- subscribers import &lt;file&gt;</code>.
Every reader is added as confirmed: import only people who agreed to get this newsletter.</p>
<form method="post" action="/admin/subscribers/import/map"><input type="hidden" name="csrf" value="{{csrf}}">
<p><label for="csv">CSV text, header row first</label><br>
<textarea id="csv" name="csv" rows="12" cols="60" maxlength="{{maxBytes}}" spellcheck="false" style="width:100%"{{#if error}} aria-invalid="true" aria-describedby="csv-error"{{/if}}>{{csv}}</textarea></p>
{{#if error}}<p id="csv-error" class="note">{{error}}</p>{{/if}}
<p><button type="submit">Next: map the columns</button></p></form>`);

const mapping = hb.compile(`<h1>Map the columns</h1>
<p>{{lines}} line(s) after the header. The first {{rows.length}}:</p>
<div class="scroll" tabindex="0"><table><caption class="sr">The header and first rows</caption><thead><tr>{{#each columns}}<th scope="col">{{this}}</th>{{/each}}</tr></thead>
<tbody>{{#each rows}}<tr>{{#each this}}<td>{{this}}</td>{{/each}}</tr>{{/each}}</tbody></table></div>
<form method="post" action="/admin/subscribers/import/run"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="csv" value="{{csv}}">
<fieldset><legend>How to read it</legend>
{{#if detected}}<p><label><input type="radio" name="how" value="detected"{{#unless mapped}} checked{{/unless}}> As recognised: {{detected.name}}</label></p>{{/if}}
<p><label><input type="radio" name="how" value="mapped"{{#if mapped}} checked{{/if}}> By the columns chosen below</label></p></fieldset>
{{#each fields}}<p><label for="map-{{field}}">{{field}}</label> <select id="map-{{field}}" name="map-{{field}}"{{#if error}} aria-invalid="true" aria-describedby="map-error"{{/if}}>
<option value="">(not read)</option>{{#each options}}<option value="{{column}}"{{#if selected}} selected{{/if}}>{{column}}</option>{{/each}}</select></p>{{/each}}
{{#if error}}<p id="map-error" class="note">{{error}}</p>{{/if}}
<p><label><input type="checkbox" name="resubscribe" value="yes"> Bring back readers who unsubscribed, were suppressed or erased: only with their new consent</label></p>
<p>There is no consent-date column: the import records each reader as added by an operator, now (as the CLI does).</p>
<p><button type="submit">Import</button> <a href="/admin/subscribers/import">Start again</a></p></form>`);

const report = hb.compile(`<h1>Import report</h1>
<p class="{{#if refused}}note{{else}}done{{/if}}" role="status">{{summary}}</p>
{{#if how}}<p>Read as {{how}}.</p>{{/if}}
{{#if lines.length}}<div class="scroll" tabindex="0"><table><thead><tr><th class="n" scope="col">Line</th><th scope="col">Outcome</th><th scope="col">What happened</th></tr></thead><tbody>
{{#each lines}}<tr><td class="n">{{line}}</td><td><span class="state">{{outcome}}</span></td><td>{{message}}</td></tr>{{/each}}</tbody></table></div>{{/if}}
{{#if hint}}<p class="note">{{hint}}</p>{{/if}}
<p><a href="/admin/subscribers">Subscribers</a> · <a href="/admin/subscribers/import">Import another</a></p>`);

const consts = { maxLines: MAX_IMPORT_LINES, maxBytes: MAX_CSV_BYTES };

const pastePage = (r: DeskRequest, o: { status?: number; csv?: string; error?: string } = {}) =>
  page(r, { title: 'Import subscribers', current: 'subscribers', status: o.status, content: paste({ ...consts, ...o, csrf: r.csrf }) });

function mappingPage(
  r: DeskRequest,
  csv: string,
  p: CsvPreview,
  o: { status?: number; chosen?: Partial<Record<Field, string>>; error?: string } = {},
) {
  const chosen = o.chosen ?? p.guess;
  return page(r, {
    title: 'Map the columns',
    current: 'subscribers',
    status: o.status,
    content: mapping({
      ...p,
      csv,
      csrf: r.csrf,
      error: o.error,
      mapped: !p.detected || !!o.chosen,
      fields: COLUMNS.map((field) => ({
        field,
        error: !!o.error,
        options: p.columns.map((column) => ({ column, selected: chosen[field] === column })),
      })),
    }),
  });
}

/** The pasted text, or the page that says why it cannot be used (size, lines, unreadable). */
function readText(r: DeskRequest): { csv: string; preview: CsvPreview } | Result {
  const csv = r.form.get('csv') ?? '';
  const tooBig = checkCsvSize(csv);
  if (tooBig)
    return pastePage(r, {
      status: Buffer.byteLength(csv) > MAX_CSV_BYTES ? 413 : 400,
      error: tooBig,
      csv: tooBig.startsWith('Paste') ? csv : '',
    });
  const preview = previewCsv(csv);
  if ('error' in preview) return pastePage(r, { status: preview.error.includes('at most') ? 413 : 400, error: preview.error, csv });
  return { csv, preview };
}

export const importRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/subscribers\/import$/,
    role: 'owner',
    handle(desk, r) {
      const s = portsOf(desk);
      return Promise.resolve(isAnswer(s) ? s : pastePage(r));
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/import\/map$/,
    role: 'owner',
    handle(desk, r) {
      const s = portsOf(desk);
      if (isAnswer(s)) return Promise.resolve(s);
      const text = readText(r);
      return Promise.resolve(isAnswer(text) ? text : mappingPage(r, text.csv, text.preview));
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/subscribers\/import\/run$/,
    role: 'owner',
    async handle(desk, r) {
      const s = portsOf(desk);
      if (isAnswer(s)) return s;
      const text = readText(r);
      if (isAnswer(text)) return text;
      const chosen = mapFromForm(r.form, text.preview.columns);
      if ('error' in chosen) {
        const picked = Object.fromEntries(COLUMNS.map((f) => [f, r.form.get(`map-${f}`) ?? '']));
        return mappingPage(r, text.csv, text.preview, { status: 400, chosen: picked, error: chosen.error });
      }
      const resubscribe = r.form.get('resubscribe') === 'yes';
      const result = await importSubscribers({ subscribers: s.store, clock: desk.clock, digest: await s.digest() }, text.csv, {
        resubscribe,
        allowReservedDomains: s.allowReservedDomains,
        map: chosen.map,
        settings: await s.settings.getSettings(),
      });
      const refused = result.errors.length;
      const summary = !result.format
        ? `Nothing was imported: ${result.errors.map((e) => `line ${e.line}: ${e.message}`).join('; ')}`
        : `${result.imported} imported, ${result.updated} updated, ${result.unchanged} unchanged, ${result.skipped} skipped (the source tool says they left), ` +
          `${result.kept.unsubscribed + result.kept.suppressed + result.kept.erased + result.kept.left} kept out (said no or cannot be mailed)` +
          `${resubscribe ? `, ${result.resubscribed} brought back` : ''}, ${refused} refused.`;
      await desk.audit.record({
        at: r.now.toISOString(),
        who: r.editor.email,
        role: r.editor.role,
        action: 'import',
        target: `${text.preview.lines} line(s)`,
        detail: result.format
          ? `${result.imported} imported, ${result.updated} updated, ${result.unchanged} unchanged, ${result.skipped} skipped, ${Object.values(result.kept).reduce((a, b) => a + b, 0)} kept out, ${refused} refused${chosen.map ? ' (columns mapped)' : ''}${resubscribe ? ', resubscribe' : ''}`
          : 'refused whole',
      });
      return page(r, {
        title: 'Import report',
        current: 'subscribers',
        status: result.format ? 200 : 400,
        content: report({
          summary,
          refused: refused > 0 || !result.format,
          how: result.format && formatName(result.format, result.columns),
          lines: result.lines,
          hint: result.hint,
        }),
      });
    },
  },
];
