/**
 * Content files: Markdown with YAML front matter, as editors write them, turned into the
 * domain's {@link Article} and {@link Issue}. Pure: takes the file's text, never touches the
 * file system or AWS, so the CLI, the local mode and the tests share exactly one set of rules.
 *
 * Everything an editor types ends up in a mail header, a subject line or a layout, so the
 * rules are strict and every refusal names the file, the field and what is wrong.
 */
import matter from 'gray-matter';
import { z } from 'zod';
import type { Article, Issue } from '../model';
import { BODY_CONTROL, LINE_BREAKING, line, required, versionField } from './fields';
import { subjectTestField } from './subject-test-field';
import { restoreTypedSendAt, sendAtSchema, sendAtTiming } from './send-at';
import { articleBodyProblems, issueBodyProblems } from './body';
import { fieldLine } from './field-lines';
import { oneMessageEach, toProblems } from './field-problems';
import { didYouMean } from '../did-you-mean';
import { yamlProblem } from './yaml-errors';
import { repeatsSummary } from './key-points';

export { repeatsSummary, REPEAT_SHARE } from './key-points';

/** One thing wrong with a content file: the field path as the editor wrote it, and why. */
export interface ContentProblem {
  /** Dotted field path (`source.url`, `keyPoints.2`), or `front matter` / `body` / `type`. */
  path: string;
  message: string;
  /** The file's line of the field, when it is in the file (a missing field has none). */
  line?: number;
}

/**
 * A content file that cannot be published. The message has one line per problem, each
 * `<file>:<line>: <field path>: <what is wrong>` (`<file>: …` for a field that is not in the
 * file), so an editor can fix every problem in one pass.
 */
export class ContentError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ContentProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ContentError';
  }
}

/** Longest Markdown body accepted. Far above any real article; keeps a digest under mail size limits. */
export const MAX_BODY_CHARS = 50_000;

/** The kinds of content file, as `type` names them. */
const KINDS = ['article', 'issue'];
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const slug = z
  .string({ error: required('a slug (lower-case letters, digits and single hyphens)') })
  .max(80, 'must be at most 80 characters')
  .regex(SLUG, 'must be a slug: lower-case letters, digits and single hyphens, like "eu-japan-talks"');

/** Reports each repeated entry at its own index, so the editor sees which line to delete. */
function noDuplicates(list: string[], ctx: z.RefinementCtx<string[]>): void {
  const seen = new Set<string>();
  list.forEach((value, index) => {
    if (!seen.has(value)) seen.add(value);
    else ctx.addIssue({ code: 'custom', path: [index], message: `repeats "${value}", which is already in the list` });
  });
}

const slugList = (what: string, max: number) =>
  z
    .array(slug, { error: required(`a list of ${what}: write [a, b], or each on a line of its own starting "- "`) })
    .min(1, `must list at least one of the ${what}`)
    .max(max, `must list at most ${max} ${what}`)
    .superRefine(noDuplicates);

function isRealCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over into March; a real date survives the round trip unchanged.
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * A calendar date, output as `YYYY-MM-DD`. YAML turns an unquoted `2024-11-01` into a Date at
 * UTC midnight, so a Date is accepted when it carries no time of day; a quoted string is
 * checked for being a real date.
 */
const calendarDate = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) && v.getTime() % 86_400_000 === 0 ? v.toISOString().slice(0, 10) : v),
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : issue.input instanceof Date
            ? 'must be a calendar date written YYYY-MM-DD, without a time of day'
            : 'must be a date written YYYY-MM-DD',
    })
    // One message for one mistake: a date in another form ("6 Dec 2026") is only told its form,
    // not also that it is no real date; the calendar is checked once the form is right.
    .superRefine((s, ctx) => {
      if (!ISO_DATE.test(s)) ctx.addIssue({ code: 'custom', message: `must be a date written YYYY-MM-DD, like 2026-12-06 (not ${JSON.stringify(s)})` });
      else if (!isRealCalendarDate(s)) ctx.addIssue({ code: 'custom', message: 'is not a real calendar date' });
    }),
);

const httpUrl = z
  .string({ error: required('an http(s) URL') })
  .trim()
  .refine((s) => {
    if (LINE_BREAKING.test(s) || /\s/.test(s)) return false;
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL, like https://example.org/page');

/**
 * A link readers follow out of the message to a source article: https only (a plain http
 * link is one a network in between can rewrite, and mail filters count it against us).
 */
const httpsUrl = z
  .string({ error: required('an https URL') })
  .trim()
  .refine((s) => {
    if (LINE_BREAKING.test(s) || /\s/.test(s)) return false;
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an https URL, like https://example.org/page');

/** The actual source articles: a title and an https link each, no link twice. */
const sourceList = z
  .array(
    z.strictObject({ title: line(200), url: httpsUrl }, { error: required('a mapping with title and url') }),
    { error: required('a list of sources, each with title and url') },
  )
  .min(1, 'must list at least one source, or be left out')
  .max(6, 'must list at most 6 sources')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, index) => {
      if (seen.has(s.url)) ctx.addIssue({ code: 'custom', path: [index, 'url'], message: `repeats ${s.url}, which is already in the list` });
      seen.add(s.url);
    });
  });

/** Front matter of an article. Strict: an unknown key is usually a typo of a known one. */
export const articleSchema = z.strictObject({
  type: z.literal('article'),
  id: slug,
  title: line(200),
  summary: line(1000),
  // One line, so it reads as a line: the reader gets the point without a second paragraph.
  whyItMatters: line(300).optional(),
  // Optional: facts the summary does not give. Left out (or empty) when the summary says it all.
  keyPoints: z
    .array(line(300), { error: required('a list of key points') })
    .max(8, 'must list at most 8 key points')
    .default([]),
  topics: slugList('topics', 8),
  source: z.strictObject(
    {
      name: line(120),
      url: httpUrl,
    },
    { error: required('a mapping with name and url') },
  ),
  sources: sourceList.optional(),
  date: calendarDate,
  priority: z.enum(['normal', 'breaking'], { error: 'must be "normal" or "breaking"' }).default('normal'),
  version: versionField.optional(), // the stored version this file was taken from (versions.ts)
}).superRefine((a, ctx) => {
  a.keyPoints.forEach((point, index) => {
    if (repeatsSummary(point, a.summary)) {
      ctx.addIssue({ code: 'custom', path: ['keyPoints', index], message: 'repeats the summary; give a fact the summary does not, or leave the point out' });
    }
  });
});

/** Front matter of an issue: the editor's intro and the ordered article ids. */
export const issueSchema = z.strictObject({
  type: z.literal('issue'),
  id: slug,
  newsletter: line(120),
  number: z
    .number({ error: required('a whole number') })
    .int('must be a whole number')
    .positive('must be 1 or more'),
  // The subject is the title followed by the issue number, and a phone shows 40–60
  // characters of it: a headline, not a sentence.
  title: line(70),
  summary: line(1000),
  preheader: line(150),
  date: calendarDate,
  articles: slugList('article ids', 20),
  /** The lead story's id; it must be one of `articles`. Left out: the first article leads. */
  lead: slug.optional(),
  editorsNote: line(1200).optional(),
  signOff: line(300).optional(),
  subjectTest: subjectTestField.optional(),
  sendAt: sendAtSchema.optional(), // instead of the weekly schedule; see send-at.ts
  version: versionField.optional(), // the stored version this file was taken from (versions.ts)
}).superRefine((issue, ctx) => {
  if (issue.lead !== undefined && !issue.articles.includes(issue.lead)) {
    ctx.addIssue({ code: 'custom', path: ['lead'], message: `must be one of the issue's articles (${issue.articles.join(', ')}); "${issue.lead}" is not listed` });
  }
});

/** The Markdown body of an article. */
export const bodySchema = z
  .string()
  .max(MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`)
  .refine((s) => !BODY_CONTROL.test(s), 'must not contain control characters other than newlines and tabs');

export type ArticleFrontMatter = z.infer<typeof articleSchema>;
export type IssueFrontMatter = z.infer<typeof issueSchema>;

/**
 * Parse one content file.
 *
 * @param fileName - shown in every error message (a repository-relative path reads best).
 * @param text - the whole file: `---` front matter `---`, then an optional Markdown body.
 * @param publishedAt - stamped on the result as this version's publication time.
 *   The result's `version` is the file's `version:` (the stored version it was taken from), if any.
 * @param options - `pastSendAt: 'later'`: an issue's `sendAt` in the past is not refused here;
 *   publish.ts checks it (send-at.ts sendAtPast) once it knows whether the issue was sent.
 * @throws {@link ContentError} listing every problem found, each with the field path.
 */
export function parseContent(
  fileName: string,
  text: string,
  publishedAt: Date,
  options: { pastSendAt?: 'refuse' | 'later' } = {},
): Article | Issue {
  if (Number.isNaN(publishedAt.getTime())) throw new TypeError('publishedAt is not a valid date');
  const { data, body, rawMatter } = splitFrontMatter(fileName, text);

  // An unquoted impossible date (2024-02-30) reaches us as a Date that YAML already rolled
  // over into March; take the date as the editor typed it so the calendar check can see it.
  if (data.date instanceof Date) {
    const typed = /^date[ \t]*:[ \t]*(\d{4}-\d{2}-\d{2})[ \t]*(?:#.*)?$/m.exec(rawMatter);
    if (typed) data.date = typed[1];
  }

  const at = publishedAt.toISOString();
  if (data.type === 'article') {
    const bodyCheck = bodySchema.safeParse(body);
    // Checked as Markdown only once within its size: a body over the limit is not read further.
    const bodyProblems = bodyCheck.success
      ? articleBodyProblems(text, body)
      : bodyCheck.error.issues.map((i) => ({ path: 'body', message: i.message }));
    const fm = validate(fileName, articleSchema, data, bodyProblems, rawMatter);
    return {
      kind: 'article',
      id: fm.id,
      title: fm.title,
      summary: fm.summary,
      ...(fm.whyItMatters !== undefined && { whyItMatters: fm.whyItMatters }),
      keyPoints: fm.keyPoints,
      topics: fm.topics,
      source: { name: fm.source.name, url: fm.source.url },
      ...(fm.sources !== undefined && { sources: fm.sources.map((s) => ({ title: s.title, url: s.url })) }),
      date: fm.date,
      priority: fm.priority,
      body,
      publishedAt: at,
      ...(fm.version !== undefined && { version: fm.version }),
    };
  }
  if (data.type === 'issue') {
    // An issue has no body field; refuse text there rather than drop it without a word (body.ts says why).
    const stray = issueBodyProblems(text, body);
    restoreTypedSendAt(data, rawMatter);
    const fm = validate(fileName, issueSchema, data, [...stray, ...sendAtTiming(data.sendAt, publishedAt, { past: options.pastSendAt !== 'later' })], rawMatter);
    return {
      kind: 'issue',
      id: fm.id,
      newsletter: fm.newsletter,
      number: fm.number,
      title: fm.title,
      summary: fm.summary,
      preheader: fm.preheader,
      date: fm.date,
      articleIds: fm.articles,
      ...(fm.lead !== undefined && { lead: fm.lead }),
      ...(fm.editorsNote !== undefined && { editorsNote: fm.editorsNote }),
      ...(fm.signOff !== undefined && { signOff: fm.signOff }),
      ...(fm.subjectTest !== undefined && { subjectTest: fm.subjectTest }),
      ...(fm.sendAt !== undefined && { sendAt: fm.sendAt }),
      publishedAt: at,
      ...(fm.version !== undefined && { version: fm.version }),
    };
  }
  const typeLine = fieldLine(rawMatter, 'type');
  throw new ContentError(fileName, [
    {
      path: 'type',
      message:
        data.type === undefined ? 'is required ("article" or "issue")' : `must be "article" or "issue"${typeof data.type === 'string' ? didYouMean(data.type, KINDS) : ''}`,
      ...(data.type !== undefined && typeLine !== undefined && { line: typeLine }),
    },
  ]);
}

/** Refuses every front-matter language but YAML: gray-matter would otherwise `eval` a `---js` block. */
const refuseLanguage = () => {
  throw new Error('only YAML front matter is accepted');
};

/**
 * gray-matter's options for every file publish reads: YAML only, and (options given) no cache,
 * which would hand back a half-parsed result (and no error) the second time the same invalid
 * text is parsed.
 */
export const YAML_ONLY = { engines: { javascript: refuseLanguage, json: refuseLanguage, coffee: refuseLanguage } };

function splitFrontMatter(fileName: string, text: string): { data: Record<string, unknown>; body: string; rawMatter: string } {
  // Files saved on Windows have CRLF line ends; they are the same text, not control characters.
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const fail = (message: string): never => {
    throw new ContentError(fileName, [{ path: 'front matter', message }]);
  };
  const newline = normalised.indexOf('\n');
  const firstLine = newline === -1 ? normalised : normalised.slice(0, newline);
  if (!/^---[ \t]*(ya?ml)?[ \t]*$/.test(firstLine)) {
    if (!normalised.startsWith('---')) fail('missing: the file must start with a line of three hyphens (---)');
    fail('must be YAML: the first line must be exactly ---');
  }
  if (normalised.indexOf('\n---', firstLine.length) === -1) fail('not closed: add a line of three hyphens (---) after the fields');

  let file: matter.GrayMatterFile<string>;
  try {
    // Passing options also turns off gray-matter's cache, which would hand back a half-parsed
    // result (and no error) the second time the same invalid text is parsed.
    file = matter(normalised, YAML_ONLY);
  } catch (err) {
    // The block as gray-matter reads it: from the end of the opening line to the closing line.
    const block = normalised.slice(firstLine.length, normalised.indexOf('\n---', firstLine.length));
    throw new ContentError(fileName, [yamlProblem(err, block)]);
  }
  const data: unknown = file.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail('must be a mapping of fields (key: value lines)');
  }
  // Surrounding blank lines carry no meaning in Markdown; trimming them keeps stored bodies canonical.
  return { data: { ...(data as Record<string, unknown>) }, body: file.content.trim(), rawMatter: file.matter };
}

/**
 * Validates the front matter and throws one error with its problems and any found elsewhere,
 * each with its line in the file, and one message for one mistake (see {@link oneMessageEach}).
 */
function validate<S extends z.ZodType>(
  fileName: string,
  schema: S,
  data: Record<string, unknown>,
  others: ContentProblem[],
  rawMatter: string,
): z.output<S> {
  const result = schema.safeParse(data);
  const problems = result.success ? [...others] : [...oneMessageEach(result.error.issues.flatMap((i) => toProblems(i, schema))), ...others];
  if (problems.length || !result.success) {
    throw new ContentError(
      fileName,
      problems.map((p) => {
        const line = p.path === 'body' || p.path === 'front matter' ? undefined : fieldLine(rawMatter, p.path);
        return line === undefined ? p : { ...p, line };
      }),
    );
  }
  return result.data;
}
