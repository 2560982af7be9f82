/**
 * The two one-off messages of a subscription, built with the same MIME builder as the digest
 * (List-Unsubscribe one-click header included) and sent one at a time through the Mailer port.
 */
import { composeMessage } from '../core/mime';
import { mailAddress, type Subscriber } from '../core/model';
import type { ContentStore, Mailer } from '../core/ports';
import { digestArrivalSentence } from '../core/schedule';
import { renderConfirmation, renderWelcome, type RenderedMessage } from '../core/render/transactional';
import { signToken, type SigningKeys } from '../core/tokens';
import { archiveLink, identityOf, linkFor, listSlug } from './digest-campaign';
import type { MailSettings } from '../core/mail-settings';
import type { NewsletterSettings } from '../core/topics';
import { topicLabelsFor } from './newsletter-settings';

/** The newsletter's settings (usecases/newsletter-settings.ts): both messages name topics by their labels. */
type SettingsSource = { settings?: () => Promise<NewsletterSettings> };

/** The topics' labels; a failed read costs the labels (ids written as titles), never the message. */
const labels = (deps: SettingsSource) => topicLabelsFor(deps.settings).catch(() => undefined);

export const pageLink = (base: string, path: string, token: string) =>
  `${base.replace(/\/+$/, '')}/${path}?token=${encodeURIComponent(token)}`;

/** Who a link acts on: the reader's id, and their link version (`revoke-links`). */
type LinkOwner = Pick<Subscriber, 'subscriberId' | 'linkVersion'>;

function unsubscribeLink(settings: MailSettings, keys: SigningKeys, s: LinkOwner, now: Date): string {
  return linkFor(
    settings.publicBaseUrl,
    'unsubscribe',
    signToken(keys, { subscriberId: s.subscriberId, purpose: 'unsubscribe', now, linkVersion: s.linkVersion }),
  );
}

function preferencesLink(settings: MailSettings, keys: SigningKeys, s: LinkOwner, now: Date): string {
  return linkFor(
    settings.publicBaseUrl,
    'preferences',
    signToken(keys, { subscriberId: s.subscriberId, purpose: 'preferences', now, linkVersion: s.linkVersion }),
  );
}

async function send(mailer: Mailer, settings: MailSettings, to: string, message: RenderedMessage, unsubscribeUrl: string, now: Date) {
  const domain = settings.senderEmail.slice(settings.senderEmail.lastIndexOf('@') + 1);
  const raw = await composeMessage(
    {
      from: { name: settings.senderName, address: settings.senderEmail },
      subject: message.subject,
      listId: { name: settings.senderName, id: `${listSlug(settings.senderName)}.${domain}` },
      configurationSet: settings.configurationSet,
      replyTo: settings.replyToEmail,
      // Sent because the reader did something (asked, confirmed): RFC 3834 says so in a header.
      autoSubmitted: true,
      now: () => now,
    },
    { to, unsubscribeUrl, html: message.html, text: message.text },
  );
  return mailer.sendRaw({ raw, from: settings.senderEmail, to });
}

export async function sendConfirmation(
  deps: { mailer: Mailer; keys: SigningKeys; mail: MailSettings } & SettingsSource,
  /** With the reader's choices, the reason line names what was asked for. */
  s: Pick<Subscriber, 'email' | 'emailAsTyped' | 'subscriberId' | 'linkVersion'> &
    Partial<Pick<Subscriber, 'digest' | 'alerts' | 'topics'>>,
  confirm: { token: string; expiresAt: Date },
  now: Date,
) {
  const unsubscribeUrl = unsubscribeLink(deps.mail, deps.keys, s, now);
  const to = mailAddress(s);
  const message = renderConfirmation({
    newsletter: deps.mail.senderName,
    email: to,
    requestedAt: now.toISOString(),
    identity: identityOf(deps.mail),
    confirmUrl: pageLink(deps.mail.publicBaseUrl, 'confirm', confirm.token),
    unsubscribeUrl,
    expiresAt: confirm.expiresAt,
    choice:
      s.topics && s.digest !== undefined && s.alerts !== undefined ? { digest: s.digest, alerts: s.alerts, topics: s.topics } : undefined,
    topicLabels: await labels(deps),
  });
  return send(deps.mailer, deps.mail, to, message, unsubscribeUrl, now);
}

/**
 * The welcome, once the address is confirmed. `content` finds the latest issue to link; only
 * an issue already sent (planned) is linked, since the archive shows no other. A failure to read
 * it costs the link, never the welcome.
 */
export async function sendWelcome(
  deps: { mailer: Mailer; keys: SigningKeys; mail: MailSettings; content?: Pick<ContentStore, 'latestIssue'> } & SettingsSource,
  s: Subscriber,
  now: Date,
) {
  const unsubscribeUrl = unsubscribeLink(deps.mail, deps.keys, s, now);
  const latest = await deps.content?.latestIssue().catch(() => undefined);
  const base = deps.mail.publicBaseUrl;
  const to = mailAddress(s);
  const message = renderWelcome({
    newsletter: deps.mail.senderName,
    email: to,
    subscribedAt: s.confirmedAt ?? now.toISOString(),
    identity: identityOf(deps.mail),
    digest: s.digest,
    alerts: s.alerts,
    topics: s.topics,
    digestWhen: deps.mail.digestSchedule ? digestArrivalSentence(deps.mail.digestSchedule, s.timezone, now) : undefined,
    archiveUrl: archiveLink(base),
    latestIssue: latest?.plannedAt ? { title: latest.title, number: latest.number, url: archiveLink(base, latest.id) } : undefined,
    preferencesUrl: preferencesLink(deps.mail, deps.keys, s, now),
    unsubscribeUrl,
    topicLabels: await labels(deps),
  });
  return send(deps.mailer, deps.mail, to, message, unsubscribeUrl, now);
}
