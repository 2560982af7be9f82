/**
 * Settings, for owners: the newsletter's topics and the pages' text (topics.md, the same item
 * `publish` writes), saved through the same use-case as the editors (usecases/save-content.ts:
 * publish's reader and rules, the version the owner started from, a topic still used by an
 * article or a reader refused); and, read-only, what the stack decides — the sender, the
 * digest's schedule and delivery mode — with where each is changed.
 *
 *   GET  /admin/settings    the form and the stack's settings    owners
 *   POST /admin/settings    save topics and page text            owners
 */
import { html, type Result } from '../../api/http';
import {
  EMPTY_ROWS,
  readSettingsForm,
  settingsFile,
  settingsFormValues,
  settingsMessages,
  type SettingsFormValues,
} from '../../core/content/settings-form';
import { scheduleInWords } from '../../core/schedule';
import { FALLBACK_SETTINGS } from '../../core/topics';
import { PublishError } from '../../usecases/publish';
import { saveContent } from '../../usecases/save-content';
import type { Desk } from '../desk';
import { hb, messagePage, when } from '../layout';
import { page, seeOtherPage, type DeskRequest, type DeskRoute } from '../request';

const view = hb.compile(`<h1>Settings</h1>
{{#if note}}<p class="{{note.kind}}" role="status">{{note.text}}</p>{{/if}}
{{#if general.length}}<div class="note" role="alert"><p>Not saved:</p><ul>{{#each general}}<li>{{this}}</li>{{/each}}</ul></div>{{/if}}
<p>The topics readers choose from and the text of the public pages: the newsletter's <code>topics.md</code>, which <code>publish</code> and <code>content pull</code> read and write too.{{#if version}} Version {{version}}.{{/if}}</p>
<form method="post" action="/admin/settings" novalidate><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="baseVersion" value="{{baseVersion}}">
<h2>The subscribe page</h2>
{{> field name="blurb" label="The paragraph under the heading" area=true value=v.blurb}}
<h2>The digest's line on the pages</h2>
<p class="hint">Where the pages say when the digest comes. Name no weekday: <code>{schedule}</code> becomes the schedule in words, <code>{time}</code> the reader's own hour (local-time mode).</p>
{{> field name="wording-schedule" label="On a schedule" value=v.wordingSchedule}}
{{> field name="wording-local-time" label="In local-time mode" value=v.wordingLocalTime}}
<h2>Topics</h2>
<p class="hint">Readers choose from these, in this order. To add one, fill an empty row; to remove one, empty its row (refused while an article or a reader still uses it; readers are counted on the readers index, so after an upgrade run <code>npm run cli -- migrate-addresses</code> once before removing a topic).</p>
{{#each rows}}<fieldset><legend>Topic {{n}}</legend>
{{> field name=(concat "topic-" i "-id") label="Id (lower-case words joined by -)" value=id}}
{{> field name=(concat "topic-" i "-label") label="Label" value=label}}
{{> field name=(concat "topic-" i "-description") label="Description" value=description}}</fieldset>
{{/each}}
<p><button type="submit">Save settings</button></p></form>
<h2>Set by the stack (read-only)</h2>
<dl><dt>From</dt><dd>{{#if sender}}{{sender.name}} &lt;{{sender.email}}&gt;{{else}}not set{{/if}}</dd>
<dt>Reply-To</dt><dd>{{#if sender.replyTo}}{{sender.replyTo}}{{else}}none (replies go to the sender){{/if}}</dd>
<dt>Schedule</dt><dd>{{#if schedule}}{{schedule.words}} (<code>{{schedule.cron}}</code>, {{schedule.timeZone}}){{else}}not set{{/if}}</dd>
<dt>Delivery</dt><dd>{{#if delivery}}{{delivery}}{{else}}not set{{/if}}</dd></dl>
<p>Where to change them: on AWS they are the stack's settings (CDK context <code>senderEmail</code>, <code>senderName</code>, <code>replyToEmail</code>, <code>scheduleCron</code>, <code>timeZone</code>, <code>digestDelivery</code>, <code>digestLocalTime</code>; the README's Settings): change <code>cdk.json</code> or pass <code>-c name=value</code>, then <code>npx cdk deploy</code>.
Locally: <code>npm start</code>'s <code>BRIEFING_SENDER_EMAIL</code>, <code>BRIEFING_SENDER_NAME</code>, <code>BRIEFING_SCHEDULE</code>, <code>BRIEFING_TIME_ZONE</code>, <code>BRIEFING_DIGEST_DELIVERY</code> and <code>BRIEFING_DIGEST_LOCAL_TIME</code>.</p>`);

hb.registerPartial(
  'field',
  `<p class="field"><label for="f-{{name}}">{{label}}</label><br>
{{#if area}}<textarea id="f-{{name}}" name="{{name}}" rows="3"{{#if (errorsFor name)}} aria-invalid="true" aria-describedby="e-{{name}}"{{/if}}>{{value}}</textarea>
{{else}}<input id="f-{{name}}" name="{{name}}" type="text" value="{{value}}"{{#if (errorsFor name)}} aria-invalid="true" aria-describedby="e-{{name}}"{{/if}}>{{/if}}
{{#if (errorsFor name)}}<span class="error" id="e-{{name}}">{{#each (errorsFor name)}}{{this}} {{/each}}</span>{{/if}}</p>`,
);
hb.registerHelper('concat', (...parts: unknown[]) => parts.slice(0, -1).join(''));
hb.registerHelper('errorsFor', function (this: unknown, name: string, options: { data: { root: { byInput?: Record<string, string[]> } } }) {
  return options.data.root.byInput?.[name];
});

const NOTES: Record<string, { kind: 'done' | 'note'; text: string }> = {
  saved: { kind: 'done', text: 'Settings saved: the public pages show them within a minute (they keep the settings that long).' },
  unchanged: { kind: 'note', text: 'Nothing changed: the stored settings are already these.' },
};

interface SettingsView {
  values: SettingsFormValues;
  baseVersion: number;
  byInput?: Record<string, string[]>;
  general?: string[];
  note?: string;
  status?: number;
}

function render(desk: Desk, r: DeskRequest, v: SettingsView): Result {
  const rows = [...v.values.topics, ...Array.from({ length: EMPTY_ROWS }, () => ({ id: '', label: '', description: '' }))];
  const mail = desk.mail?.settings;
  const words = desk.schedule && scheduleInWords(desk.schedule, r.now);
  const delivery = desk.delivery
    ? desk.delivery.mode === 'local-time'
      ? `local-time: each reader at ${desk.delivery.localTime ?? '07:00'} their own time, on the issue's day`
      : 'schedule: everyone at the scheduled time'
    : undefined;
  return page(r, {
    title: 'Settings',
    current: 'settings',
    status: v.status,
    content: view({
      csrf: r.csrf,
      baseVersion: v.baseVersion,
      version: v.baseVersion || undefined,
      v: v.values,
      rows: rows.map((row, i) => ({ ...row, i, n: i + 1 })),
      byInput: v.byInput,
      general: v.general,
      note: v.note ? NOTES[v.note] : undefined,
      sender: mail && { name: mail.senderName, email: mail.senderEmail, replyTo: mail.replyToEmail },
      schedule: desk.schedule && { ...desk.schedule, words: words ?? 'no next run' },
      delivery,
    }),
  });
}

async function storedVersion(desk: Desk): Promise<number> {
  return (await desk.editing.settings.settingsStamp?.())?.version ?? 0;
}

export const settingsRoutes: DeskRoute[] = [
  {
    method: 'GET',
    pattern: /^\/admin\/settings$/,
    role: 'owner',
    async handle(desk, r) {
      const stored = (await desk.editing.settings.getSettings()) ?? FALLBACK_SETTINGS;
      return render(desk, r, { values: settingsFormValues(stored), baseVersion: await storedVersion(desk), note: r.query('done') });
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/settings$/,
    role: 'owner',
    async handle(desk, r) {
      const baseVersion = Number(r.form.get('baseVersion') ?? '0');
      if (!Number.isInteger(baseVersion) || baseVersion < 0)
        return html(400, messagePage('Not saved', 'The form was changed or is out of date: open Settings again.'));
      const { topicUsage } = desk.editing;
      // Without the Subscribers table the readers of a dropped topic cannot be counted: no save.
      if (!topicUsage)
        return html(
          503,
          messagePage('Not saved', 'This console cannot check which topics readers use (no Subscribers table): redeploy the stack.'),
        );
      const values = readSettingsForm(r.form);
      const { file, rows } = settingsFile(values);
      try {
        const outcome = await saveContent(
          { ...desk.editing, topicUsage, clock: desk.clock },
          { file, baseVersion, editor: r.editor.email },
        );
        if (!outcome.saved) {
          const { stored, base } = outcome.refusal;
          return render(desk, r, {
            values,
            baseVersion,
            status: 409,
            general: [
              `Not saved over newer settings: they were changed by ${stored.updatedBy} on ${when(stored.updatedAt)} (version ${stored.version}; you started from version ${base}).`,
              'Copy what you changed, open Settings again to see theirs, and make your change there.',
            ],
          });
        }
        await desk.audit.record({
          at: r.now.toISOString(),
          who: r.editor.email,
          role: r.editor.role,
          action: 'settings',
          target: 'topics.md',
          detail: outcome.changed ? `version ${outcome.version}, ${rows.length} topics` : 'no change',
        });
        return seeOtherPage(`/admin/settings?done=${outcome.changed ? 'saved' : 'unchanged'}`);
      } catch (e) {
        if (!(e instanceof PublishError)) throw e;
        const { byInput, general } = settingsMessages(e.problems, rows);
        return render(desk, r, { values, baseVersion, byInput, general, status: 400 });
      }
    },
  },
];
