/**
 * The newsletter's settings (topics.md) as the console's settings form (pages/settings.ts): the
 * subscribe page's paragraph, the digest's line in each delivery mode, and the topics as rows of
 * id, label and description. The posted form becomes the topics.md file `content pull` would
 * write (the same YAML writer), which `publish`'s own reader then checks: no rule is repeated
 * here, and nothing typed becomes YAML of its own. Pure.
 */
import { settingsMarkdown } from './markdown-out';
import { SETTINGS_FILE, type NewsletterSettings } from '../topics';

export interface TopicRow {
  id: string;
  label: string;
  description: string;
}

export interface SettingsFormValues {
  blurb: string;
  wordingSchedule: string;
  wordingLocalTime: string;
  topics: TopicRow[];
}

/** Empty rows the form offers under the topics, for new ones. */
export const EMPTY_ROWS = 3;
/** Most rows read from a post (the topics' own limit is 50; a longer post names the limit through publish). */
export const MAX_ROWS = 60;

/** The form's values of the stored settings. */
export function settingsFormValues(s: NewsletterSettings): SettingsFormValues {
  return {
    blurb: s.blurb,
    wordingSchedule: s.digestWording.schedule,
    wordingLocalTime: s.digestWording['local-time'],
    topics: s.topics.map((t) => ({ id: t.id, label: t.label, description: t.description })),
  };
}

/** The posted form's values; a row left wholly empty is no topic (that is how one is removed). */
export function readSettingsForm(form: URLSearchParams): SettingsFormValues {
  const get = (name: string) => (form.get(name) ?? '').replace(/\r\n/g, '\n').trim();
  const topics: TopicRow[] = [];
  for (let i = 0; i < MAX_ROWS && form.has(`topic-${i}-id`); i++)
    topics.push({ id: get(`topic-${i}-id`), label: get(`topic-${i}-label`), description: get(`topic-${i}-description`) });
  return { blurb: get('blurb'), wordingSchedule: get('wording-schedule'), wordingLocalTime: get('wording-local-time'), topics };
}

const isEmpty = (r: TopicRow) => !r.id && !r.label && !r.description;

/**
 * The topics.md file for `v`, and for each topic in it the form's row it came from (empty rows
 * are left out, so the file's `topics.3` may be the form's row 5).
 */
export function settingsFile(v: SettingsFormValues): { file: { name: string; text: string }; rows: number[] } {
  const rows = v.topics.flatMap((r, i) => (isEmpty(r) ? [] : [i]));
  const settings: NewsletterSettings = {
    blurb: v.blurb,
    digestWording: { schedule: v.wordingSchedule, 'local-time': v.wordingLocalTime },
    topics: rows.map((i) => v.topics[i]),
  };
  return { file: { name: SETTINGS_FILE, text: settingsMarkdown(settings, undefined) }, rows };
}

/** The input a message's path is about: `blurb`, `wording-schedule`, `topic-<row>-label`, … */
function inputOf(path: string, rows: readonly number[]): string | undefined {
  if (path === 'blurb') return 'blurb';
  if (path === 'digestWording.schedule') return 'wording-schedule';
  if (path === 'digestWording.local-time') return 'wording-local-time';
  const m = /^topics\.(\d+)(?:\.(id|label|description))?$/.exec(path);
  const row = m ? rows[Number(m[1])] : undefined;
  return row === undefined ? undefined : `topic-${row}-${m![2] ?? 'id'}`;
}

/**
 * Publish's messages about the file (`topics.md[:<line>]: <path>: <message>`) by the input each
 * is about; the rest (the topic list as a whole, e.g. a topic still in use) in `general`.
 */
export function settingsMessages(
  problems: readonly string[],
  rows: readonly number[],
): { byInput: Record<string, string[]>; general: string[] } {
  const byInput: Record<string, string[]> = {};
  const general: string[] = [];
  for (const problem of problems.flatMap((p) => p.split('\n'))) {
    const m = /^topics\.md(?::\d+)?: ([\w.-]+): (.*)$/s.exec(problem);
    const input = m ? inputOf(m[1], rows) : undefined;
    if (m && input) (byInput[input] ??= []).push(m[2]);
    else general.push(problem.replace(/^topics\.md(?::\d+)?: /, ''));
  }
  return { byInput, general };
}
