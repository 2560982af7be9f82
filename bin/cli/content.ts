/** `publish`: articles, issues and the newsletter's settings (topics.md) into the Content table. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { markdownFilesUnder } from '../../lib/local/files';
import { publish, sentIssueMessage } from '../../lambdas/usecases/publish';
import { sentArticleMessage, unkeptArticleMessage } from '../../lambdas/usecases/publish-sent';
import { describeSendAt } from '../../lambdas/core/content/send-at';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('publish')
    .description('publish articles, issues and topics.md (Markdown with front matter); folders are searched for .md files')
    .argument('<paths...>')
    .option('--force', 'change a sent issue, or the articles of one, on its archive page (it then shows the change, not what was sent)')
    .action(async (paths: string[], opts: { force?: boolean }) => {
      const files = markdownFilesUnder(paths).map((f) => ({ name: relative(process.cwd(), f), text: readFileSync(f, 'utf8') }));
      await withTarget(async (t) => {
        const r = await publish(t, files, { force: opts.force === true });
        console.log(
          `published ${r.articles.length} article(s), ${r.issues.length} issue(s)${r.settings ? ', the topics and page text' : ''}`,
        );
        const when = new Map(r.scheduled.map((s) => [s.issueId, describeSendAt(s.sendAt, t.timeZone ?? 'UTC')]));
        for (const id of [...r.articles, ...r.issues]) console.log(`  ${id}${when.has(id) ? `: ${when.get(id)}` : ''}`);
        for (const c of r.changedSent) console.log(sentIssueMessage(c.issueId, c.sentAt, true));
        for (const c of r.keptSent) console.log(sentArticleMessage(c, false));
        for (const c of r.refreshedSent) console.log(sentArticleMessage(c, true));
        for (const c of r.unkeptSent) console.log(unkeptArticleMessage(c));
      });
    });
}
