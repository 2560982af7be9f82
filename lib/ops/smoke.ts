/**
 * `smoke`: send the latest issue, exactly as a reader gets it, to SES's mailbox simulator, and
 * wait for SES's events to come back through the configuration set, SNS and the ses-events
 * function (locally: the recording proxy's simulator and the same use-case).
 *
 * - **Never the issue's send.** The messages are one campaign of their own,
 *   `smoke#<issue>#<time>`: the issue's ledger entries and counters are not touched, and a
 *   reader who got the issue is not skipped or counted because of it.
 * - **Never a reader.** The four recipients are the simulator's addresses, nobody else.
 * - **How the events are seen.** The ses-events use-case finds a recipient in the Subscribers
 *   table and the message's ledger entry by SES message id. So each simulator address is kept
 *   as a subscriber in a state no audience index holds (`unsubscribed`, wanting neither digest
 *   nor alerts, source `smoke`: the sparse audience indexes leave it out, and `subscribers add`
 *   and `import` never bring an unsubscribed address back), and each message gets a ledger
 *   entry under the smoke campaign. The outcome is read back from both: delivered, bounced
 *   and suppressed, complained and suppressed.
 */
import { smokeCampaignId } from '../../lambdas/core/keys';
import type { Delivery, Subscriber } from '../../lambdas/core/model';
import { SIMULATOR, type SimulatorOutcome } from '../../lambdas/core/simulator';
import type { Clock, ContentStore, Ledger, Mailer, SubscriberStore } from '../../lambdas/core/ports';
import type { SigningKeys } from '../../lambdas/core/tokens';
import { prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import type { MailSettings } from '../../lambdas/core/mail-settings';

export { SIMULATOR } from '../../lambdas/core/simulator';
export type SmokeCase = SimulatorOutcome;

/** What each address must bring back. */
export const EXPECTED: Record<SmokeCase, string> = {
  success: 'delivered',
  bounce: 'bounced and suppressed',
  complaint: 'complained and suppressed',
  suppressionlist: 'bounced (on the suppression list) and suppressed',
};

export interface SmokeDeps {
  content: ContentStore;
  subscribers: Pick<SubscriberStore, 'upsert' | 'getByEmail'>;
  ledger: Ledger;
  mailer: Mailer;
  clock: Clock;
  settings: MailSettings;
  keys: SigningKeys;
  newId(): string;
}

export interface SmokeMessage {
  case: SmokeCase;
  email: string;
  subscriberId: string;
  /** SES's message id, when SES accepted the message. */
  messageId?: string;
  error?: string;
}

export interface SmokeSend {
  issueId: string;
  issueTitle: string;
  campaignId: string;
  sentAt: Date;
  messages: SmokeMessage[];
}

/** The simulator address as a subscriber no audience holds (see the module comment). */
export function smokeSubscriber(email: string, id: string, now: Date): Subscriber {
  const at = now.toISOString();
  return {
    subscriberId: id,
    email,
    status: 'unsubscribed',
    digest: false,
    alerts: false,
    topics: [],
    timezone: 'UTC',
    source: 'smoke',
    createdAt: at,
    unsubscribedAt: at,
  };
}

/**
 * Send the issue (default: the latest) to the four simulator addresses as campaign
 * `smoke#<issue>#<time>`. Each address starts the run unsuppressed, so a suppression seen
 * afterwards is this run's.
 */
export async function sendSmoke(deps: SmokeDeps, options: { issueId?: string } = {}): Promise<SmokeSend> {
  const issue = options.issueId ? await deps.content.getIssue(options.issueId) : await deps.content.latestIssue();
  if (!issue)
    throw new Error(
      options.issueId ? `no issue ${options.issueId}` : 'no issue published yet: publish one first (`npm run cli -- publish <folder>`)',
    );
  const articles = await deps.content.getArticles(issue.articleIds);
  // The sender's own preparation: the same templates, links, headers and configuration set.
  // An empty sender name (a stack without that output) takes the newsletter's name, the stack's default.
  // Plain links: nobody follows the simulator's, and a smoke run must never count clicks.
  const settings = { ...deps.settings, senderName: deps.settings.senderName || issue.newsletter, clickTracking: 'off' as const };
  const campaign = await prepareDigestCampaign(issue, articles, settings, deps.keys);
  const sentAt = deps.clock.now();
  const campaignId = smokeCampaignId(issue.id, sentAt);
  const messages: SmokeMessage[] = [];
  for (const kase of Object.keys(SIMULATOR) as SmokeCase[]) {
    const email = SIMULATOR[kase];
    // upsert keeps an address's id across runs; the rest of the item is replaced, suppression included.
    const s = await deps.subscribers.upsert(smokeSubscriber(email, deps.newId(), sentAt));
    const claimedAt = deps.clock.now();
    await deps.ledger.claim(campaignId, s.subscriberId, claimedAt);
    try {
      const raw = campaign.compose({ subscriberId: s.subscriberId, email }, claimedAt);
      const { messageId } = await deps.mailer.sendRaw({ raw, from: campaign.from, to: email });
      await deps.ledger.markSent(campaignId, s.subscriberId, messageId, deps.clock.now(), claimedAt);
      messages.push({ case: kase, email, subscriberId: s.subscriberId, messageId });
    } catch (e) {
      const error = (e as Error).message;
      await deps.ledger.markFailed(campaignId, s.subscriberId, error, deps.clock.now());
      messages.push({ case: kase, email, subscriberId: s.subscriberId, error });
    }
  }
  deps.ledger.flush?.();
  return { issueId: issue.id, issueTitle: issue.title, campaignId, sentAt, messages };
}

export interface SmokeResult {
  case: SmokeCase;
  email: string;
  ok: boolean;
  /** What came back (or did not). */
  detail: string;
  /** Milliseconds from the send to the last event this result needed. */
  afterMs?: number;
}

/**
 * What came back for one message, from its ledger entry and its subscriber. `done` once every
 * event the address should bring has arrived.
 */
export function smokeOutcome(
  kase: SmokeCase,
  delivery: Delivery | undefined,
  subscriber: Subscriber | undefined,
): { done: boolean; detail: string } {
  const suppressed = subscriber?.suppressed === true;
  const bounce = delivery?.bounceType;
  switch (kase) {
    case 'success':
      if (delivery?.deliveredAt) return { done: true, detail: 'delivered' };
      return { done: false, detail: 'no delivery event' };
    case 'bounce':
    case 'suppressionlist':
      if (delivery?.bouncedAt && suppressed)
        return { done: true, detail: `bounced (${bounce}) and suppressed (${subscriber?.suppressedReason})` };
      if (delivery?.bouncedAt) return { done: false, detail: `bounced (${bounce}) but not suppressed` };
      return { done: false, detail: 'no bounce event' };
    case 'complaint':
      if (delivery?.complainedAt && suppressed)
        return { done: true, detail: `complained and suppressed (${subscriber?.suppressedReason})` };
      if (delivery?.complainedAt) return { done: false, detail: 'complained but not suppressed' };
      return { done: false, detail: delivery?.deliveredAt ? 'delivered, but no complaint event' : 'no complaint event' };
  }
}

export interface AwaitDeps {
  subscribers: Pick<SubscriberStore, 'getByEmail'>;
  ledger: Pick<Ledger, 'get'>;
  clock: Clock;
  sleep(ms: number): Promise<void>;
}

/**
 * Read each message's outcome until all have come back or `timeoutMs` has passed since the
 * send. `onResult` is called once per message, as it completes (or at the timeout).
 */
export async function awaitSmoke(
  deps: AwaitDeps,
  send: SmokeSend,
  options: { timeoutMs: number; pollMs: number; onResult?: (r: SmokeResult) => void },
): Promise<SmokeResult[]> {
  const results = new Map<SmokeCase, SmokeResult>();
  const finish = (r: SmokeResult) => {
    results.set(r.case, r);
    options.onResult?.(r);
  };
  for (const m of send.messages) {
    if (m.error) finish({ case: m.case, email: m.email, ok: false, detail: `SES did not accept it: ${m.error}` });
  }
  const deadline = send.sentAt.getTime() + options.timeoutMs;
  for (;;) {
    const waiting = send.messages.filter((m) => !results.has(m.case));
    const last = new Map<SmokeCase, string>();
    for (const m of waiting) {
      const [delivery, subscriber] = await Promise.all([
        deps.ledger.get(send.campaignId, m.subscriberId),
        deps.subscribers.getByEmail(m.email),
      ]);
      const outcome = smokeOutcome(m.case, delivery, subscriber);
      if (outcome.done)
        finish({
          case: m.case,
          email: m.email,
          ok: true,
          detail: outcome.detail,
          afterMs: deps.clock.now().getTime() - send.sentAt.getTime(),
        });
      else last.set(m.case, outcome.detail);
    }
    if (results.size === send.messages.length) break;
    if (deps.clock.now().getTime() >= deadline) {
      for (const [kase, detail] of last) {
        finish({
          case: kase,
          email: SIMULATOR[kase],
          ok: false,
          detail: `${detail} within ${Math.round(options.timeoutMs / 1000)} s (expected: ${EXPECTED[kase]})`,
        });
      }
      break;
    }
    await deps.sleep(options.pollMs);
  }
  return send.messages.map((m) => results.get(m.case)!);
}
