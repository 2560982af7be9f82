/**
 * Command-line tool: `npm run cli -- <command>`. It talks to the local stack that `npm start`
 * runs (or to whatever AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SES point at), or with
 * `--stack <name>` to a deployed stack, and runs the same use-cases as the deployed functions.
 * Each group of commands lives in bin/cli/<group>.ts.
 */
import { Command } from 'commander';
import type { WithTarget } from './cli/target';
import * as doctor from './cli/doctor';
import * as smoke from './cli/smoke';
import * as content from './cli/content';
import * as sending from './cli/sending';
import * as subscribers from './cli/subscribers';
import * as status from './cli/status';
import * as privacy from './cli/privacy';
import * as sesEvents from './cli/ses-events';
import * as resume from './cli/resume';
import * as stats from './cli/stats';
import * as preview from './cli/preview';
import * as find from './cli/find';
import * as editors from './cli/editors';

const program = new Command('briefing')
  .description('Briefing newsletter and alert pipeline')
  .option('--stack <name>', 'act on a deployed stack (tables and queue from its outputs) instead of the local one');

// The target (the AWS SDK, the local runtime) is loaded only when a command runs: `--help` and
// a mistyped command answer at once.
const target: WithTarget = async (fn) => (await import('./cli/target')).withTarget(program.opts<{ stack?: string }>().stack, fn);
for (const group of [content, sending, subscribers, privacy, sesEvents, status, resume, stats]) group.register(program, target);

// Finding issues, articles and readers (after `subscribers`, whose group it joins).
find.register(program, target);

// Looking at an issue before it goes: a test send to a few addresses, and the message as files.
preview.register(program, target);

// Who may sign in to the editor's desk (a deployed stack's user pool; no target needed).
editors.register(program);

// Checks after a deploy: is the stack ready to send, and do SES's events come back.
for (const group of [doctor, smoke]) group.register(program, target);

program.parseAsync().catch((e: Error) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
