/**
 * `ses-event <file.json>…`: feed SES notifications (as SNS delivers them, or a Lambda SNS
 * event, or a bare SES event) to the same use-case the ses-events function runs on AWS.
 * Locally nothing else produces them: the SES emulator reports no bounces or complaints.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { applySesEvents, parseSesEvents } from '../../lambdas/usecases/ses-events';
import { privacyDeps } from './privacy';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('ses-event')
    .description('apply SES bounce, complaint or delivery notifications from JSON files (SNS envelope or bare)')
    .argument('<files...>')
    .action(async (files: string[]) => {
      const events = files.flatMap((file) => {
        try {
          return parseSesEvents(JSON.parse(readFileSync(file, 'utf8')));
        } catch (e) {
          throw new Error(`${file}: ${(e as Error).message}`);
        }
      });
      await withTarget(async (t) => {
        const deps = await privacyDeps(t, program.opts<{ stack?: string }>().stack);
        const report = await applySesEvents(deps, events);
        console.log(
          `applied ${events.length} event(s): ${report.bounces} bounce(s), ${report.complaints} complaint(s), ${report.deliveries} deliver(ies); ` +
            `${report.suppressed} suppressed, ${report.ledgerEntriesUpdated} ledger entr(ies) updated, ${report.unknownRecipients} unknown recipient(s), ${report.ignored} ignored`,
        );
      });
    });
}
