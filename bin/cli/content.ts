/**
 * `publish`: articles, issues and the newsletter's settings (topics.md) into the Content table;
 * `content pull`: the stored ones back as those files (usecases/pull-content.ts).
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createHash } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { markdownFilesUnder } from '../../lib/local/files';
import { publish, sentIssueMessage } from '../../lambdas/usecases/publish';
import { sentArticleMessage, unkeptArticleMessage } from '../../lambdas/usecases/publish-sent';
import { differsMessage, planPull, pullContent, type LocalFile } from '../../lambdas/usecases/pull-content';
import { describeSendAt } from '../../lambdas/core/content/send-at';
import { withVersionLine } from '../../lambdas/core/content/markdown-out';
import type { WithTarget } from './target';

/** Who publishes from this machine: `--as <name>`, else `cli:<user name>` (each changed item's `updatedBy`). */
export function cliEditor(as: string | undefined): string {
  if (as?.trim()) return as.trim();
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

/** Where pull keeps, per file it wrote (path under the folder), the SHA-256 of the text: a file still so is no local edit. */
export const PULL_RECORD = '.content-pull.json';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function pulledBefore(dir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(dir, PULL_RECORD), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Every `.md` file under `dir` (none when it does not exist yet), as the caller names it. */
function localMarkdown(dir: string, record: Record<string, string>): LocalFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.md'))
    .sort()
    .map((p) => {
      const text = readFileSync(join(dir, p), 'utf8');
      return { path: join(dir, p), text, untouched: record[p.split(sep).join('/')] === sha(text) };
    });
}

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('publish')
    .description('publish articles, issues and topics.md (Markdown with front matter); folders are searched for .md files')
    .argument('<paths...>')
    .option(
      '--force',
      'change a sent issue, or the articles of one, on its archive page (it then shows the change, not what was sent); overwrite an item changed since the version a file names',
    )
    .option('--as <name>', 'who publishes, as each changed item records it (default: cli:<your user name>)')
    .action(async (paths: string[], opts: { force?: boolean; as?: string }) => {
      const files = markdownFilesUnder(paths).map((f) => ({ name: relative(process.cwd(), f), text: readFileSync(f, 'utf8') }));
      await withTarget(async (t) => {
        const r = await publish(t, files, { force: opts.force === true, by: cliEditor(opts.as) });
        console.log(
          `published ${r.articles.length} article(s), ${r.issues.length} issue(s)${r.settings ? ', the topics and page text' : ''}`,
        );
        const when = new Map(r.scheduled.map((s) => [s.issueId, describeSendAt(s.sendAt, t.timeZone ?? 'UTC')]));
        const version = new Map(r.versions.map((v) => [`${v.kind}#${v.id}`, v.version]));
        const note = (kind: string, id: string) =>
          version.has(`${kind}#${id}`) ? ` (version ${version.get(`${kind}#${id}`)})` : ' (unchanged)';
        for (const id of r.articles) console.log(`  ${id}${when.has(id) ? `: ${when.get(id)}` : ''}${note('article', id)}`);
        for (const id of r.issues) console.log(`  ${id}${when.has(id) ? `: ${when.get(id)}` : ''}${note('issue', id)}`);
        for (const c of r.changedSent) console.log(sentIssueMessage(c.issueId, c.sentAt, true));
        for (const c of r.keptSent) console.log(sentArticleMessage(c, false));
        for (const c of r.refreshedSent) console.log(sentArticleMessage(c, true));
        for (const c of r.unkeptSent) console.log(unkeptArticleMessage(c));
        // A file that names its version (as `content pull` writes it) now names the one it became,
        // so publishing it again after another edit is not taken for a stale copy.
        const bumped = r.versions.flatMap((v) => {
          const f = files.find((x) => x.name === v.file);
          const next = f && /^version[ \t]*:/m.test(f.text) ? withVersionLine(f.text, v.version) : undefined;
          if (!f || next === undefined || next === f.text) return [];
          writeFileSync(f.name, next);
          return [f.name];
        });
        if (bumped.length) console.log(`version line updated in ${bumped.length} file(s): ${bumped.join(', ')}`);
      });
    });

  const content = program.command('content').description('the stored articles, issues and topics as Markdown files');
  content
    .command('pull')
    .description('write every stored article, issue and topics.md into <dir> as the files publish reads, each with its version')
    .argument('<dir>')
    .option('--force', 'replace local files that differ from the stored items (an edit in them not published is lost)')
    .action(async (dir: string, opts: { force?: boolean }) => {
      await withTarget(async (t) => {
        const record = pulledBefore(dir);
        const steps = planPull(await pullContent(t), localMarkdown(dir, record), (rel) => join(dir, rel), opts.force === true);
        const differs = steps.filter((s) => s.action === 'differs');
        if (differs.length)
          throw new Error(
            `nothing written: ${differs.length} local file(s) differ from the stored items\n${differs.map(differsMessage).join('\n')}`,
          );
        for (const s of steps) {
          if (s.text !== undefined) {
            mkdirSync(dirname(s.path), { recursive: true });
            writeFileSync(s.path, s.text);
          }
          // Each file as it now is, the same ones too: a newer stored version may replace it next time.
          record[relative(dir, s.path).split(sep).join('/')] = sha(s.text ?? readFileSync(s.path, 'utf8'));
        }
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, PULL_RECORD), `${JSON.stringify(record, null, 2)}\n`);
        const count = (kind: string) => steps.filter((s) => s.item.kind === kind).length;
        console.log(
          `pulled ${count('article')} article(s), ${count('issue')} issue(s)${count('settings') ? ', the topics and page text' : ''} into ${dir}`,
        );
        const label = {
          new: 'new',
          updated: 'updated',
          version: 'version line set',
          replaced: 'replaced (--force)',
          same: 'unchanged',
          differs: 'differs',
        };
        for (const action of ['new', 'updated', 'version', 'replaced', 'same'] as const) {
          const these = steps.filter((s) => s.action === action);
          if (these.length) console.log(`  ${label[action]}: ${these.length}`);
          if (action !== 'same')
            for (const s of these) console.log(`    ${s.path}${s.item.stamp.version ? ` (version ${s.item.stamp.version})` : ''}`);
        }
      });
    });
}
