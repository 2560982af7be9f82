/**
 * `resume`: end the account-wide sending pause (core/sending-brake.ts) once its cause is fixed.
 * A reputation brake ends only with `--override-reputation`: the brake then counts only what is
 * sent after it, so it trips again only on a fresh sample that is bad too.
 */
import type { Command } from 'commander';
import { describePause } from '../../lambdas/core/sending-state';
import { resumeSending } from '../../lambdas/core/reputation';
import type { WithTarget } from './target';

export function register(program: Command, withTarget: WithTarget): void {
  program
    .command('resume')
    .description('end the sending pause (account refusal, quota, reputation brake) and carry on; every reader still gets one copy')
    .option('--override-reputation', 'also end a reputation brake (the bounce and complaint rates are counted afresh from now)')
    .action(async (opts: { overrideReputation?: boolean }) => {
      await withTarget(async (t) => {
        const r = await resumeSending(t.sending, t.clock.now(), { overrideReputation: opts.overrideReputation });
        console.log(r.before ? describePause(r.before) : 'sending was not paused');
        if (r.refused) {
          console.error(r.refused);
          process.exitCode = 1;
          return;
        }
        if (r.before) console.log('sending resumed');
        if (r.overridden) console.log('reputation counted afresh from now');
        if (t.waitForSends && t.redrive) {
          // The local queue lives in `npm start`'s process (its paused jobs come back after their
          // delay); here the unfinished latest issue is planned again, and the ledger skips anyone served.
          console.log(await t.redrive());
        } else if (r.before) {
          console.log('paused jobs come back from the send queue at their next delay (at most 15 minutes)');
        }
      });
    });
}
