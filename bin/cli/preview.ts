/**
 * `send-test` and `preview`: an issue's real message (the sender's own preparation,
 * lambdas/usecases/test-send.ts) sent to a few given addresses with the subject marked
 * `[Test]`, or written to files as a reader gets it. Neither touches the ledger, the campaign
 * counters, the sending state or any reader; neither is an HTTP route.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { messageFacts } from '../../lambdas/usecases/preview-checks';
import {
  MAX_TEST_RECIPIENTS,
  parseTestRecipients,
  previewMessage,
  sendTest,
  TEST_SUBJECT_PREFIX,
  type TestSubject,
} from '../../lambdas/usecases/test-send';
import { findArticle, findIssue } from '../../lambdas/usecases/find-content';
import type { Target, WithTarget } from './target';

/** Refuses an unknown `--issue` or `--article` with the nearest stored id, before anything is set up. */
async function mustExist(t: Target, what: TestSubject): Promise<void> {
  if (what.articleId !== undefined) await findArticle(t, what.articleId);
  else if (what.issueId !== undefined) await findIssue(t, what.issueId);
}

function subjectOf(opts: { issue?: string; article?: string }): TestSubject {
  if (opts.issue !== undefined && opts.article !== undefined) throw new Error('give --issue or --article, not both');
  return opts.article !== undefined ? { articleId: opts.article } : { issueId: opts.issue };
}

/** A folder name from an id: ids are slugs, but a path separator or `..` must not leave out/preview. */
const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');

export function register(program: Command, withTarget: WithTarget): void {
  // Loaded when a command runs, not at the top: they load the AWS SDK, which `--help` has no use for.
  const setupFor = async (command: string) => {
    const { deployedSenderSetup, localSenderSetup } = await import('./sender-setup');
    const stack = program.opts<{ stack?: string }>().stack;
    return stack ? deployedSenderSetup(stack, command) : localSenderSetup();
  };

  program
    .command('send-test')
    .description(
      `send the real message of an issue (default: the latest) to a few addresses, subject marked "${TEST_SUBJECT_PREFIX.trim()}"; ` +
        'the ledger, the counters, the sending state and the readers are not touched, and its unsubscribe and preferences links act on nobody. ' +
        'On a deployed stack it goes through SES with the stack’s configuration set: while the SES account is in the sandbox, every recipient must be a verified address',
    )
    .requiredOption('--to <addresses>', `comma-separated addresses, at most ${MAX_TEST_RECIPIENTS}`)
    .option('--issue <id>', 'issue id (default: the latest issue)')
    .option('--article <id>', "a breaking article: send its alert's message instead of an issue")
    .action(async (opts: { to: string; issue?: string; article?: string }) => {
      const what = subjectOf(opts);
      // Checked before the stack is reached: a bad list sends nothing and costs nothing.
      const to = parseTestRecipients(opts.to);
      await withTarget(async (t) => {
        await mustExist(t, what);
        const setup = await setupFor('send-test');
        for (const note of setup.notes) console.log(`note: ${note}`);
        const { sesClient, sesPorts } = await import('../../lambdas/wiring');
        const mailer = sesPorts(sesClient(), setup.settings.configurationSet).mailer;
        const r = await sendTest(
          { content: t.content, settings: setup.settings, keys: setup.keys, mailer, clock: t.clock },
          { ...what, to },
        );
        console.log(`send-test: ${r.kind} ${r.id} ("${r.title}"), subject "${r.subject}"`);
        for (const s of r.sent) console.log(`  sent to ${s.email} (message ${s.messageId})`);
        for (const f of r.failed) console.error(`  NOT sent to ${f.email}: ${f.error}`);
        if (r.failed.length) {
          console.error(`${r.failed.length} of ${to.length} not sent (in the SES sandbox, recipients must be verified addresses)`);
          process.exitCode = 1;
        } else {
          console.log(`${r.sent.length} test message(s) sent; the ledger and counters of ${r.id} are untouched`);
        }
      });
    });

  program
    .command('preview')
    .description(
      'write the HTML, the text part and the raw message (.eml) of an issue (default: the latest) as a reader gets it; writes to no table and sends nothing',
    )
    .option('--issue <id>', 'issue id (default: the latest issue)')
    .option('--article <id>', "a breaking article: its alert's message instead of an issue")
    .option('--out <dir>', 'where to write (default: out/preview/<issue>/)')
    .option(
      '--email <address>',
      'render it as this subscriber gets it (their links, dates and personal sections; the links work: keep the files private); default: a sample reader',
    )
    .action(async (opts: { issue?: string; article?: string; out?: string; email?: string }) => {
      const what = subjectOf(opts);
      await withTarget(async (t) => {
        await mustExist(t, what);
        const setup = await setupFor('preview');
        for (const note of setup.notes) console.log(`note: ${note}`);
        const p = await previewMessage(
          {
            content: t.content,
            subscribers: t.subscribers,
            history: t.history,
            settings: setup.settings,
            keys: setup.keys,
            clock: t.clock,
          },
          { ...what, email: opts.email },
        );
        const dir = resolve(opts.out ?? join('out', 'preview', safeName(p.id)));
        mkdirSync(dir, { recursive: true });
        const files = { html: join(dir, 'message.html'), text: join(dir, 'message.txt'), eml: join(dir, 'message.eml') };
        writeFileSync(files.html, p.message.html, 'utf8');
        writeFileSync(files.text, p.message.text, 'utf8');
        writeFileSync(files.eml, p.message.raw);
        const facts = messageFacts(p.message);
        console.log(`preview: ${p.kind} ${p.id} ("${p.title}") for ${p.reader}`);
        console.log(`subject: ${p.message.subject}`);
        console.log(facts.sizeLine);
        for (const c of facts.checks) if (!c.ok) console.log(`note: ${c.text}`);
        if (p.notInAudience) console.log(`note: ${p.notInAudience}: the real send would not go to this reader`);
        for (const f of Object.values(files)) console.log(`  ${f}`);
      });
    });
}
