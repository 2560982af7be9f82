/**
 * Stored content written back as the Markdown files `publish` reads (`content pull`): front
 * matter in the fields and names of parse.ts and topics-file.ts, the body after it, and
 * `version:` the stored version (versions.ts). Parsing the text gives the stored item back, so
 * publishing a pulled folder is no change. Pure.
 */
import matter from 'gray-matter';
import type { Article, Issue } from '../model';
import type { NewsletterSettings } from '../topics';

/** js-yaml's options: no folding of long lines (a summary stays one line, as editors write it). */
const YAML_OUT = { lineWidth: -1 } as unknown as matter.GrayMatterOption<string, never>;

/** The file text: the fields in the order given (undefined left out), then the body. */
function file(fields: Record<string, unknown>, body = ''): string {
  const data = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return matter.stringify(body === '' ? '' : `\n${body}\n`, data, YAML_OUT);
}

/** An article's file: its front matter in the order of the documented format, its body after. */
export function articleMarkdown(a: Article): string {
  return file(
    {
      type: 'article',
      id: a.id,
      version: a.version,
      title: a.title,
      summary: a.summary,
      whyItMatters: a.whyItMatters,
      keyPoints: a.keyPoints.length ? a.keyPoints : undefined,
      topics: a.topics,
      source: { name: a.source.name, url: a.source.url },
      sources: a.sources?.map((s) => ({ title: s.title, url: s.url })),
      date: a.date,
      priority: a.priority,
    },
    a.body,
  );
}

/** An issue's file (front matter only: an issue has no body). */
export function issueMarkdown(i: Issue): string {
  return file({
    type: 'issue',
    id: i.id,
    version: i.version,
    newsletter: i.newsletter,
    number: i.number,
    title: i.title,
    summary: i.summary,
    preheader: i.preheader,
    date: i.date,
    lead: i.lead,
    editorsNote: i.editorsNote,
    signOff: i.signOff,
    articles: i.articleIds,
    subjectTest: i.subjectTest && {
      subjects: [...i.subjectTest.subjects],
      share: i.subjectTest.sharePercent,
      waitHours: i.subjectTest.waitMinutes / 60,
    },
    sendAt: i.sendAt,
  });
}

/** The newsletter's settings file (topics.md). */
export function settingsMarkdown(s: NewsletterSettings, version: number | undefined): string {
  return file({
    version,
    blurb: s.blurb,
    digestWording: { schedule: s.digestWording.schedule, 'local-time': s.digestWording['local-time'] },
    topics: s.topics.map((t) => ({ id: t.id, label: t.label, description: t.description })),
  });
}

/**
 * A file's text with its front matter's `version:` line set to `version` (added as the block's
 * last line when it has none): the rest of the file, comments and layout, as it was.
 */
export function withVersionLine(text: string, version: number): string {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const close = lines.findIndex((l, i) => i > 0 && /^---[ \t]*$/.test(l));
  if (!/^\uFEFF?---/.test(lines[0] ?? '') || close === -1) return text;
  const at = lines.slice(0, close).findIndex((l) => /^version[ \t]*:/.test(l));
  if (at !== -1) lines[at] = `version: ${version}`;
  else lines.splice(close, 0, `version: ${version}`);
  return lines.join(nl);
}
