/**
 * Bounces, complaints and deliveries reported by SES (configuration set event publishing,
 * through SNS), applied to the Subscribers table and the delivery ledger:
 *
 * - a permanent bounce suppresses the address at once;
 * - a complaint suppresses it and unsubscribes it;
 * - transient bounces are counted; the third in a row suppresses; a delivery resets the count;
 * - deliveries, bounces and complaints are written onto the ledger entry of that message;
 * - a permanent bounce or a complaint also suppresses every other stored form of the address's
 *   inbox (`k.l.m@gmail.com` and `klm+news@googlemail.com` are one inbox: inbox-forms.ts), with the
 *   same reason and `suppressedVia` naming the form the event was for. A transient bounce and a
 *   delivery stay with their own address, as an unsubscribe does (each form has its own link).
 *
 * Suppressing leaves the sparse digest audience index (the store removes `digestShard`), and
 * the sender's send-time check skips suppressed and unsubscribed subscribers. Recipients
 * nobody knows (erased, or never subscribed) are counted and otherwise ignored.
 */
import { z } from 'zod';
import { addressKey, maskEmail, tryNormaliseEmail } from '../core/address';
import type { Subscriber } from '../core/model';
import type { Clock, DeliveryEvents, SubscriptionStore } from '../core/ports';
import { otherStoredForms } from './inbox-forms';

/** Transient bounces in a row that suppress an address. */
export const SOFT_BOUNCE_LIMIT = 3;

const recipient = z.object({ emailAddress: z.string() }).passthrough();
const sesEventSchema = z
  .object({
    // Configuration-set event publishing says `eventType`; identity notifications say `notificationType`.
    eventType: z.string().optional(),
    notificationType: z.string().optional(),
    mail: z.object({ messageId: z.string(), destination: z.array(z.string()).optional(), timestamp: z.string().optional() }).passthrough(),
    bounce: z
      .object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: z.array(recipient),
        timestamp: z.string().optional(),
        feedbackId: z.string().max(200).optional(),
      })
      .passthrough()
      .optional(),
    complaint: z
      .object({ complainedRecipients: z.array(recipient), timestamp: z.string().optional(), complaintFeedbackType: z.string().optional() })
      .passthrough()
      .optional(),
    delivery: z
      .object({ recipients: z.array(z.string()), timestamp: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export type SesEvent = z.infer<typeof sesEventSchema>;

const snsNotification = z.object({ Type: z.literal('Notification').optional(), Message: z.string() }).passthrough();
const lambdaSnsEvent = z.object({ Records: z.array(z.object({ Sns: snsNotification }).passthrough()).min(1) }).passthrough();

/**
 * Read SES events from what arrives: a Lambda SNS event (`Records[].Sns.Message`), one SNS
 * notification (`{"Type":"Notification","Message":"…"}`, as SNS posts it), or a bare SES event.
 * SES's own test message, published when an event destination is made or changed ("Successfully
 * validated SNS topic for Amazon SES event publishing."), is no event and is left out. Throws with
 * a clear message when the input is none of these.
 */
export function parseSesEvents(input: unknown): SesEvent[] {
  const messages: unknown[] = [];
  const asLambda = lambdaSnsEvent.safeParse(input);
  if (asLambda.success) messages.push(...asLambda.data.Records.map((r) => r.Sns.Message));
  else {
    const asSns = snsNotification.safeParse(input);
    if (asSns.success) messages.push(asSns.data.Message);
    else messages.push(input);
  }
  return messages.flatMap((m, i) => {
    if (typeof m === 'string' && SES_SETUP_MESSAGE.test(m)) return [];
    let json = m;
    if (typeof m === 'string') {
      try {
        json = JSON.parse(m);
      } catch {
        throw new Error(`SES event ${i + 1}: the SNS Message is not JSON`);
      }
    }
    const r = sesEventSchema.safeParse(json);
    if (!r.success)
      throw new Error(
        `SES event ${i + 1}: not an SES notification (${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')})`,
      );
    return [r.data];
  });
}

/** What SES publishes to a topic when an event destination is set up on it. */
const SES_SETUP_MESSAGE = /^Successfully validated SNS topic for Amazon SES event publishing\.?$/;

export interface SesEventsDeps {
  subscribers: SubscriptionStore;
  deliveries: DeliveryEvents;
  clock: Clock;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /**
   * Counts hard bounces and complaints for the reputation brake (core/sending-brake.ts
   * `recordReputation`), with the campaign of each message the ledger knows.
   */
  reputation?: (events: SesEvent[], campaignOf: (sesMessageId: string) => string | undefined) => Promise<unknown>;
}

export interface SesEventsReport {
  bounces: number;
  complaints: number;
  deliveries: number;
  suppressed: number;
  /** Other forms of a bounced or complaining inbox suppressed with it (not in `suppressed`). */
  inboxFormsSuppressed: number;
  unknownRecipients: number;
  ledgerEntriesUpdated: number;
  ignored: number;
}

const emptyReport = (): SesEventsReport => ({
  bounces: 0,
  complaints: 0,
  deliveries: 0,
  suppressed: 0,
  inboxFormsSuppressed: 0,
  unknownRecipients: 0,
  ledgerEntriesUpdated: 0,
  ignored: 0,
});

/**
 * Change a subscriber from its freshly read state, again if someone else changed it in
 * between (a conditional write on the fields the decision depended on).
 */
async function withSubscriber(
  store: SubscriptionStore,
  email: string,
  decide: (
    s: Subscriber,
  ) => { patch: Partial<Subscriber>; remove?: (keyof Subscriber)[]; expect?: Partial<Record<keyof Subscriber, unknown>> } | undefined,
): Promise<Subscriber | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = await store.getByEmail(email);
    if (!s) return undefined;
    const change = decide(s);
    if (!change) return s;
    const done = await store.change(s, change.patch, { remove: change.remove, expect: change.expect });
    if (done) return done;
  }
  throw new Error('ses-events: the subscriber kept changing; the event will be retried');
}

/**
 * Suppress every other stored form of the inbox of `email` (normalised) for `reason`, noting
 * `email` as the form the event was for. A form suppressed already keeps its own reason, so the
 * same event applied again (SNS and Lambda retry) changes nothing. Returns how many it suppressed.
 */
async function suppressInbox(store: SubscriptionStore, email: string, reason: 'bounce' | 'complaint', at: string): Promise<number> {
  // Masked: the form the event was for may be erased on its own later, and its address must not
  // outlive it in another item; the mask still says which form it was for the operator.
  const via = maskEmail(addressKey(email));
  let suppressed = 0;
  for (const form of await otherStoredForms(store, email)) {
    let now = false;
    await withSubscriber(store, form, (cur) => {
      now = !cur.suppressed;
      return now
        ? {
            patch: { suppressed: true, suppressedAt: at, suppressedReason: reason, suppressedVia: via },
            expect: { suppressed: cur.suppressed ?? null },
          }
        : undefined;
    });
    if (now) suppressed++;
  }
  return suppressed;
}

export async function applySesEvents(deps: SesEventsDeps, events: SesEvent[]): Promise<SesEventsReport> {
  const report = emptyReport();
  const campaigns = new Map<string, string>();
  for (const event of events) {
    const type = event.eventType ?? event.notificationType;
    const at = deps.clock.now().toISOString();
    const messageId = event.mail.messageId;

    const onLedger = async (s: Subscriber, fields: Parameters<DeliveryEvents['record']>[2]) => {
      const entry = await deps.deliveries.findBySesMessageId(s.subscriberId, messageId);
      if (!entry) return;
      campaigns.set(messageId, entry.campaignId);
      await deps.deliveries.record(entry.campaignId, entry.subscriberId, fields);
      report.ledgerEntriesUpdated++;
    };

    if (type === 'Bounce' && event.bounce) {
      const permanent = event.bounce.bounceType === 'Permanent';
      const bounceType = [event.bounce.bounceType, event.bounce.bounceSubType].filter(Boolean).join('/');
      const feedbackId = event.bounce.feedbackId;
      for (const r of event.bounce.bouncedRecipients) {
        report.bounces++;
        const email = tryNormaliseEmail(r.emailAddress);
        const s = email ? await deps.subscribers.getByEmail(email) : undefined;
        // The inbox is gone whichever form it was mailed under (an erased one too).
        if (email && permanent) report.inboxFormsSuppressed += await suppressInbox(deps.subscribers, email, 'bounce', at);
        if (!email || !s) {
          report.unknownRecipients++;
          continue;
        }
        let suppressedNow = false;
        await withSubscriber(deps.subscribers, email, (cur) => {
          if (cur.suppressed) return { patch: { lastBounceAt: at }, expect: { suppressed: true } };
          // This very bounce again (SNS delivers at least once; Lambda retries a failed event): counted already.
          if (feedbackId && cur.lastBounceFeedbackId === feedbackId) return undefined;
          const softBounces = permanent ? (cur.softBounces ?? 0) : (cur.softBounces ?? 0) + 1;
          const suppress = permanent || softBounces >= SOFT_BOUNCE_LIMIT;
          suppressedNow = suppress;
          return {
            patch: {
              lastBounceAt: at,
              ...(feedbackId ? { lastBounceFeedbackId: feedbackId } : {}),
              softBounces,
              ...(suppress ? { suppressed: true, suppressedAt: at, suppressedReason: permanent ? 'bounce' : 'soft-bounces' } : {}),
            },
            expect: {
              softBounces: cur.softBounces ?? null,
              suppressed: cur.suppressed ?? null,
              lastBounceFeedbackId: cur.lastBounceFeedbackId ?? null,
            },
          };
        });
        if (suppressedNow) report.suppressed++;
        deps.log?.('bounce', { email: maskEmail(email), bounceType, suppressed: suppressedNow });
        await onLedger(s, { bouncedAt: at, bounceType });
      }
    } else if (type === 'Complaint' && event.complaint) {
      for (const r of event.complaint.complainedRecipients) {
        report.complaints++;
        const email = tryNormaliseEmail(r.emailAddress);
        const s = email ? await deps.subscribers.getByEmail(email) : undefined;
        // A "not-spam" feedback report is the opposite of a complaint.
        const notSpam = event.complaint.complaintFeedbackType === 'not-spam';
        // The reader complained of mail to their inbox, whichever form it was sent to (an erased one too).
        if (email && !notSpam) report.inboxFormsSuppressed += await suppressInbox(deps.subscribers, email, 'complaint', at);
        if (!email || !s) {
          report.unknownRecipients++;
          continue;
        }
        if (notSpam) {
          report.ignored++;
          continue;
        }
        await withSubscriber(deps.subscribers, email, (cur) => ({
          patch: {
            complainedAt: at,
            suppressed: true,
            suppressedAt: cur.suppressedAt ?? at,
            suppressedReason: cur.suppressedReason ?? 'complaint',
            status: 'unsubscribed',
            unsubscribedAt: cur.unsubscribedAt ?? at,
          },
          expect: { status: cur.status },
        }));
        report.suppressed++;
        deps.log?.('complaint', { email: maskEmail(email) });
        await onLedger(s, { complainedAt: at });
      }
    } else if (type === 'Delivery' && event.delivery) {
      for (const address of event.delivery.recipients) {
        report.deliveries++;
        const email = tryNormaliseEmail(address);
        const s = email ? await deps.subscribers.getByEmail(email) : undefined;
        if (!email || !s) {
          report.unknownRecipients++;
          continue;
        }
        // Only a run of transient bounces counts: a delivery in between starts it over.
        if ((s.softBounces ?? 0) > 0) {
          await withSubscriber(deps.subscribers, email, (cur) =>
            (cur.softBounces ?? 0) > 0 ? { patch: { softBounces: 0 }, expect: { softBounces: cur.softBounces } } : undefined,
          );
        }
        await onLedger(s, { deliveredAt: at });
      }
    } else {
      // Sends, opens, rejects and the like are not subscribed to; ignore whatever else arrives.
      report.ignored++;
    }
  }
  await deps.reputation?.(events, (id) => campaigns.get(id));
  return report;
}
