/**
 * `doctor`: after a deploy (`--stack <name>`) or against the local stack, check what sending
 * needs and print each check with ✔/✗ and the fix. Exits 1 when something blocks sending.
 */
import type { Command } from 'commander';
import type { WithTarget } from './target';

export function register(program: Command, _withTarget: WithTarget): void {
  program
    .command('doctor')
    .description('check that the stack can send: SES identity, DKIM, MAIL FROM, SPF, DMARC, account, quota, schedule, alarms, public URL (local: emulators, tables, schedule, /health)')
    .action(async () => {
      const { awsChecks, localChecks, blocks, formatChecks } = await import('../../lib/ops/doctor');
      const stack = program.opts<{ stack?: string }>().stack;
      const now = new Date();
      let title: string;
      let checks;
      if (stack) {
        const { stackOutputs } = await import('../../lib/aws-target');
        const { gatherAwsFacts } = await import('../../lib/ops/doctor-facts');
        const facts = await gatherAwsFacts(stack, await stackOutputs(stack));
        title = `doctor: stack ${stack} in ${facts.region}`;
        checks = awsChecks(facts, now);
      } else {
        const { localConfig } = await import('../../lib/local/config');
        const { gatherLocalFacts } = await import('../../lib/ops/doctor-facts');
        title = 'doctor: the local stack (`npm start`)';
        checks = localChecks(await gatherLocalFacts(localConfig()), now);
      }
      console.log(formatChecks(title, checks));
      if (blocks(checks)) process.exitCode = 1;
    });
}
