/**
 * `editors invite|list|remove`: who may sign in to the editor's desk (lambdas/usecases/editors.ts),
 * on the deployed stack's user pool (its EditorsUserPoolId output). The local stack (npm start) has
 * one seeded owner, so without `--stack` those commands say so and do nothing. `editors code` is
 * the other way round, local only: the seeded owner's current sign-in code (lib/local/totp.ts).
 */
import type { Command } from 'commander';
import type { EditorDirectory } from '../../lambdas/core/editors';
import type { InviteResult } from '../../lambdas/usecases/editors';

/** What the commands say without `--stack`. */
export const LOCAL_NOTE =
  "editors are managed on AWS only for now: the local stack (npm start) has one seeded owner (`editors code` prints its sign-in code). Give --stack <name> to act on a deployed stack's user pool.";

/** What `editors code` says with `--stack`. */
export const CODE_LOCAL_ONLY =
  "editors code prints the sign-in code of npm start's seeded owner only: on a deployed stack, each editor's code is in their own authenticator app.";

/** Prints the seeded owner's current code (stdout, alone, for scripts) and how long it lasts (stderr). */
async function printLocalCode(): Promise<void> {
  const { localConfig } = await import('../../lib/local/config');
  const { readOwnerTotpSecret, totpOf, OWNER_TOTP_FILE, TOTP_PERIOD } = await import('../../lib/local/totp');
  const { LOCAL_OWNER } = await import('../../lib/local/oidc-provider');
  const { dataDir } = localConfig();
  const secret = readOwnerTotpSecret(dataDir);
  if (!secret) {
    console.error(
      `no ${OWNER_TOTP_FILE} in ${dataDir}: npm start makes it on its first run (give this command the same BRIEFING_DATA_DIR as npm start)`,
    );
    process.exitCode = 1;
    return;
  }
  const totp = totpOf(LOCAL_OWNER.email, secret);
  console.log(totp.generate());
  const left = Math.ceil(totp.remaining() / 1000);
  // One step either side is accepted: this code until the end of the next step.
  console.error(
    `the code of ${LOCAL_OWNER.email}: accepted once, for ${left + TOTP_PERIOD} s more (an authenticator app shows the next one in ${left} s)`,
  );
}

/** The directory of the stack named by `--stack`, and its sign-in page; undefined (after saying why) when there is none. */
async function directoryOf(stack: string | undefined): Promise<{ directory: EditorDirectory; signInUrl?: string } | undefined> {
  if (!stack) {
    console.error(LOCAL_NOTE);
    process.exitCode = 1;
    return undefined;
  }
  // Loaded here, not at the top: the AWS SDK is of no use to `--help`.
  const { stackOutputs, outputKey } = await import('../../lib/aws-target');
  const { editorDirectory } = await import('../../lambdas/adapters/cognito-editors');
  const out = await stackOutputs(stack);
  const poolId = out.optional.editorsUserPoolId;
  if (!poolId) {
    console.error(
      `stack ${stack} has no ${outputKey('editorsUserPoolId')} output: deploy it again (npx cdk deploy) to create the editors' sign-in`,
    );
    process.exitCode = 1;
    return undefined;
  }
  return { directory: editorDirectory(poolId), signInUrl: out.optional.editorsSignInUrl };
}

export function describeInvite(r: InviteResult, signInUrl?: string): string {
  const where = signInUrl ? `\nthey sign in at ${signInUrl}` : '';
  switch (r.kind) {
    case 'invited':
      return `invited ${r.email} as ${r.role}: Cognito mailed them a temporary password (valid 3 days); at first sign-in they choose a password and set up an authenticator app${where}`;
    case 'resent':
      return `sent the invitation to ${r.email} again (a new temporary password), as ${r.role}${where}`;
    case 'exists':
      return `${r.email} is already an editor, as ${r.role} (${r.status}); nothing changed${r.status === 'FORCE_CHANGE_PASSWORD' ? ' (not signed in yet: --resend sends the invitation again)' : ''}`;
    case 'role-changed':
      return `${r.email} is already an editor (${r.status}): role changed from ${r.from ?? 'none'} to ${r.role}; tokens already issued keep the old role until they expire (at most 30 minutes)`;
  }
}

export function register(program: Command): void {
  const stack = () => program.opts<{ stack?: string }>().stack;
  const editors = program.command('editors').description("who may sign in to the editor's desk (on a deployed stack, --stack <name>)");

  editors
    .command('invite')
    .description('create an account and mail the invitation; an existing editor gets the role given')
    .argument('<email>')
    .requiredOption('--role <role>', 'owner, editor or viewer')
    .option('--resend', 'send the invitation again to someone who has not signed in yet')
    .action(async (email: string, opts: { role: string; resend?: boolean }) => {
      const { editorEmail, inviteEditor } = await import('../../lambdas/usecases/editors');
      const { parseRole } = await import('../../lambdas/core/editors');
      // The role and address are checked before any AWS call, so a typo costs nothing.
      parseRole(opts.role);
      editorEmail(email);
      const target = await directoryOf(stack());
      if (!target) return;
      const r = await inviteEditor({ directory: target.directory }, email, opts.role, { resend: opts.resend });
      console.log(describeInvite(r, target.signInUrl));
    });

  editors
    .command('list')
    .description('every editor: address, role, status')
    .action(async () => {
      const { listEditors } = await import('../../lambdas/usecases/editors');
      const target = await directoryOf(stack());
      if (!target) return;
      const all = await listEditors({ directory: target.directory });
      if (all.length === 0) console.log('no editors yet: invite the first owner with `editors invite <email> --role owner`');
      for (const e of all) {
        console.log(`${e.email}\t${e.role ?? '(no role)'}\t${e.status}${e.enabled ? '' : '\tdisabled'}`);
      }
    });

  editors
    .command('code')
    .description("the current sign-in code of npm start's seeded owner (local only), as an authenticator app shows it")
    .action(async () => {
      if (stack()) {
        console.error(CODE_LOCAL_ONLY);
        process.exitCode = 1;
        return;
      }
      await printLocalCode();
    });

  editors
    .command('remove')
    .description('delete an editor’s account (sessions end when their tokens expire)')
    .argument('<email>')
    .action(async (email: string) => {
      const { removeEditor } = await import('../../lambdas/usecases/editors');
      const target = await directoryOf(stack());
      if (!target) return;
      const r = await removeEditor({ directory: target.directory }, email);
      if (!r.removed) {
        console.error(`${r.email} is not an editor: nothing removed (\`editors list\` shows who is)`);
        process.exitCode = 1;
        return;
      }
      console.log(
        `removed ${r.email}${r.role ? ` (${r.role})` : ''}: the account is deleted; a session already open ends when its tokens expire (at most 30 minutes)`,
      );
    });
}
