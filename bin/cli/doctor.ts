/**
 * `doctor`: after a deploy (`--stack <name>`) or against the local stack, check what sending
 * needs and print each check with ✔/✗ and the fix. Exits 1 when something blocks sending. The
 * verdict is also kept in the Deliveries table for the console's Home (core/doctor-verdict.ts);
 * a verdict that cannot be kept is said, and changes nothing else.
 */
import type { Command } from 'commander';
import { awsChecks, blocks, formatChecks, localChecks, type Check } from '../../lib/ops/doctor';
import { cliEditor } from './content';
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
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
      const { DynamoDoctorVerdicts } = await import('../../lambdas/adapters/dynamodb/doctor-verdicts');
      let target: string;
      let checks: Check[];
      let keep: (() => { client: InstanceType<typeof DynamoDBClient>; table: string }) | undefined;
      if (stack) {
        const outputs = await stackOutputs(stack);
        const facts = await gatherAwsFacts(stack, outputs);
        target = `stack ${stack} in ${facts.region}`;
        checks = awsChecks(facts, now);
        keep = () => ({ client: new DynamoDBClient({}), table: outputs.deliveriesTable });
      } else {
        const config = localConfig();
        const facts = await gatherLocalFacts(config);
        target = 'the local stack';
        checks = localChecks(facts, now);
        // Only into a table that is there: the local doctor creates nothing.
        if ('value' in facts.tables && facts.tables.value.present.includes(config.tables.deliveries)) {
          const { LOCAL_AWS } = await import('../../lib/local/dynamodb');
          keep = () => ({ client: new DynamoDBClient({ ...LOCAL_AWS, endpoint: facts.dynamoEndpoint }), table: config.tables.deliveries });
        }
      }
      const title = stack ? `doctor: ${target}` : 'doctor: the local stack (`npm start`)';
      console.log(formatChecks(title, checks));
      if (blocks(checks)) process.exitCode = 1;
      if (!keep) return;
      const { client, table } = keep();
      try {
        await new DynamoDoctorVerdicts(DynamoDBDocumentClient.from(client), table).record({
          at: now.toISOString(),
          by: cliEditor(undefined),
          target,
          checks,
        });
        console.error('(kept for the console’s Home)');
      } catch (e) {
        console.error(`(not kept for the console’s Home: ${(e as Error).message})`);
      } finally {
        client.destroy();
      }
    });
}
