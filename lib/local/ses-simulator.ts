/**
 * SES's mailbox simulator, as the local mode plays it. On AWS, mail to
 * `success@`, `bounce@`, `complaint@` and `suppressionlist@simulator.amazonses.com` is accepted
 * and answered by SES itself with real events (without touching the account's reputation). The
 * recording proxy in front of the SES emulator (lib/local/ses-recorder.ts) recognises these
 * addresses and, a moment after accepting the message, hands the same events, in the form the
 * configuration set publishes them, to the local mode's `ses-events` path below.
 */
import { maskEmail } from '../../lambdas/core/address';
import { simulatorOutcome } from '../../lambdas/core/simulator';
import { applySesEvents, parseSesEvents, type SesEventsDeps } from '../../lambdas/usecases/ses-events';
import { documentClient, dynamoPorts, systemClock } from '../../lambdas/wiring';

/**
 * The configuration-set events SES publishes for one accepted message to a simulator address:
 * success → Delivery; bounce → Bounce Permanent/General; complaint → Delivery, then Complaint
 * (abuse); suppressionlist → Bounce Permanent/OnAccountSuppressionList. Shaped as SES shapes them
 * (test/fixtures/ses/), so they go through the same parser as events from SNS. With `ordinary`,
 * any other address gets a Delivery, as SES reports for a message the receiving server took.
 */
export function simulatorEvents(input: {
  messageId: string;
  destination: string;
  source: string;
  at: Date;
  ordinary?: boolean;
}): Record<string, unknown>[] {
  const outcome = simulatorOutcome(input.destination) ?? (input.ordinary ? 'success' : undefined);
  if (!outcome) return [];
  const timestamp = input.at.toISOString();
  const mail = {
    timestamp,
    source: input.source,
    messageId: input.messageId,
    destination: [input.destination],
    headersTruncated: false,
    tags: { 'ses:operation': ['SendRawEmail'] },
  };
  const delivery = {
    eventType: 'Delivery',
    mail,
    delivery: {
      timestamp,
      processingTimeMillis: 0,
      recipients: [input.destination],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'local-simulator',
    },
  };
  const bounce = (bounceSubType: string, diagnosticCode: string) => ({
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: 'Permanent',
      bounceSubType,
      bouncedRecipients: [{ emailAddress: input.destination, action: 'failed', status: '5.1.1', diagnosticCode }],
      timestamp,
      feedbackId: `local-${input.messageId}`,
    },
  });
  switch (outcome) {
    case 'success':
      return [delivery];
    case 'bounce':
      return [bounce('General', 'smtp; 550 5.1.1 user unknown')];
    case 'complaint':
      return [
        delivery,
        {
          eventType: 'Complaint',
          mail,
          complaint: {
            complainedRecipients: [{ emailAddress: input.destination }],
            timestamp,
            feedbackId: `local-${input.messageId}`,
            userAgent: 'local-simulator',
            complaintFeedbackType: 'abuse',
          },
        },
      ];
    case 'suppressionlist':
      return [
        bounce(
          'OnAccountSuppressionList',
          'Amazon SES has suppressed sending to this address because it is on the account-level suppression list.',
        ),
      ];
  }
}

/** How long the feed waits for the sender's ledger entry of a message before applying its events anyway. */
const LEDGER_WAIT_MS = 10_000;

/**
 * The local `ses-events` path: the same use-case the ses-events function runs on AWS, on the
 * local tables. On AWS an event comes seconds after SES accepted the message, long after the
 * sender recorded its message id; here it could come first, so for a known recipient the feed
 * waits (up to 10 s) until the ledger holds the message id, as SES's own delay would have
 * allowed. A failure is printed, as a Lambda's would be logged.
 */
export function localSesEventFeed(tables: { subscribers: string; deliveries: string }): {
  (events: Record<string, unknown>[]): void;
  settled(): Promise<void>;
} {
  let deps: SesEventsDeps | undefined;
  // Made at the first event: the clients read the endpoints the local runtime has set by then.
  const load = (): SesEventsDeps => {
    if (deps) return deps;
    const db = dynamoPorts(documentClient(), tables);
    deps = { subscribers: db.subscriptions, deliveries: db.deliveryEvents, clock: systemClock };
    return deps;
  };

  const apply = async (raw: Record<string, unknown>) => {
    const d = load();
    const [event] = parseSesEvents(raw);
    const recipient = event.mail.destination?.[0];
    const subscriber = recipient ? await d.subscribers.getByEmail(recipient) : undefined;
    if (subscriber) {
      const until = Date.now() + LEDGER_WAIT_MS;
      while (!(await d.deliveries.findBySesMessageId(subscriber.subscriberId, event.mail.messageId)) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100).unref());
      }
    }
    await applySesEvents(d, [event]);
  };

  const inFlight = new Set<Promise<void>>();
  const feed = (events: Record<string, unknown>[]) => {
    // In order: a complaint follows its delivery, as SES sends them.
    const done = events
      .reduce((prev, e) => prev.then(() => apply(e)), Promise.resolve())
      .catch((e: Error) => {
        const to = (events[0]?.mail as { destination?: string[] } | undefined)?.destination?.[0];
        console.error(`ses simulator: applying events for ${to ? maskEmail(to) : 'a message'} failed: ${e.message}`);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  /** Resolves once every event handed over so far is written (a process about to exit waits for it). */
  feed.settled = async () => {
    while (inFlight.size) await Promise.all([...inFlight]);
  };
  return feed;
}
