/**
 * `doctor`: after a deploy (`--stack <name>`) or against the local stack, check what sending
 * needs and print each check with ✔/✗ and the fix. Exits 1 when something blocks sending.
 */
import type { Command } from 'commander';
import { awsChecks, blocks, formatChecks, localChecks } from '../../lib/ops/doctor';
import type { WithTarget } from './target';

export function register(program: Command, _withTarget: WithTarget): void {
  program
    .command('doctor')
    .description(
      'check that the stack can send: SES identity, DKIM, MAIL FROM, SPF, DMARC, account, quota, schedule, alarms, public URL (local: emulators, tables, schedule, /health)',
    )
    .action(async () => {
      const stack = program.opts<{ stack?: string }>().stack;
      const now = new Date();
      // Loaded here, not at the top: they load the AWS SDK, which `--help` has no use for.
      const { gatherAwsFacts, gatherLocalFacts } = await import('../../lib/ops/doctor-facts');
      const { stackOutputs } = await import('../../lib/aws-target');
      const { localConfig } = await import('../../lib/local/config');
      let title: string;
      let checks;
      if (stack) {
        const facts = await gatherAwsFacts(stack, await stackOutputs(stack));
        title = `doctor: stack ${stack} in ${facts.region}`;
        checks = awsChecks(facts, now);
      } else {
        title = 'doctor: the local stack (`npm start`)';
        checks = localChecks(await gatherLocalFacts(localConfig()), now);
      }
      console.log(formatChecks(title, checks));
      if (blocks(checks)) process.exitCode = 1;
    });
}
