/**
 * Reading the newsletter's settings file (`content/<newsletter>/topics.md`, front matter only)
 * at publish: kept apart from core/topics.ts so the functions that only read the stored
 * settings (the API, the sign-ups function) bundle no Markdown or YAML parser. Pure.
 */
import matter from 'gray-matter';
import { z } from 'zod';
import { nearest } from '../did-you-mean';
import { fieldLine } from './field-lines';
import { oneMessageEach } from './field-problems';
import { ContentError, YAML_ONLY, type ContentProblem } from './parse';
import { line, versionField } from './fields';
import { WORDING_PLACEHOLDERS, type NewsletterSettings } from '../topics';
import type { DigestDelivery } from '../local-time';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** One line of page text: no line breaks or control characters (they reach an alert's reason line), no direction overrides. */
const text = line;

/** A weekday's name, or its common short form, as a word. */
const WEEKDAY = /\b(mon|tues?|wed(nes)?|thu(rs?)?|fri|sat(ur)?|sun)(day)?s?\b/i;

/**
 * The digest's line for one delivery mode: the days and hours come from the stack's schedule,
 * never from this text (a fixed "every Monday" would silently contradict a schedule moved to
 * Thursday), so a weekday's name is refused, and so is a placeholder the mode does not fill
 * (it would show as written, braces and all).
 */
const wording = (mode: DigestDelivery) =>
  text(120).superRefine((s, ctx) => {
    const day = WEEKDAY.exec(s)?.[0];
    const allowed = WORDING_PLACEHOLDERS[mode];
    if (day)
      ctx.addIssue({
        code: 'custom',
        message:
          mode === 'schedule'
            ? `names a day ("${day}"): write {schedule} instead, the configured schedule in words (e.g. "on Mondays at 07:00, Europe/Brussels time")`
            : `names a day ("${day}"): in local-time mode each issue arrives on its own date; write {time} for the hour`,
      });
    for (const p of s.match(/\{[^}]*\}/g) ?? [])
      if (!allowed.includes(p)) ctx.addIssue({ code: 'custom', message: `unknown placeholder ${p}: this line may use ${allowed.join(', ')}` });
  });

const settingsSchema = z.strictObject({
  blurb: text(400),
  digestWording: z.strictObject({ schedule: wording('schedule'), 'local-time': wording('local-time') }),
  topics: z
    .array(
      z.strictObject({
        id: z.string({ error: 'must be text' }).regex(SLUG, 'use lower-case words joined by -').max(40),
        label: text(40),
        description: text(200),
      }),
    )
    .min(1, 'must list at least one topic')
    .max(50, 'at most 50 topics')
    .superRefine((ts, ctx) => {
      const seen = new Set<string>();
      const labels = new Map<string, string>();
      ts.forEach((t, i) => {
        if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `${t.id} is listed twice` });
        seen.add(t.id);
        // Readers would see two boxes with one name and could not tell which is which.
        const label = t.label.trim().toLowerCase();
        const other = labels.get(label);
        if (other !== undefined && other !== t.id)
          ctx.addIssue({ code: 'custom', path: [i, 'label'], message: `"${t.label}" is also the label of ${other}; give each topic its own` });
        labels.set(label, t.id);
      });
    }),
});

/**
 * Read a topics file; throws an Error with one line per mistake, `<file>:<line>: <field>: <why>`
 * as for articles and issues (a misspelt field is one line, naming the field meant).
 */
export function parseSettingsFile(file: string, source: string): NewsletterSettings {
  return readSettingsFile(file, source).settings;
}

/** {@link parseSettingsFile}, with the file's `version:` (the stored version it was taken from, versions.ts), if any. */
export function readSettingsFile(file: string, source: string): { settings: NewsletterSettings; version?: number } {
  let data: unknown;
  let rawMatter: string;
  try {
    // YAML only (a `---js` block would be run), and no cache (see YAML_ONLY).
    const parsed = matter(source, YAML_ONLY);
    data = parsed.data;
    rawMatter = parsed.matter;
  } catch (e) {
    throw new Error(`${file}: front matter: ${(e as Error).message.split('\n')[0]}`);
  }
  const { version, ...fields } = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : { version: undefined };
  const r = settingsSchema.safeParse(data !== null && typeof data === 'object' && !Array.isArray(data) ? fields : data);
  const v = version === undefined ? undefined : versionField.safeParse(version);
  const problems: ContentProblem[] = [
    ...(r.success ? [] : oneMessageEach(r.error.issues.flatMap(toEditorProblems))),
    ...(v && !v.success ? [{ path: 'version', message: v.error.issues[0].message }] : []),
  ];
  if (problems.length || !r.success) {
    throw new ContentError(
      file,
      problems.map((p) => ({ ...p, line: fieldLine(rawMatter, p.path) })),
    );
  }
  return { settings: r.data, ...(v?.success && { version: v.data }) };
}

/** The fields allowed where an unknown one was found. */
const fieldsAt = (path: PropertyKey[]) =>
  path.length === 0 ? ['blurb', 'digestWording', 'topics', 'version'] : path[0] === 'digestWording' ? ['schedule', 'local-time'] : ['id', 'label', 'description'];

function toEditorProblems(issue: z.core.$ZodIssue): (ContentProblem & { meant?: string })[] {
  const at = issue.path.map(String);
  if (issue.code !== 'unrecognized_keys') return [{ path: at.join('.') || 'front matter', message: issue.message }];
  return issue.keys.map((key) => {
    const near = nearest(key, fieldsAt(issue.path));
    return {
      path: [...at, key].join('.'),
      message: near ? `unknown field (did you mean "${near}"?)` : `unknown field (allowed: ${fieldsAt(issue.path).join(', ')})`,
      ...(near ? { meant: [...at, near].join('.') } : {}),
    };
  });
}
