/**
 * The console's editor forms and the files `publish` reads, both ways (pure): an article's or
 * an issue's front-matter fields as form fields (lists one entry a line), a posted form back
 * into the file text — written with the same YAML writer as `content pull`, so whatever an
 * editor types stays a value and never becomes YAML of its own — and the parser's messages
 * sorted by the field they are about, to show each beside its input.
 */
import matter from 'gray-matter';
import type { Article, Issue } from '../model';

export type EditorKind = 'article' | 'issue';

/** One input of the editor: its front-matter name, its label, how it is typed. */
export interface FormField {
  name: string;
  label: string;
  /** `lines`: a list, one entry a line; `pairs`: one `title | url` a line. */
  input: 'text' | 'textarea' | 'lines' | 'pairs' | 'number' | 'date' | 'select' | 'markdown';
  hint?: string;
  options?: readonly string[];
}

export const ARTICLE_FIELDS: readonly FormField[] = [
  { name: 'id', label: 'Id', input: 'text', hint: 'lower-case letters, digits and hyphens; the article’s address in links' },
  { name: 'title', label: 'Title', input: 'text' },
  { name: 'summary', label: 'Summary', input: 'textarea', hint: 'one or two sentences, shown under the title' },
  { name: 'whyItMatters', label: 'Why it matters', input: 'textarea' },
  { name: 'keyPoints', label: 'Key points', input: 'lines', hint: 'one a line' },
  { name: 'topics', label: 'Topics', input: 'lines', hint: 'topic ids, one a line (the Settings list them)' },
  { name: 'sourceName', label: 'Source name', input: 'text' },
  { name: 'sourceUrl', label: 'Source URL', input: 'text' },
  { name: 'sources', label: 'More sources', input: 'pairs', hint: 'one a line: title | https://…' },
  { name: 'date', label: 'Date', input: 'date', hint: 'YYYY-MM-DD' },
  { name: 'priority', label: 'Priority', input: 'select', options: ['normal', 'breaking'], hint: 'breaking sends an alert when published' },
  { name: 'body', label: 'Body (Markdown)', input: 'markdown' },
];

export const ISSUE_FIELDS: readonly FormField[] = [
  { name: 'id', label: 'Id', input: 'text', hint: 'lower-case letters, digits and hyphens' },
  { name: 'newsletter', label: 'Newsletter', input: 'text' },
  { name: 'number', label: 'Number', input: 'number' },
  { name: 'title', label: 'Title', input: 'text' },
  { name: 'summary', label: 'Summary', input: 'textarea' },
  { name: 'preheader', label: 'Preheader', input: 'text', hint: 'shown by mail clients next to the subject' },
  { name: 'date', label: 'Date', input: 'date', hint: 'YYYY-MM-DD' },
  { name: 'articles', label: 'Articles', input: 'lines', hint: 'article ids in order, one a line' },
  { name: 'lead', label: 'Lead article', input: 'text', hint: 'one of the articles; empty: the first' },
  { name: 'editorsNote', label: 'Editor’s note', input: 'textarea' },
  { name: 'signOff', label: 'Sign-off', input: 'text' },
];

export const fieldsOf = (kind: EditorKind) => (kind === 'article' ? ARTICLE_FIELDS : ISSUE_FIELDS);

const lines = (v: string | undefined) =>
  (v ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
const text = (v: string | undefined) => {
  const t = (v ?? '').replace(/\r\n/g, '\n').trim();
  return t === '' ? undefined : t;
};
/** A number when the text is one; else the text, for the parser to name the mistake. */
const numberOr = (v: string | undefined) => {
  const t = text(v);
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : t;
};

/** The form's values of a stored item (or empty ones for a new item). */
export function formValues(kind: EditorKind, item?: Article | Issue): Record<string, string> {
  if (!item) return kind === 'article' ? { priority: 'normal' } : {};
  if (item.kind === 'article') {
    return {
      id: item.id,
      title: item.title,
      summary: item.summary,
      whyItMatters: item.whyItMatters ?? '',
      keyPoints: item.keyPoints.join('\n'),
      topics: item.topics.join('\n'),
      sourceName: item.source.name,
      sourceUrl: item.source.url,
      sources: (item.sources ?? []).map((s) => `${s.title} | ${s.url}`).join('\n'),
      date: item.date,
      priority: item.priority,
      body: item.body,
    };
  }
  return {
    id: item.id,
    newsletter: item.newsletter,
    number: String(item.number),
    title: item.title,
    summary: item.summary,
    preheader: item.preheader,
    date: item.date,
    articles: item.articleIds.join('\n'),
    lead: item.lead ?? '',
    editorsNote: item.editorsNote ?? '',
    signOff: item.signOff ?? '',
  };
}

/**
 * The file `publish` reads for the posted form. An issue keeps what this form does not edit
 * (its `sendAt` and subject test, from `stored`): they have pages of their own.
 */
export function formToFile(kind: EditorKind, form: (name: string) => string | undefined, stored?: Issue): { name: string; text: string } {
  const id = text(form('id')) ?? '';
  const data =
    kind === 'article'
      ? {
          type: 'article',
          id,
          title: text(form('title')),
          summary: text(form('summary')),
          whyItMatters: text(form('whyItMatters')),
          keyPoints: lines(form('keyPoints')).length ? lines(form('keyPoints')) : undefined,
          topics: lines(form('topics')),
          source: { name: text(form('sourceName')), url: text(form('sourceUrl')) },
          sources: lines(form('sources')).length
            ? lines(form('sources')).map((l) => {
                const bar = l.lastIndexOf('|');
                return bar === -1 ? { title: l, url: undefined } : { title: l.slice(0, bar).trim(), url: l.slice(bar + 1).trim() };
              })
            : undefined,
          date: text(form('date')),
          priority: text(form('priority')),
        }
      : {
          type: 'issue',
          id,
          newsletter: text(form('newsletter')),
          number: numberOr(form('number')),
          title: text(form('title')),
          summary: text(form('summary')),
          preheader: text(form('preheader')),
          date: text(form('date')),
          articles: lines(form('articles')),
          lead: text(form('lead')),
          editorsNote: text(form('editorsNote')),
          signOff: text(form('signOff')),
          subjectTest: stored?.subjectTest && {
            subjects: [...stored.subjectTest.subjects],
            share: stored.subjectTest.sharePercent,
            waitHours: stored.subjectTest.waitMinutes / 60,
          },
          sendAt: stored?.sendAt,
        };
  const clean = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  const body = kind === 'article' ? (text(form('body')) ?? '') : '';
  const yaml = { lineWidth: -1 } as unknown as matter.GrayMatterOption<string, never>;
  // The file's name only labels publish's messages: an id typed with spaces or capitals must not
  // make a name the messages cannot be matched back to their fields by.
  return { name: `${kind}s/${/^[a-z0-9-]{1,100}$/.test(id) ? id : 'new'}.md`, text: matter.stringify(body === '' ? '' : `\n${body}\n`, clean, yaml) };
}

/** The form field a front-matter path is shown beside (`source.url` → sourceUrl, `keyPoints.2` → keyPoints). */
function fieldOf(path: string, kind: EditorKind): string | undefined {
  const [head, ...rest] = path.split('.');
  if (head === 'source') return rest[0] === 'name' ? 'sourceName' : 'sourceUrl';
  if (head === 'front matter' || head === 'type') return undefined;
  return fieldsOf(kind).some((f) => f.name === head) ? head : undefined;
}

/**
 * Publish's messages (one a line: `<file>[:<line>]: <path>: <message>`, or `<file>: <message>`)
 * by the field each is about; the rest (about the item as a whole) in `general`.
 */
export function messagesByField(problems: readonly string[], kind: EditorKind): { byField: Record<string, string[]>; general: string[] } {
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  for (const problem of problems.flatMap((p) => p.split('\n'))) {
    const m = /^[^:\s]+\.md(?::\d+)?: ([\w. ]+?): (.*)$/s.exec(problem);
    const field = m ? fieldOf(m[1], kind) : undefined;
    if (m && field) (byField[field] ??= []).push(m[2]);
    else general.push(problem.replace(/^[^:\s]+\.md(?::\d+)?: /, ''));
  }
  return { byField, general };
}
