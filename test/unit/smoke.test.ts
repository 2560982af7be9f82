/**
 * The smoke test's use-case with in-memory ports: it mails the issue, as the sender prepares
 * it, to the four simulator addresses only, under a campaign of its own; keeps those addresses
 * out of every audience; and waits for each expected outcome, failing the ones that do not come
 * back in time. Also: the events the local simulator makes are the ones SES publishes, in a
 * form the ses-events parser reads.
 */
import { simpleParser } from 'mailparser';
import { inAlertAudience, inDigestAudience } from '../../lambdas/core/audience';
import type { Clock } from '../../lambdas/core/ports';
import { publish } from '../../lambdas/usecases/publish';
import { parseSesEvents } from '../../lambdas/usecases/ses-events';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { isSimulatorAddress, simulatorOutcome } from '../../lambdas/core/simulator';
import { simulatorEvents } from '../../lib/local/ses-simulator';
import { awaitSmoke, sendSmoke, SIMULATOR, smokeOutcome, type SmokeDeps, type SmokeSend } from '../../lib/ops/smoke';
import { fixedClock, MemoryContent, MemoryLedger, MemorySubscribers, RecordingMailer } from './fakes';
import { senderSettings, signingKeys } from './fixtures';

const settings = { ...senderSettings, configurationSet: 'briefing-set' };
const keys = signingKeys;
const NOW = '2026-11-30T09:00:00.000Z';

async function setUp(mailer = new RecordingMailer()) {
  const content = new MemoryContent();
  await publish({ content, clock: fixedClock() }, sampleIssueFiles());
  let n = 0;
  const deps: SmokeDeps = {
    content,
    subscribers: new MemorySubscribers(),
    ledger: new MemoryLedger(),
    mailer,
    clock: fixedClock(NOW),
    settings,
    keys,
    newId: () => `smoke-id-${++n}`,
  };
  return { deps, subscribers: deps.subscribers as MemorySubscribers, ledger: deps.ledger as MemoryLedger, mailer };
}

describe('sendSmoke', () => {
  it('mails the latest issue to the four simulator addresses and nobody else, as campaign smoke#<issue>#<time>', async () => {
    const { deps, ledger, mailer, subscribers } = await setUp();
    await subscribers.upsert({
      subscriberId: 'r1',
      email: 'reader@example.org',
      status: 'confirmed',
      digest: true,
      alerts: true,
      topics: [],
      timezone: 'UTC',
      source: 'cli',
      createdAt: NOW,
    });
    const send = await sendSmoke(deps);
    expect(send.campaignId).toBe(`smoke#${SAMPLE_ISSUE_ID}#${NOW}`);
    expect(mailer.sent.map((m) => m.to)).toEqual(Object.values(SIMULATOR));
    expect(send.messages.map((m) => m.messageId)).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect((await ledger.list(send.campaignId)).map((d) => d.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(await ledger.list(SAMPLE_ISSUE_ID)).toEqual([]);
  });

  it("sends the sender's own message: the issue's subject, one-click unsubscribe, the configuration set", async () => {
    const { deps, mailer } = await setUp();
    await sendSmoke(deps);
    const mail = await simpleParser(mailer.sent[0].raw);
    const issue = (await deps.content.latestIssue())!;
    expect(mail.subject).toContain(issue.title);
    const raw = mailer.sent[0].raw.toString('utf8');
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(raw).toMatch(/^X-SES-CONFIGURATION-SET: briefing-set\r?$/im);
    expect(mail.text).toContain('https://brief.example.org/unsubscribe?token=v1.');
  });

  it('keeps each simulator address as a smoke subscriber in no audience, unsuppressed at the start of a run, with the same id as before', async () => {
    const { deps, subscribers } = await setUp();
    await sendSmoke(deps);
    const before = await subscribers.getByEmail(SIMULATOR.bounce);
    await subscribers.upsert({ ...before!, suppressed: true, suppressedReason: 'bounce' }); // what the last run's bounce left
    await sendSmoke(deps);
    for (const email of Object.values(SIMULATOR)) {
      const s = (await subscribers.getByEmail(email))!;
      expect(s).toMatchObject({ source: 'smoke', status: 'unsubscribed', digest: false, alerts: false });
      expect(s.suppressed).toBeUndefined();
      expect(inDigestAudience(s) || inAlertAudience(s)).toBe(false);
    }
    expect((await subscribers.getByEmail(SIMULATOR.bounce))!.subscriberId).toBe(before!.subscriberId);
  });

  it('records a message SES refused as failed, and awaitSmoke reports it at once', async () => {
    const refusing = new RecordingMailer((to) =>
      to === SIMULATOR.complaint ? Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }) : undefined,
    );
    const { deps, ledger } = await setUp(refusing);
    const send = await sendSmoke(deps);
    const refused = send.messages.find((m) => m.case === 'complaint')!;
    expect(refused).toMatchObject({ error: 'Email address is not verified.' });
    expect((await ledger.get(send.campaignId, refused.subscriberId))?.status).toBe('failed');
  });

  it('says what to do when no issue is published', async () => {
    const { deps } = await setUp();
    deps.content = new MemoryContent();
    await expect(sendSmoke(deps)).rejects.toThrow(/no issue published yet/);
  });
});

describe('smokeOutcome', () => {
  const sent = { campaignId: 'c', subscriberId: 's', status: 'sent' as const, claimedAt: NOW };
  const sub = (suppressed: boolean) => ({
    subscriberId: 's',
    email: 'x',
    status: 'unsubscribed' as const,
    digest: false,
    alerts: false,
    topics: [],
    timezone: 'UTC',
    source: 'smoke' as const,
    createdAt: NOW,
    ...(suppressed ? { suppressed, suppressedReason: 'bounce' as const } : {}),
  });

  it('is done only when every expected event is in: a bounce without the suppression is not', () => {
    expect(smokeOutcome('success', { ...sent, deliveredAt: NOW }, sub(false))).toEqual({ done: true, detail: 'delivered' });
    expect(smokeOutcome('success', sent, sub(false))).toEqual({ done: false, detail: 'no delivery event' });
    expect(smokeOutcome('bounce', { ...sent, bouncedAt: NOW, bounceType: 'Permanent/General' }, sub(false))).toEqual({
      done: false,
      detail: 'bounced (Permanent/General) but not suppressed',
    });
    expect(smokeOutcome('bounce', { ...sent, bouncedAt: NOW, bounceType: 'Permanent/General' }, sub(true)).done).toBe(true);
    expect(smokeOutcome('complaint', { ...sent, deliveredAt: NOW }, sub(true))).toEqual({
      done: false,
      detail: 'delivered, but no complaint event',
    });
    expect(smokeOutcome('suppressionlist', undefined, undefined)).toEqual({ done: false, detail: 'no bounce event' });
  });
});

describe('awaitSmoke', () => {
  /** A clock that moves only when the use-case sleeps: the timeout is reached without waiting. */
  function steppingClock(startIso: string): Clock & { sleep: (ms: number) => Promise<void> } {
    let t = new Date(startIso).getTime();
    return {
      now: () => new Date(t),
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    };
  }

  async function sent(): Promise<{ send: SmokeSend; deps: Awaited<ReturnType<typeof setUp>> }> {
    const s = await setUp();
    return { send: await sendSmoke(s.deps), deps: s };
  }

  it('reports each outcome as it comes back, with the time it took', async () => {
    const { send, deps } = await sent();
    const clock = steppingClock(NOW);
    // SES's events land while the use-case waits after its first look.
    const sleep = async (ms: number) => {
      await clock.sleep(ms);
      for (const m of send.messages) {
        const d = (await deps.ledger.get(send.campaignId, m.subscriberId))!;
        if (m.case === 'success') Object.assign(d, { deliveredAt: NOW });
        else {
          Object.assign(
            d,
            m.case === 'complaint' ? { deliveredAt: NOW, complainedAt: NOW } : { bouncedAt: NOW, bounceType: 'Permanent/General' },
          );
          const s = (await deps.subscribers.getByEmail(m.email))!;
          await deps.subscribers.upsert({ ...s, suppressed: true, suppressedReason: m.case === 'complaint' ? 'complaint' : 'bounce' });
        }
      }
    };
    const results = await awaitSmoke({ subscribers: deps.subscribers, ledger: deps.ledger, clock, sleep }, send, {
      timeoutMs: 120_000,
      pollMs: 1_000,
    });
    expect(results.map((r) => [r.case, r.ok, r.detail, r.afterMs])).toEqual([
      ['success', true, 'delivered', 1000],
      ['bounce', true, 'bounced (Permanent/General) and suppressed (bounce)', 1000],
      ['complaint', true, 'complained and suppressed (complaint)', 1000],
      ['suppressionlist', true, 'bounced (Permanent/General) and suppressed (bounce)', 1000],
    ]);
  });

  it('fails each outcome that did not come back within the timeout, saying what was expected', async () => {
    const { send, deps } = await sent();
    const clock = steppingClock(NOW);
    const seen: string[] = [];
    const results = await awaitSmoke({ subscribers: deps.subscribers, ledger: deps.ledger, clock, sleep: clock.sleep }, send, {
      timeoutMs: 120_000,
      pollMs: 2_000,
      onResult: (r) => seen.push(r.case),
    });
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results[0].detail).toBe('no delivery event within 120 s (expected: delivered)');
    expect(results[2].detail).toBe('no complaint event within 120 s (expected: complained and suppressed)');
    expect(seen).toHaveLength(4);
    expect(clock.now().getTime() - new Date(NOW).getTime()).toBe(120_000);
  });
});

describe('the local mailbox simulator', () => {
  const at = new Date(NOW);
  const eventsFor = (destination: string) =>
    simulatorEvents({ messageId: 'msg-1', destination, source: 'brief@example.org', at }).flatMap((e) => parseSesEvents(e));

  it('recognises the simulator addresses, with or without a +label, and nothing else', () => {
    expect(simulatorOutcome('Bounce+run7@Simulator.AmazonSES.com')).toBe('bounce');
    expect(simulatorOutcome('success@simulator.amazonses.com')).toBe('success');
    expect(simulatorOutcome('ooto@simulator.amazonses.com')).toBeUndefined();
    expect(simulatorOutcome('bounce@example.org')).toBeUndefined();
    expect(isSimulatorAddress('ooto@simulator.amazonses.com')).toBe(true);
    expect(isSimulatorAddress('someone@simulator.amazonses.com.example.org')).toBe(false);
    expect(simulatorEvents({ messageId: 'm', destination: 'reader@example.org', source: 's', at })).toEqual([]);
  });

  it('publishes what SES publishes for each address, in a form the ses-events parser reads', () => {
    expect(eventsFor(SIMULATOR.success).map((e) => [e.eventType, e.mail.messageId, e.delivery?.recipients])).toEqual([
      ['Delivery', 'msg-1', [SIMULATOR.success]],
    ]);
    expect(
      eventsFor(SIMULATOR.bounce).map((e) => [
        e.eventType,
        e.bounce?.bounceType,
        e.bounce?.bounceSubType,
        e.bounce?.bouncedRecipients[0].emailAddress,
      ]),
    ).toEqual([['Bounce', 'Permanent', 'General', SIMULATOR.bounce]]);
    expect(eventsFor(SIMULATOR.complaint).map((e) => [e.eventType, e.complaint?.complaintFeedbackType])).toEqual([
      ['Delivery', undefined],
      ['Complaint', 'abuse'],
    ]);
    expect(eventsFor(SIMULATOR.suppressionlist).map((e) => [e.eventType, e.bounce?.bounceType, e.bounce?.bounceSubType])).toEqual([
      ['Bounce', 'Permanent', 'OnAccountSuppressionList'],
    ]);
  });
});
