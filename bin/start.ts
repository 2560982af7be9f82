/**
 * `npm start`: the whole product on this machine. Starts DynamoDB Local (data under .briefing/)
 * and the SES emulator unless their endpoints are given, creates the tables, publishes the
 * sample issue if it is absent, serves the HTTP API, runs the digest schedule, prints the URLs,
 * and stops everything it started on Ctrl-C.
 */
import { Cron } from 'croner';
import { join } from 'node:path';
import { startRuntime } from '../lib/local/runtime';
import { LOCAL_OWNER } from '../lib/local/oidc-provider';
import { ownerTotpSecret, totpOf } from '../lib/local/totp';
import { localConfig } from '../lib/local/config';
import { SAMPLE_ISSUE_ID, sampleIssueFiles, sampleSettingsFile } from '../lib/local/sample-content';
import { describeProgress, needsResume } from '../lambdas/core/campaign-status';
import { publish } from '../lambdas/usecases/publish';
import { LOCAL_TIME_PLANNER_CRON } from '../lambdas/core/local-time';
import { documentClient, dynamoPorts, systemClock } from '../lambdas/wiring';

async function main() {
  const config = localConfig();
  const rt = await startRuntime({
    startEmulators: true,
    http: true,
    console: true,
    streams: true,
    config,
    outboxDir: join(config.dataDir, 'outbox'),
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    job.stop();
    sendAtJob.stop();
    await rt.stop();
    console.log('stopped.');
    process.exit(0);
  };

  const { content, settings } = dynamoPorts(documentClient(), rt.config.tables);
  // The pages' topics and text first (also for a data folder made before they were settings).
  if (!(await settings.getSettings())) {
    await publish({ content, settings, clock: systemClock }, [sampleSettingsFile()], { by: 'sample content' });
    console.log('published the sample topics and page text');
  }
  if (!(await content.getIssue(SAMPLE_ISSUE_ID))) {
    const r = await publish({ content, clock: systemClock }, sampleIssueFiles(), { by: 'sample content' });
    console.log(`published the sample issue: ${r.issues.join(', ')} (${r.articles.length} articles)`);
  }

  // The local queue lives in memory: a send that was under way when this process was killed
  // lost its queued jobs. Plan it again; the ledger turns everyone already served into a skip.
  const latest = await content.latestIssue();
  if (latest && needsResume(await rt.counters.get(latest.id))) {
    const resumed = await rt.planDigest({ issueId: latest.id, resume: true });
    console.log(`resuming the unfinished send of ${latest.id}: ${JSON.stringify(resumed)}`);
    // Once the resumed jobs are through, bring the counters up to the ledger: the killed batch's
    // sends were never counted, and the resumed jobs see them as already served.
    void rt.queue
      .drain(60 * 60_000)
      .then(() => rt.counters.reconcile?.(latest.id, new Date()))
      .then((p) => p && console.log(`resumed send of ${latest.id}: ${describeProgress(p)}`))
      .catch((e: unknown) => console.error(`resumed send of ${latest.id}: ${(e as Error).message}`));
  }

  // The same planner handler the EventBridge schedule invokes on AWS; in local-time mode it
  // runs every 15 minutes, as there, and each run queues the zones whose hour has come.
  const localTime = rt.config.digestDelivery === 'local-time';
  const [pattern, zone] = localTime ? [LOCAL_TIME_PLANNER_CRON, 'UTC'] : [rt.config.schedule, rt.config.timeZone];
  const job = new Cron(pattern, { timezone: zone, protect: true }, async () => {
    const result = await rt.planScheduled();
    console.log(`[schedule] ${new Date().toISOString()} ${JSON.stringify(result)}`);
  });

  // Issues with a `sendAt`: what their one-time schedules do on AWS (lib/local/issue-schedules.ts).
  const sendAtJob = new Cron('* * * * *', { protect: true }, async () => {
    try {
      for (const result of await rt.runScheduledIssues(new Date()))
        console.log(`[sendAt] ${new Date().toISOString()} ${JSON.stringify(result)}`);
    } catch (e) {
      // The next minute's check tries again: an issue stays due until it is planned.
      console.error(`[sendAt] ${new Date().toISOString()} check failed: ${(e as Error).message}`);
    }
  });

  // The seeded owner's second factor: the secret the provider keeps in the data folder.
  const ownerTotp = totpOf(LOCAL_OWNER.email, ownerTotpSecret(rt.config.dataDir));

  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  console.log(`
Briefing is running.
  HTTP API        ${rt.httpUrl}        (health: ${rt.httpUrl}/health)
  Console         ${rt.consoleUrl}   (sign in as ${LOCAL_OWNER.email} / ${LOCAL_OWNER.password}; provider ${rt.consoleIssuer})
  Its 6-digit code after the password: npm run cli -- editors code
                  or an authenticator app set up with ${ownerTotp.toString()}
  SES inbox       ${rt.sesInbox}        (messages as JSON: ${rt.sesInbox}/store)
  Raw messages    ${rt.config.dataDir}/outbox/*.eml
  DynamoDB        ${rt.dynamoEndpoint}
  Data            ${rt.config.dataDir}
  Digest schedule ${localTime ? `local time: ${rt.config.digestLocalTime} on each reader's clock, planner "${pattern}"` : `"${rt.config.schedule}" ${rt.config.timeZone}`}, next run ${job.nextRun()?.toISOString() ?? 'never'}
  Scheduled issues checked every minute (an issue's sendAt)

Send the digest now:  npm run cli -- send-digest
Stop:                 Ctrl-C
`);
}

main().catch((e: Error) => {
  console.error(`npm start failed: ${e.message}`);
  process.exit(1);
});
