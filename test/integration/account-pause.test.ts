/**
 * Account trouble pauses, it never fails readers; the reputation brake stops every send.
 * Through the real SDK clients, DynamoDB Local and the SES emulator behind the recording proxy:
 * the proxy answers SendRawEmail as a sandbox account, an unverified identity, a paused account
 * or a missing configuration set would (`sesError`), or reports a used-up daily quota
 * (GetSendQuota); SES events with hard bounces are fed in mid-send. Each test then fixes the
 * cause, resumes as `npm run cli -- resume` does, and counts from the emulator's store who got
 * no copy and who got two. Rows go to out/pause-table.md for docs/send-engine.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { sesError, type RecordedCall } from '../../lib/local/ses-recorder';
import type { DynamoSendingState } from '../../lambdas/adapters/dynamodb/sending-state';
import { documentClient, dynamoPorts, sesPorts, systemClock } from '../../lambdas/wiring';
import { DailyAllowance } from '../../lambdas/core/pacing';
import { BRAKE_DEFAULTS, bucketStartOf, type BrakeSettings, type SendingPause } from '../../lambdas/core/sending-state';
import { recordReputation, reputationSignals, resumeSending } from '../../lambdas/core/reputation';
import { SendingBrake } from '../../lambdas/core/sending-brake';
import { applySesEvents } from '../../lambdas/usecases/ses-events';
import type { SenderHandlerDeps } from '../../lambdas/sender/handler';
import { startPipeline, uniqueDomain } from '../support/pipeline';
import { countCopies, ISSUE, seed } from '../support/copies';

interface Row {
  fault: string;
  readers: number;
  attemptsBeforePause: number;
  note: string;
  failed: number;
  lost: number;
  duplicated: number;
}
const rows: Row[] = [];
afterAll(() => {
  if (rows.length === 0) return;
  mkdirSync('out', { recursive: true });
  const lines = [
    '| fault | readers | SES attempts before the pause | marked failed | lost | duplicated | note |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows)
    lines.push(`| ${r.fault} | ${r.readers} | ${r.attemptsBeforePause} | ${r.failed} | ${r.lost} | ${r.duplicated} | ${r.note} |`);
  writeFileSync('out/pause-table.md', `${lines.join('\n')}\n`);
});

/** Short steps so probes happen within the test; the rules are the production ones. */
const SETTINGS: BrakeSettings = { ...BRAKE_DEFAULTS, cacheMs: 50, backoffBaseMs: 150, backoffMaxMs: 600, minSample: 20 };

/** Poll `read` until `ok` holds (a positive signal, with a deadline), and return what it read. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The pipeline with the breaker wired as the sender's depsFromEnv wires it (its state in this
 * test's Deliveries table), and SendRawEmail calls counted: `refuse` answers them while set.
 */
async function pipelineWithBrake(
  options: {
    refuse?: () => ReturnType<typeof sesError> | undefined;
    quota?: { maxSendRate: number; max24HourSend: number };
    sender?: (d: SenderHandlerDeps) => SenderHandlerDeps;
  } = {},
) {
  const ses = { attempts: 0, refused: 0, attemptsAtPause: -1 };
  let state!: DynamoSendingState;
  const p = await startPipeline({
    queue: { retryDelayMs: 50, maxReceiveCount: 5 },
    recorder: {
      quota: options.quota,
      intercept: (_n: number, call: RecordedCall) => {
        if (call.action !== 'SendRawEmail') return undefined;
        ses.attempts++;
        const answer = options.refuse?.();
        if (answer) ses.refused++;
        return answer;
      },
    },
    sender: (d, made) => {
      state = dynamoPorts(documentClient(), made.tables.names).sendingState;
      // Snapshot SES's attempts the moment the pause is first written.
      const open = state.open.bind(state);
      state.open = async (pause: SendingPause) => {
        const opened = await open(pause);
        if (opened && ses.attemptsAtPause < 0) ses.attemptsAtPause = ses.attempts;
        return opened;
      };
      const readQuota = options.quota ? sesPorts(made.ses).readQuota : undefined;
      const deps: SenderHandlerDeps = {
        ...d,
        leaseMs: 2_000,
        maxLeaseWaitMs: 2_500,
        brake: new SendingBrake(state, () => systemClock.now(), SETTINGS, readQuota),
        recordSends: (sent, at) => state.addCounts(bucketStartOf(at.getTime(), SETTINGS.bucketMs), { sends: sent }),
        // The production allowance (a read a minute, counted down between reads); once empty it looks again every 50 ms here.
        ...(readQuota ? { allowance: new DailyAllowance(readQuota, Date.now, 60_000, 50) } : {}),
      };
      return options.sender ? options.sender(deps) : deps;
    },
  });
  return { p, ses, state: () => state };
}

async function outcome(p: Awaited<ReturnType<typeof startPipeline>>, emails: string[]) {
  const copies = await countCopies(emails);
  const ledger = await p.ledger.list(ISSUE);
  return { copies, failed: ledger.filter((d) => d.status === 'failed').length, sent: ledger.filter((d) => d.status === 'sent').length };
}

const N = 60;

describe('account-level refusals pause sending; nobody is marked failed; resume sends each reader one copy', () => {
  const cases: [string, ReturnType<typeof sesError>, RegExp][] = [
    [
      'sandbox (recipient not verified)',
      sesError(
        400,
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: r0@example.com',
      ),
      /not verified/,
    ],
    [
      'identity not verified (From)',
      sesError(
        400,
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: brief@news.example.com',
      ),
      /brief@news/,
    ],
    [
      'MAIL FROM domain not verified',
      sesError(400, 'MailFromDomainNotVerifiedException', 'Could not read the MX record of the MAIL FROM domain.'),
      /MailFromDomainNotVerified/,
    ],
    [
      'account sending paused',
      sesError(400, 'AccountSendingPausedException', 'Sending is paused for this account.'),
      /AccountSendingPaused/,
    ],
    [
      'configuration set sending paused',
      sesError(400, 'ConfigurationSetSendingPausedException', 'Sending is paused for this configuration set.'),
      /ConfigurationSetSendingPaused/,
    ],
    [
      'configuration set missing',
      sesError(400, 'ConfigurationSetDoesNotExist', 'Configuration set &lt;briefing-test&gt; does not exist.'),
      /ConfigurationSetDoesNotExist/,
    ],
    ['access denied (403)', sesError(403, 'AccessDenied', 'User is not authorized to perform ses:SendRawEmail'), /AccessDenied/],
  ];

  it.each(cases)(
    '%s: a few attempts, then paused with the reason; failed probes back off; resume: one copy each',
    async (label, answer, reason) => {
      let broken = true;
      const { p, ses, state } = await pipelineWithBrake({ refuse: () => (broken ? answer : undefined) });
      try {
        const emails = await seed(p, uniqueDomain(), N);
        await p.planner({ issueId: ISSUE });
        // Positive signals: the pause is stored, two probes have failed since (each backoff step
        // took one SES call), and status shows the campaign paused with the reason.
        const paused = await until(
          () => state().get(),
          (s) => (s.pause?.step ?? 0) >= 2,
          'two failed probes',
        );
        expect(paused.pause).toMatchObject({ kind: 'account' });
        expect(paused.pause!.reason).toMatch(reason);
        const progress = await until(
          () => p.counters.get(ISSUE),
          (x) => x?.state === 'paused',
          'the campaign shown paused',
        );
        expect(progress!.reason).toMatch(reason);
        expect(progress!.failed).toBe(0);
        const attemptsBeforePause = ses.attemptsAtPause;
        // The breaker stopped the send after a few answers, not after trying every reader.
        expect(attemptsBeforePause).toBeGreaterThanOrEqual(SETTINGS.tripAfter);
        // At most the sends already past their pause check when it tripped: the send slots (8) of
        // each of the queue's two concurrent invocations. A busy machine lets more of them through
        // before the pause is stored; never everyone.
        expect(attemptsBeforePause).toBeLessThanOrEqual(SETTINGS.tripAfter + 2 * 8);
        expect(ses.attempts).toBeLessThan(N / 2);
        expect((await p.ledger.list(ISSUE)).filter((d) => d.status === 'failed')).toHaveLength(0);

        // The cause is fixed; the operator resumes (the CLI's `resume` runs resumeSending).
        broken = false;
        const r = await resumeSending(state(), new Date());
        expect(r.before).toMatchObject({ kind: 'account' });
        await p.queue.drain(60_000);
        const o = await outcome(p, emails);
        expect(o).toMatchObject({ failed: 0, sent: N, copies: { zero: 0, two: 0, one: N } });
        expect(p.deadLetters).toHaveLength(0);
        expect(await p.counters.get(ISSUE)).toMatchObject({ state: 'done', sent: N, failed: 0 });
        rows.push({
          fault: label,
          readers: N,
          attemptsBeforePause,
          failed: o.failed,
          lost: o.copies.zero,
          duplicated: o.copies.two,
          note: `${ses.attempts - attemptsBeforePause - N} more refused while paused (sends already in flight, one probe a backoff step); ${ses.refused} refused in all`,
        });
      } finally {
        await p.stop();
      }
    },
  );

  it('without resume, the probe after a backoff step finds the cause fixed and sending goes on by itself', async () => {
    let broken = true;
    const { p, ses, state } = await pipelineWithBrake({
      refuse: () => (broken ? sesError(400, 'AccountSendingPausedException', 'Sending is paused for this account.') : undefined),
    });
    try {
      const emails = await seed(p, uniqueDomain(), N);
      await p.planner({ issueId: ISSUE });
      await until(
        () => state().get(),
        (s) => (s.pause?.step ?? 0) >= 1,
        'a failed probe',
      );
      broken = false;
      await p.queue.drain(60_000);
      expect(await state().get()).toEqual({});
      expect(await outcome(p, emails)).toMatchObject({ failed: 0, sent: N, copies: { zero: 0, two: 0 } });
      expect(ses.attempts - ses.refused).toBe(N);
    } finally {
      await p.stop();
    }
  });
});

describe('a used-up daily quota pauses until the window has room', () => {
  it('stops before SES refuses, says when room is estimated to return, and resumes: one copy each', async () => {
    const quota = { maxSendRate: 1000, max24HourSend: 40 };
    const { p, ses, state } = await pipelineWithBrake({ quota });
    try {
      const emails = await seed(p, uniqueDomain(), N);
      await p.planner({ issueId: ISSUE });
      // The first quota pause may come while a send is still on its way: GetSendQuota does not
      // count it yet, shows room, and the pause looks again after one backoff step. Wait for
      // the estimate made once SES counts all 40.
      const paused = await until(
        () => state().get(),
        (s) => s.pause?.kind === 'quota' && /\(40 of 40 sent in 24 h/.test(s.pause.reason),
        'the quota pause with all 40 counted',
      );
      const retryAt = Date.parse(paused.pause!.retryAt!);
      // Its own 40 sends are in the current hour's bucket: they leave the 24-hour window at that hour's end + 24 h.
      const hour = bucketStartOf(Date.now(), 3_600_000);
      expect([hour + 25 * 3_600_000, Date.parse(paused.pause!.openedAt) + 3_600_000]).toContain(retryAt);
      await until(
        () => p.counters.get(ISSUE),
        (x) => x?.state === 'paused' && x.sent === 40,
        'the campaign paused at 40 sent',
      );
      const attemptsBeforePause = ses.attempts;
      expect(attemptsBeforePause).toBe(40);
      // The quota is raised (a new day, or a higher limit); the operator resumes rather than wait a day.
      quota.max24HourSend = 1000;
      await resumeSending(state(), new Date());
      await p.queue.drain(60_000);
      const o = await outcome(p, emails);
      expect(o).toMatchObject({ failed: 0, sent: N, copies: { zero: 0, two: 0, one: N } });
      expect(p.deadLetters).toHaveLength(0);
      rows.push({
        fault: 'daily quota used up (40 of 60)',
        readers: N,
        attemptsBeforePause,
        failed: o.failed,
        lost: o.copies.zero,
        duplicated: o.copies.two,
        note: `stopped before SES refused (GetSendQuota); room estimated at ${new Date(retryAt).toISOString()}; SES refused 0`,
      });
    } finally {
      await p.stop();
    }
  });
});

describe('the reputation brake', () => {
  it('bounces fed in mid-send stop every send within one batch; nothing is lost; resume with override: one copy each', async () => {
    const R = 200;
    const sendsAt = { brake: -1 };
    let sent = 0;
    const { p, ses, state } = await pipelineWithBrake({
      sender: (d) => ({
        ...d,
        concurrency: 2,
        // About 150 sends a second, so a batch of 50 takes a third of a second.
        mailer: {
          sendRaw: async (input) => (await new Promise((w) => setTimeout(w, 12)), d.mailer.sendRaw(input).then((x) => (sent++, x))),
        },
      }),
    });
    try {
      const emails = await seed(p, uniqueDomain(), R);
      const db = dynamoPorts(documentClient(), p.tables.names);
      const ses_events = {
        subscribers: db.subscriptions,
        deliveries: db.deliveryEvents,
        clock: systemClock,
        reputation: async (events: Parameters<typeof reputationSignals>[0], campaignOf: (id: string) => string | undefined) => {
          const pause = await recordReputation(
            { store: state(), now: () => new Date(), settings: SETTINGS },
            reputationSignals(events, campaignOf),
          );
          if (pause) sendsAt.brake = sent;
        },
      };
      await p.planner({ issueId: ISSUE });
      // Mid-send: once the first job's 50 are sent and counted, 5 of them bounce for good (10 %).
      await until(
        () => state().buckets(Date.now() - 3_600_000, Date.now()),
        (b) => b.reduce((n, x) => n + x.sends, 0) >= 50,
        'the first 50 sends counted',
      );
      const sentRows = (await p.ledger.list(ISSUE)).filter((d) => d.status === 'sent').slice(0, 5);
      const bySubscriber = new Map(
        [...(await Promise.all(emails.map((e) => p.subscribers.getByEmail(e))))].map((s) => [s!.subscriberId, s!.email]),
      );
      const events = sentRows.map((d) => ({
        eventType: 'Bounce',
        mail: { messageId: d.sesMessageId!, timestamp: new Date().toISOString() },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [{ emailAddress: bySubscriber.get(d.subscriberId)! }],
        },
      }));
      const atFeed = sent;
      await applySesEvents(ses_events, events);
      const braked = await state().get();
      expect(braked.pause).toMatchObject({ kind: 'reputation' });
      expect(braked.pause!.reason).toMatch(/bounce rate/);
      // Stopped within one batch: the sends after the brake are at most one job's 50 (those already admitted).
      await until(
        () => Promise.resolve(p.queue.stats()),
        (s) => s.running === 0,
        'the senders idle (jobs waiting, delayed)',
      );
      const afterBrake = sent - sendsAt.brake;
      expect(afterBrake).toBeLessThanOrEqual(50);
      expect(sent).toBeLessThan(R);
      // Status shows the pause once a job comes back paused (a send that ended later in the same invocation may hide it until then).
      const status = await until(
        () => p.counters.get(ISSUE),
        (x) => x?.state === 'paused',
        'the campaign shown paused',
      );
      expect(status).toMatchObject({ state: 'paused', failed: 0 });
      expect(status!.reason).toMatch(/reputation brake/);
      // A plain resume is refused; with the override it carries on.
      expect((await resumeSending(state(), new Date())).refused).toMatch(/override-reputation/);
      expect((await resumeSending(state(), new Date(), { overrideReputation: true })).overridden).toBe(true);
      await p.queue.drain(60_000);
      const o = await outcome(p, emails);
      expect(o).toMatchObject({ failed: 0, sent: R, copies: { zero: 0, two: 0, one: R } });
      expect(p.deadLetters).toHaveLength(0);
      rows.push({
        fault: 'reputation brake (5 hard bounces fed after 50+ sends: 10 %)',
        readers: R,
        attemptsBeforePause: sendsAt.brake,
        failed: o.failed,
        lost: o.copies.zero,
        duplicated: o.copies.two,
        note: `${atFeed} sent when the events were fed, ${sendsAt.brake} when the brake was written, ${afterBrake} after it (the rest of the batches in flight); ${ses.attempts} SES calls in all`,
      });
    } finally {
      await p.stop();
    }
  });
});
