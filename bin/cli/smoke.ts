/**
 * `smoke`: send the latest issue to SES's mailbox simulator as a campaign of its own and report
 * the events that come back (lib/ops/smoke.ts). Exits 1 when an expected event did not arrive
 * in time. On AWS the messages carry the stack's configuration set, so the events flow through
 * SNS into the ses-events function; locally the recording SES proxy plays the simulator.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { findIssue } from '../../lambdas/usecases/find-content';
import type { WithTarget } from './target';

/**
 * The deployed sender's settings, with smoke's own identity (its messages go to SES's mailbox
 * simulator only, never to a reader) and plain links (nobody follows the simulator's, so a smoke
 * run never counts clicks). The configuration set is what publishes the events to SNS.
 */
const awsSetup = async (stack: string) =>
  (await import('./sender-setup')).deployedSenderSetup(stack, 'a smoke test', {
    organisationName: 'Smoke test',
    postalAddress: 'Smoke test (no postal address)',
    clickTracking: 'off',
  });

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('smoke')
    .description(
      "send the latest issue to SES's mailbox simulator (its own campaign, never a reader) and wait for delivery, bounce and complaint events",
    )
    .option('--issue <id>', 'issue id (default: the latest issue)')
    .option('--timeout <seconds>', 'how long to wait for the events', '120')
    .action(async (opts: { issue?: string; timeout: string }) => {
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new Error(`--timeout: a number of seconds, got ${JSON.stringify(opts.timeout)}`);
      const stack = program.opts<{ stack?: string }>().stack;
      // Loaded here, not at the top: they load the AWS SDK, which `--help` has no use for.
      const { awaitSmoke, sendSmoke } = await import('../../lib/ops/smoke');
      const { sesClient, sesPorts } = await import('../../lambdas/wiring');
      const { localSenderSetup } = await import('./sender-setup');
      await withTarget(async (t) => {
        if (opts.issue !== undefined) await findIssue(t, opts.issue);
        const setup = stack ? await awsSetup(stack) : await localSenderSetup();
        const deps = {
          content: t.content,
          subscribers: t.subscribers,
          ledger: t.ledger,
          clock: t.clock,
          mailer: sesPorts(sesClient(), setup.settings.configurationSet).mailer,
          settings: setup.settings,
          keys: setup.keys,
          newId: randomUUID,
        };
        for (const note of setup.notes) console.log(`note: ${note}`);
        const send = await sendSmoke(deps, { issueId: opts.issue });
        console.log(`smoke: ${send.issueId} ("${send.issueTitle}") as campaign ${send.campaignId}`);
        for (const m of send.messages)
          console.log(
            `  ${m.messageId ? 'sent to' : 'NOT sent to'} ${m.email}${m.messageId ? ` (SES message ${m.messageId})` : `: ${m.error}`}`,
          );
        console.log(`waiting up to ${timeoutMs / 1000} s for SES's events…`);
        const results = await awaitSmoke(
          { subscribers: t.subscribers, ledger: t.ledger, clock: t.clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
          send,
          {
            timeoutMs,
            pollMs: stack ? 2_000 : 250,
            onResult: (r) =>
              console.log(
                `${r.ok ? '✔' : '✗'} ${r.email.padEnd(40)} ${r.detail}${r.afterMs !== undefined ? ` (${(r.afterMs / 1000).toFixed(1)} s)` : ''}`,
              ),
          },
        );
        const failed = results.filter((r) => !r.ok);
        if (failed.length) {
          console.error(
            `smoke failed: ${failed.length} of ${results.length} outcome(s) did not come back (${failed.map((r) => r.case).join(', ')})`,
          );
          console.error(
            stack
              ? 'check the configuration set event destination (SNS topic → ses-events function), its dead-letter queue, and the function logs'
              : 'the local mode plays the simulator in the recording SES proxy: check this command ran against the local stack',
          );
          process.exitCode = 1;
        } else {
          console.log(
            `smoke passed: ${results.length} of ${results.length} outcomes came back; the ledger of ${send.issueId} and its counters are untouched (see \`deliveries '${send.campaignId}'\`)`,
          );
        }
      });
    });
}
