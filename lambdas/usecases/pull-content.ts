/**
 * `content pull <dir>`: every stored article and issue, and the newsletter's settings, written
 * back as the Markdown files `publish` reads, each with `version:` the stored version, so a team
 * can keep the repository as the record while others edit in the console.
 *
 * Where each goes: over the local file that already holds that item (an article's id, an issue's
 * id, topics.md), wherever it is under the folder, else `articles/<id>.md`, `issues/<id>.md` or
 * `topics.md`. A local file is never lost without `force`: one that says the same as the stored
 * item only gets its `version:` line (its comments and layout kept); one that says something else
 * is replaced by the stored one when it is still what the last pull wrote (the CLI keeps a hash of
 * each file it wrote), and otherwise (an edit not published yet, or a file never pulled) refused,
 * by name, unless `force`.
 */
import matter from 'gray-matter';
import type { Article, Issue } from '../core/model';
import type { ContentIds, ContentStore, SettingsStore } from '../core/ports';
import { SETTINGS_FILE, type NewsletterSettings } from '../core/topics';
import { parseContent, YAML_ONLY } from '../core/content/parse';
import { readSettingsFile } from '../core/content/topics-file';
import { articleMarkdown, issueMarkdown, settingsMarkdown, withVersionLine } from '../core/content/markdown-out';
import { canonicalJson, contentChanged, type ItemStamp } from '../core/content/versions';
import { storedIssues } from './publish-sent';

export interface PullDeps {
  content: ContentStore;
  ids: ContentIds;
  settings?: SettingsStore;
}

/** One stored item as a file: where it goes by default, its text, and what is stored (to compare a local file with). */
export interface PulledItem {
  kind: 'article' | 'issue' | 'settings';
  id: string;
  /** Relative to the folder: `articles/<id>.md`, `issues/<id>.md`, `topics.md`. */
  defaultPath: string;
  text: string;
  stamp: Partial<ItemStamp>;
  /** Whether a local file's text says the same as the stored item (its version and layout aside). */
  sameAs(localText: string): boolean;
}

/** Every stored item, as files. */
export async function pullContent(deps: PullDeps): Promise<PulledItem[]> {
  const articles = await deps.content.getArticles(await deps.ids.contentIds('article'));
  const issues = await storedIssues(deps);
  const settings = await deps.settings?.getSettings();
  const stamp = settings ? ((await deps.settings?.settingsStamp?.()) ?? {}) : {};
  return [
    ...articles.map((a) => contentItem(a, articleMarkdown(a))),
    ...issues.map((i) => contentItem(i, issueMarkdown(i))),
    ...(settings ? [settingsItem(settings, stamp)] : []),
  ];
}

const NOW = new Date(0);

function contentItem(item: Article | Issue, text: string): PulledItem {
  return {
    kind: item.kind,
    id: item.id,
    defaultPath: `${item.kind}s/${item.id}.md`,
    text,
    stamp: { version: item.version, updatedAt: item.updatedAt, updatedBy: item.updatedBy },
    sameAs(local) {
      try {
        // pastSendAt 'later': a sent issue's own sendAt is in the past, and still the same issue.
        return !contentChanged(item, parseContent('local', local, NOW, { pastSendAt: 'later' }));
      } catch {
        return false;
      }
    },
  };
}

function settingsItem(settings: NewsletterSettings, stamp: Partial<ItemStamp>): PulledItem {
  return {
    kind: 'settings',
    id: 'topics',
    defaultPath: SETTINGS_FILE,
    text: settingsMarkdown(settings, stamp.version),
    stamp,
    sameAs(local) {
      try {
        return canonicalJson(readSettingsFile(SETTINGS_FILE, local).settings) === canonicalJson(settings);
      } catch {
        return false;
      }
    },
  };
}

/** A local Markdown file under the folder: its path (as the caller names it) and text. */
export interface LocalFile {
  path: string;
  text: string;
  /** The text is what the last pull wrote there (no edit since): it may be replaced by a newer stored version. */
  untouched?: boolean;
}

/** What pull does with one item. */
export interface PullStep {
  item: PulledItem;
  /** The caller's path for a local file that holds the item, else the default path under the folder. */
  path: string;
  /**
   * `new`: no local file; `same`: nothing to write; `version`: the local file gets its `version:`
   * line; `updated`: the local file, untouched since the last pull, gets the newer stored version;
   * `differs`: refused without force; `replaced`: differed, overwritten with force.
   */
  action: 'new' | 'same' | 'version' | 'updated' | 'differs' | 'replaced';
  /** The text to write (absent for `same` and `differs`). */
  text?: string;
}

/** Which local file holds which item: `<kind>#<id>` (topics.md as `settings#topics`) to its path. */
function localIndex(local: readonly LocalFile[]): Map<string, LocalFile> {
  const index = new Map<string, LocalFile>();
  for (const f of local) {
    if (f.path.split(/[\\/]/).pop() === SETTINGS_FILE) {
      index.set('settings#topics', f);
      continue;
    }
    try {
      const data = matter(f.text, YAML_ONLY).data as Record<string, unknown>;
      if ((data.type === 'article' || data.type === 'issue') && typeof data.id === 'string') index.set(`${data.type}#${data.id}`, f);
    } catch {
      // Not a content file publish could read: it holds no item, and pull leaves it alone.
    }
  }
  return index;
}

/**
 * The plan: each item with its path and action. `join` makes a default path under the folder;
 * nothing is written here (the CLI writes, and only if no step `differs`).
 */
export function planPull(
  items: readonly PulledItem[],
  local: readonly LocalFile[],
  join: (rel: string) => string,
  force: boolean,
): PullStep[] {
  const index = localIndex(local);
  return items.map((item) => {
    const mine = index.get(`${item.kind}#${item.id}`);
    if (!mine) return { item, path: join(item.defaultPath), action: 'new', text: item.text };
    if (mine.text === item.text) return { item, path: mine.path, action: 'same' };
    if (item.sameAs(mine.text)) {
      const text = item.stamp.version === undefined ? mine.text : withVersionLine(mine.text, item.stamp.version);
      return text === mine.text ? { item, path: mine.path, action: 'same' } : { item, path: mine.path, action: 'version', text };
    }
    if (mine.untouched) return { item, path: mine.path, action: 'updated', text: item.text };
    return force ? { item, path: mine.path, action: 'replaced', text: item.text } : { item, path: mine.path, action: 'differs' };
  });
}

/** The refusal's line for a local file that differs from the stored item. */
export function differsMessage(step: PullStep): string {
  const s = step.item.stamp;
  const what = step.item.kind === 'settings' ? 'the stored topics and page text' : `the stored ${step.item.kind} ${step.item.id}`;
  const stored =
    s.version === undefined
      ? ''
      : ` (version ${s.version}${s.updatedBy ? `, by ${s.updatedBy}` : ''}${s.updatedAt ? ` on ${s.updatedAt.slice(0, 16).replace('T', ' ')} UTC` : ''})`;
  return `${step.path}: differs from ${what}${stored}: publish it first if it is your change, or pull with --force to replace it with the stored one`;
}
