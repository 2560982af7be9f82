/**
 * Publish articles and issues. Every file is parsed and validated before anything is written:
 * one malformed file stops the whole publish with an error naming the file and the field.
 * Re-publishing an id updates that item (the Content table is keyed by kind and id).
 * An issue whose digest would be clipped by Gmail (see checkDigestSize) is refused too.
 *
 * An issue with `sendAt` gets a one-time schedule (made, or moved to the new time); one
 * re-published without it loses its schedule and goes back to the weekly run.
 *
 * The public archive renders a sent issue's page from its stored item and its articles as sent
 * (the planner's snapshot), so a sent issue is the record of what readers got: re-publishing it
 * with changes is refused unless `force` is given, and the result lists each sent issue so
 * changed (the CLI says so); its snapshot is then refreshed. Re-publishing it unchanged (a whole
 * folder published again, its `sendAt` too) is no change and leaves it as it is; a changed
 * `sendAt` is refused. An edited article of a sent issue: see publish-sent.ts.
 */
import { parseContent, ContentError } from '../core/content/parse';
import { checkAlertSize, checkDigestSize, checkIssueReferences } from '../core/content/check';
import type { Article, Issue } from '../core/model';
import type { Clock, ContentIds, ContentStore, IssueScheduler, SettingsStore, TopicUsage } from '../core/ports';
import { checkTopics, FALLBACK_SETTINGS, SETTINGS_FILE, topicsInUse, type NewsletterSettings } from '../core/topics';
import { readSettingsFile } from '../core/content/topics-file';
import { sendAtPast, sentSendAtMessage } from '../core/content/send-at';
import { sentArticleChanges, storedIssues, type SentArticleChange } from './publish-sent';
import { fieldLineInFile } from '../core/content/field-lines';
import { didYouMean } from '../core/did-you-mean';
import { contentChanged } from '../core/content/versions';
import { PublishError, settingsChange, staleItems, staleLine, writeVersion, type RunItem } from './publish-versions';

export { PublishError } from './publish-versions';

export interface SourceFile {
  name: string;
  text: string;
}

export interface PublishResult {
  articles: string[];
  issues: string[];
  /** True when a topics file was published (the newsletter's settings). */
  settings: boolean;
  /** The issues published with a `sendAt`, and that time (UTC ISO). */
  scheduled: { issueId: string; sendAt: string }[];
  /** Sent issues changed with `force`, and when each was sent: their archive pages now show the change. */
  changedSent: { issueId: string; sentAt: string }[];
  /** Sent issues holding an article changed here, without `force`: the article is stored, their archive pages keep what was sent. */
  keptSent: SentArticleChange[];
  /** The same with `force`: their archive pages now show the changed articles. */
  refreshedSent: SentArticleChange[];
  /** Edited articles of sent issues whose page could not be kept as sent (no copy: too large). */
  unkeptSent: SentArticleChange[];
  /** The version each changed item was written as (core/content/versions.ts); an item left out was unchanged, not written. */
  versions: { kind: 'article' | 'issue' | 'settings'; id: string; version: number; /** The file it came from. */ file: string }[];
}

export interface PublishOptions {
  /**
   * Change an issue already sent (its archive page then differs from what readers got), and
   * overwrite an item changed since the version a file says it was taken from.
   */
  force?: boolean;
  /** Who publishes (`cli:<user name>`, an editor's address): each changed item's `updatedBy`. */
  by?: string;
  /** One file only: the version the change started from, in place of the file's `version:` (a save from the console). */
  baseVersion?: number;
}

/** What a reader of the issue's mail or archive page sees; the rest (publishedAt, planner marks) is bookkeeping. */
const SHOWN: (keyof Issue)[] = [
  'newsletter',
  'number',
  'title',
  'summary',
  'preheader',
  'date',
  'articleIds',
  'lead',
  'editorsNote',
  'signOff',
  'subjectTest',
];

/** Whether the re-published issue differs from the stored one in anything a reader sees. */
export function issueChanged(stored: Issue, next: Issue): boolean {
  return SHOWN.some((k) => JSON.stringify(stored[k]) !== JSON.stringify(next[k]));
}

/** The refusal (or, with force, the notice) for a change to a sent issue. */
export function sentIssueMessage(issueId: string, sentAt: string, forced: boolean): string {
  const sent = `issue ${issueId} was sent on ${sentAt.slice(0, 16).replace('T', ' ')} UTC`;
  return forced
    ? `${sent}: its archive page now shows the changed issue (--force)`
    : `${sent}: its archive page keeps what was sent; use --force to change it`;
}

/** The refusal of a changed `sendAt` on a sent issue (core/content/send-at.ts; the console's Schedule says the same). */
export { sentSendAtMessage };

/**
 * A longer body in an article published on its own can push an issue published earlier, not
 * yet sent, past the size guard: each such issue is rendered again with the new articles.
 */
async function storedIssuesTooLarge(
  deps: PublishDeps,
  storedAll: Issue[],
  articles: Article[],
  inRun: Set<string>,
  files: SourceFile[],
  items: (Article | Issue)[],
): Promise<string[]> {
  if (!deps.ids || articles.length === 0) return [];
  const here = new Map(articles.map((a) => [a.id, a]));
  const fileOf = (id: string) => files[items.findIndex((i) => i.kind === 'article' && i.id === id)]?.name ?? id;
  const problems: string[] = [];
  for (const stored of storedAll) {
    const id = stored.id;
    if (inRun.has(id)) continue;
    const changed = stored.articleIds.filter((a) => here.has(a));
    if (stored.plannedAt || changed.length === 0) continue;
    const others = new Map((await deps.content.getArticles(stored.articleIds.filter((a) => !here.has(a)))).map((a) => [a.id, a]));
    const tooLarge = checkDigestSize(
      stored,
      stored.articleIds.flatMap((a) => here.get(a) ?? others.get(a) ?? []),
    );
    if (tooLarge) problems.push(`${changed.map(fileOf).join(', ')}: in issue ${id} (published, not sent): ${tooLarge}`);
  }
  return problems;
}

/** `<file>:<line>` of a front-matter field (just `<file>` when the field's line cannot be told). */
function at(file: SourceFile, path: string): string {
  const line = fieldLineInFile(file.text, path);
  return line === undefined ? file.name : `${file.name}:${line}`;
}

export interface PublishDeps {
  content: ContentStore;
  clock: Clock;
  /** Makes, moves and removes issues' one-time schedules. Absent: an issue with `sendAt` is refused. */
  schedules?: IssueScheduler;
  /**
   * The newsletter's settings: articles' topics are checked against them (or a topics file
   * published in the same run). Absent: against the topics offered before any were published.
   */
  settings?: SettingsStore;
  /** Where topics are used: a topics file that drops a used topic is refused. Absent: not checked. */
  topicUsage?: TopicUsage;
  /** Every stored issue's id: an article changed after its issue was published must keep that issue within size. Absent: not checked. */
  ids?: ContentIds;
}

export async function publish(deps: PublishDeps, allFiles: SourceFile[], options: PublishOptions = {}): Promise<PublishResult> {
  const now = deps.clock.now();
  const problems: string[] = [];
  const items: (Article | Issue)[] = [];
  const isSettings = (f: SourceFile) => f.name.split(/[\\/]/).pop() === SETTINGS_FILE;
  const settingsFiles = allFiles.filter(isSettings);
  const files = allFiles.filter((f) => !isSettings(f));
  let newSettings: NewsletterSettings | undefined;
  let settingsBase: number | undefined;
  if (settingsFiles.length > 1) problems.push(`${settingsFiles.map((f) => f.name).join(', ')}: one ${SETTINGS_FILE} at a time`);
  else if (settingsFiles.length === 1 && !deps.settings) problems.push(`${settingsFiles[0].name}: this target cannot store settings`);
  else if (settingsFiles.length === 1) {
    try {
      ({ settings: newSettings, version: settingsBase } = readSettingsFile(settingsFiles[0].name, settingsFiles[0].text));
      // A save from the console names the version it started from, as for an article or issue.
      if (options.baseVersion !== undefined) settingsBase = options.baseVersion;
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (options.baseVersion !== undefined && allFiles.length !== 1) problems.push('a base version is given for one file at a time');
  for (const f of files) {
    try {
      const item = parseContent(f.name, f.text, now, { pastSendAt: 'later' });
      items.push(options.baseVersion === undefined ? item : { ...item, version: options.baseVersion });
    } catch (e) {
      if (e instanceof ContentError) problems.push(e.message);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  files.forEach((f, i) => {
    const item = items[i];
    if (!item) return;
    const key = `${item.kind}#${item.id}`;
    if (seen.has(key)) problems.push(`${f.name}: id: ${item.id} is also used by ${seen.get(key)}`);
    seen.set(key, f.name);
  });
  // A breaking article goes out alone at once, its whole body included: it must fit too.
  files.forEach((f, i) => {
    const item = items[i];
    const tooLarge = item?.kind === 'article' ? checkAlertSize(item) : undefined;
    if (tooLarge) problems.push(`${f.name}: ${tooLarge}`);
  });
  if (problems.length) throw new PublishError(problems);

  const articles = items.filter((i): i is Article => i.kind === 'article');
  const stored = await deps.settings?.getSettings();
  const settings = newSettings ?? stored ?? FALLBACK_SETTINGS;
  files.forEach((f, i) => {
    const item = items[i];
    const unknown = item?.kind === 'article' ? checkTopics(settings, item.topics) : undefined;
    if (unknown) problems.push(`${at(f, 'topics')}: topics: ${unknown}`);
  });
  if (newSettings && deps.topicUsage) {
    const kept = new Set(newSettings.topics.map((t) => t.id));
    const removed = (stored ?? FALLBACK_SETTINGS).topics.map((t) => t.id).filter((id) => !kept.has(id));
    if (removed.length) {
      const [byArticle, readers] = await Promise.all([deps.topicUsage.articlesByTopic(removed), deps.topicUsage.readersByTopic(removed)]);
      // An article published in this run counts as it will be, not as it is stored.
      const here = new Set(articles.map((a) => a.id));
      for (const [t, ids] of byArticle)
        byArticle.set(
          t,
          ids.filter((id) => !here.has(id)),
        );
      for (const a of articles)
        for (const t of a.topics.filter((x) => removed.includes(x))) byArticle.set(t, [...(byArticle.get(t) ?? []), a.id]);
      for (const line of topicsInUse(removed, { articles: byArticle, readers })) problems.push(`${settingsFiles[0].name}: topics: ${line}`);
    }
  }
  if (problems.length) throw new PublishError(problems);

  // An issue may only name articles that exist, here or already published.
  const issues = items.filter((i): i is Issue => i.kind === 'issue');
  const here = new Map(articles.map((a) => [a.id, a]));
  const previous = new Map<string, Issue | undefined>();
  const changedSent: PublishResult['changedSent'] = [];
  let known: string[] | undefined;
  const unchangedSent = new Set<string>();
  /** Sent issues published with their own sendAt again: no new schedule. */
  const sentSchedule = new Set<string>();
  for (const issue of issues) {
    const file = files[items.indexOf(issue)].name;
    previous.set(issue.id, await deps.content.getIssue(issue.id));
    const stored = previous.get(issue.id);
    const sentAt = stored?.plannedAt;
    const atLine = () => `${at(files[items.indexOf(issue)], 'sendAt')}: sendAt: `;
    // A sent issue keeps its sendAt: the same one again is no change, a new one is refused.
    if (stored && sentAt && issue.sendAt && issue.sendAt !== stored.sendAt)
      problems.push(`${atLine()}${sentSendAtMessage(issue.id, sentAt, stored.sendAt)}`);
    else if (stored && sentAt) {
      if (issue.sendAt) sentSchedule.add(issue.id);
      if (!issueChanged(stored, issue)) unchangedSent.add(issue.id);
      else if (options.force) changedSent.push({ issueId: issue.id, sentAt });
      else problems.push(`${file}: ${sentIssueMessage(issue.id, sentAt, false)}`);
    }
    const past = sentAt ? undefined : sendAtPast(issue.sendAt, now);
    if (past) problems.push(`${atLine()}${past.message}`);
    else if (issue.sendAt && !sentAt && !deps.schedules)
      problems.push(`${file}: sendAt: this target cannot schedule issues (a stack deployed before scheduled issues: deploy it again)`);
    const unresolved = checkIssueReferences(issue, new Set(here.keys()));
    const storedArticles = new Map((await deps.content.getArticles(unresolved)).map((a) => [a.id, a]));
    const missing = unresolved.filter((id) => !storedArticles.has(id));
    if (missing.length) {
      // One line per id, at its own line in the list, with the nearest id published or being published.
      known ??= [...here.keys(), ...((await deps.ids?.contentIds('article')) ?? [])];
      const f = files[items.indexOf(issue)];
      for (const id of missing)
        problems.push(`${at(f, `articles.${issue.articleIds.indexOf(id)}`)}: articles: no such article: ${id}${didYouMean(id, known)}`);
      continue;
    }
    // The digest as it will be rendered, from the articles being published and those stored.
    const tooLarge = checkDigestSize(
      issue,
      issue.articleIds.map((id) => here.get(id) ?? storedArticles.get(id)!),
    );
    if (tooLarge) problems.push(`${file}: ${tooLarge}`);
  }
  // Every stored issue, read once, when an article here may be in one (its size, its archive page).
  const storedAll = articles.length ? await storedIssues(deps) : [];
  problems.push(...(await storedIssuesTooLarge(deps, storedAll, articles, new Set(issues.map((i) => i.id)), files, items)));
  // Versions: a file taken from an older version than the stored one is refused (publish-versions.ts).
  const storedArticles = new Map((await deps.content.getArticles(articles.map((a) => a.id))).map((a) => [a.id, a]));
  const run = new Map<Article | Issue, RunItem>(
    items.map((item, i) => [
      item,
      {
        file: files[i].name,
        item,
        base: item.version,
        stored: item.kind === 'article' ? storedArticles.get(item.id) : previous.get(item.id),
      },
    ]),
  );
  const settingsRun =
    newSettings && settingsFiles[0] ? { file: settingsFiles[0].name, settings: newSettings, base: settingsBase } : undefined;
  const settingsWrite =
    settingsRun && deps.settings ? await settingsChange(deps.settings, settingsRun, stored, options.force === true) : undefined;
  const stale = [...staleItems([...run.values()], options.force === true), ...(settingsWrite?.stale ? [settingsWrite.stale] : [])];
  problems.push(...stale.map(staleLine));
  if (problems.length) throw new PublishError(problems, stale);
  // The issues re-published with --force, with the time each was sent (the file has none).
  const forcedIssues = issues.flatMap((i) => changedSent.filter((c) => c.issueId === i.id).map((c) => ({ ...i, plannedAt: c.sentAt })));
  const sent = await sentArticleChanges(deps.content, storedAll, articles, { force: options.force === true, now, forcedIssues });

  // Scheduled before stored, unscheduled after: a failure in between leaves at worst a schedule
  // whose run finds no matching sendAt and does nothing, never a stored sendAt with no schedule
  // (the weekly run skips such an issue, so it would never go).
  const scheduled = issues.flatMap((i) => (i.sendAt && !sentSchedule.has(i.id) ? [{ issueId: i.id, sendAt: i.sendAt }] : []));
  for (const s of scheduled) await deps.schedules!.schedule(s.issueId, new Date(s.sendAt));
  // Settings first, so an article never names a topic the pages do not offer yet.
  const by = options.by ?? 'unknown';
  const versions: PublishResult['versions'] = [];
  if (settingsWrite?.write)
    versions.push({ kind: 'settings', id: 'topics', version: await settingsWrite.write(now, by), file: settingsFiles[0].name });
  // Sent issues' archive snapshots before the articles: their pages never show a version in between.
  for (const w of sent.snapshots) await deps.content.putArchiveSnapshot(w.snapshot, { replace: w.replace });
  // Articles first, so an issue never points at an article that is not there yet. An item
  // published again unchanged is not written (its version stays); a sent issue unchanged in what
  // readers see is left as it was sent (not even its publishedAt moves).
  const write = async (r: RunItem) =>
    versions.push({ kind: r.item.kind, id: r.item.id, version: await writeVersion(deps.content, r, now, by), file: r.file });
  for (const a of articles) if (contentChanged(run.get(a)!.stored, a)) await write(run.get(a)!);
  for (const i of issues) if (!unchangedSent.has(i.id) && contentChanged(run.get(i)!.stored, i)) await write(run.get(i)!);
  for (const i of issues) if (!i.sendAt && previous.get(i.id)?.sendAt) await deps.schedules?.cancel(i.id);
  return {
    articles: articles.map((a) => a.id),
    issues: issues.map((i) => i.id),
    settings: Boolean(newSettings),
    scheduled,
    changedSent,
    keptSent: sent.kept,
    refreshedSent: sent.refreshed,
    unkeptSent: sent.unkept,
    versions,
  };
}
