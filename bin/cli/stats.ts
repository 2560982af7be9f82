/** `stats` and `report`: what landed of an issue (or an alert), as a table or an HTML report with charts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { campaignStats, formatStats } from '../../lambdas/usecases/campaign-stats';
import { reportHtml } from '../../lib/ops/stats-report';
import { findCampaign } from '../../lambdas/usecases/find-content';
import type { WithTarget } from './target';

/**
 * Chart.js's UMD build, inlined into the report so it opens offline. The package's exports map
 * does not list the UMD file: it is found beside the CommonJS entry (both in dist/).
 */
export const chartJsSource = () => readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');

/** `out/report-<issue>.html`, with anything but letters, digits, `-` and `_` in the id replaced. */
export const defaultReportPath = (campaignId: string) => resolve('out', `report-${campaignId.replace(/[^A-Za-z0-9_-]/g, '_')}.html`);

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('stats')
    .description(
      'what landed of an issue (or an alert, by its article id): sent, delivered, bounced by kind, complained, suppressed, failed, clicks per article',
    )
    .argument('[issue]', 'issue id (default: the latest issue)')
    .action(async (issueId: string | undefined) => {
      await withTarget(async (t) => {
        const { id } = await findCampaign(t, issueId);
        console.log(
          formatStats(await campaignStats({ ledger: t.ledger, clicks: t.clicks, content: t.content, subjectTests: t.subjectTests }, id)),
        );
      });
    });

  program
    .command('report')
    .description('write an HTML report with charts (sends over time, clicks per article, bounces by kind); default out/report-<issue>.html')
    .argument('[issue]', 'issue id (default: the latest issue)')
    .option('--out <file>', 'where to write the report')
    .action(async (issueId: string | undefined, opts: { out?: string }) => {
      await withTarget(async (t) => {
        const { id } = await findCampaign(t, issueId);
        const stats = await campaignStats({ ledger: t.ledger, clicks: t.clicks, content: t.content, subjectTests: t.subjectTests }, id);
        const file = opts.out ? resolve(opts.out) : defaultReportPath(id);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, reportHtml({ stats, chartJs: chartJsSource(), generatedAt: t.clock.now() }));
        console.log(`report written: ${file}`);
      });
    });
}
