/**
 * Finding things: `issues list`, `articles list`, `subscribers list|count|search`. Each listing is
 * newest first (readers: in the table's order) and paged: `--limit` rows, then the line
 * `next page: --next <token>` when there is more.
 */
import type { Command } from 'commander';
import { maskEmail } from '../../lambdas/core/address';
import {
  formatTable,
  listedStatus,
  LISTED_STATUSES,
  parseLimit,
  parseSubscriberFilter,
  SOURCES,
  type SubscriberCounts,
  type SubscriberFilter,
} from '../../lambdas/core/find';
import { listArticles, listIssues } from '../../lambdas/usecases/find';
import { readSettings } from '../../lambdas/usecases/newsletter-settings';
import { checkTopics } from '../../lambdas/core/topics';
import type { Target, WithTarget } from './target';

interface PageOptions {
  limit?: string;
  next?: string;
}

const LIMIT = '--limit <n>';
const LIMIT_HELP = 'rows a page (1 to 1000)';
const NEXT = '--next <token>';
const NEXT_HELP = 'the page after the one that printed this token';

/** Campaign counters say whether an issue went; a target without them (none today) shows every issue as not sent. */
const countersOf = (t: Target) => t.counters ?? { get: () => Promise.resolve(undefined) };

function printPage(table: string, shown: number, next: string | undefined, what: string): void {
  console.log(table);
  console.log(next ? `${shown} ${what} shown; next page: --next ${next}` : `${shown} ${what} shown; no more`);
}

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('issues')
    .description('find issues')
    .command('list')
    .description('list issues, newest first, with their state: draft, scheduled, sending, sent')
    .option(LIMIT, LIMIT_HELP)
    .option(NEXT, NEXT_HELP)
    .action(async (opts: PageOptions) => {
      const limit = parseLimit(opts.limit);
      await withTarget(async (t) => {
        const page = await listIssues({ catalog: t.catalog, counters: countersOf(t) }, limit, opts.next);
        const rows = page.rows.map(({ issue, state }) => [
          issue.id,
          String(issue.number),
          issue.date,
          state === 'scheduled' && issue.sendAt ? `scheduled ${issue.sendAt.slice(0, 16)}Z` : state,
          issue.title,
        ]);
        printPage(formatTable(['id', 'no.', 'date', 'state', 'title'], rows), rows.length, page.next, 'issue(s)');
      });
    });

  program
    .command('articles')
    .description('find articles')
    .command('list')
    .description('list articles, newest first, with their state (sent: an issue with it went, or its alert) and the issues they are in')
    .option(LIMIT, LIMIT_HELP)
    .option(NEXT, NEXT_HELP)
    .action(async (opts: PageOptions) => {
      const limit = parseLimit(opts.limit);
      await withTarget(async (t) => {
        const page = await listArticles({ catalog: t.catalog, counters: countersOf(t) }, limit, opts.next);
        const rows = page.rows.map(({ article, state, issues }) => [
          article.id,
          article.date,
          article.priority === 'breaking' ? `${state} (breaking)` : state,
          issues.join(',') || '-',
          article.title,
        ]);
        printPage(formatTable(['id', 'date', 'state', 'in issues', 'title'], rows), rows.length, page.next, 'article(s)');
      });
    });

  // `subscribers` is made by bin/cli/subscribers.ts: these join it.
  const subscribers = program.commands.find((c) => c.name() === 'subscribers') ?? program.command('subscribers');
  const filtered = (cmd: Command) =>
    cmd
      .option('--status <status>', `only readers in this state: ${LISTED_STATUSES.join(', ')}`)
      .option('--topic <topic>', 'only readers who get this topic: those who chose it, and those who chose none (they get every topic)')
      .option('--source <source>', `only readers who came this way: ${SOURCES.join(', ')}`);

  /** A misspelt --topic would match nobody: refused with the topics published (and a did-you-mean). */
  const topicKnown = async (t: Target, filter: SubscriberFilter) => {
    const problem = filter.topic === undefined ? undefined : checkTopics(await readSettings(t.content), [filter.topic]);
    if (problem) throw new Error(`--topic: ${problem}`);
  };
  const list = async (filter: SubscriberFilter, opts: PageOptions & { showAddresses?: boolean }) => {
    const limit = parseLimit(opts.limit);
    await withTarget(async (t) => {
      await topicKnown(t, filter);
      const page = await t.directory.page(filter, limit, opts.next);
      const rows = page.rows.map((s) => [
        opts.showAddresses ? (s.emailAsTyped ?? s.email) : maskEmail(s.emailAsTyped ?? s.email),
        s.subscriberId,
        listedStatus(s),
        s.source,
        s.createdAt.slice(0, 10),
        s.topics.join(',') || '-',
      ]);
      printPage(formatTable(['address', 'id', 'status', 'source', 'since', 'topics'], rows), rows.length, page.next, 'subscriber(s)');
    });
  };
  const SHOW = ['--show-addresses', 'print whole addresses (masked by default: a***@example.com)'] as const;

  filtered(subscribers.command('list').description('list subscribers (a paged scan of the Subscribers table), with filters'))
    .option('--prefix <start>', 'only addresses that start with this (in any capitals)')
    .option(LIMIT, LIMIT_HELP)
    .option(NEXT, NEXT_HELP)
    .option(...SHOW)
    .action((opts: PageOptions & { status?: string; topic?: string; source?: string; prefix?: string; showAddresses?: boolean }) =>
      list(parseSubscriberFilter(opts), opts),
    );

  filtered(subscribers.command('search').description('find subscribers whose address starts with <prefix> (in any capitals)'))
    .argument('<prefix>')
    .option(LIMIT, LIMIT_HELP)
    .option(NEXT, NEXT_HELP)
    .option(...SHOW)
    .action((prefix: string, opts: PageOptions & { status?: string; topic?: string; source?: string; showAddresses?: boolean }) =>
      list(parseSubscriberFilter({ ...opts, prefix }), opts),
    );

  filtered(subscribers.command('count').description('count subscribers by status, source and topic (of those the filters keep)'))
    .option('--prefix <start>', 'only addresses that start with this (in any capitals)')
    .action(async (opts: { status?: string; topic?: string; source?: string; prefix?: string }) => {
      const filter = parseSubscriberFilter(opts);
      await withTarget(async (t) => {
        await topicKnown(t, filter);
        console.log(describeCounts(await t.directory.count(filter)));
      });
    });
}

/** `count`'s lines: the total, then each breakdown (largest first). */
export function describeCounts(c: SubscriberCounts): string {
  const sorted = (r: Record<string, number>) =>
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '-';
  return [
    `${c.total} subscriber(s)`,
    `  by status: ${sorted(c.byStatus)}`,
    `  by source: ${sorted(c.bySource)}`,
    `  by topic:  ${sorted(c.byTopic)}`,
  ].join('\n');
}
