/**
 * The two one-off messages of a subscription, built with the same MIME builder as the digest
 * (List-Unsubscribe one-click header included) and sent one at a time through the Mailer port.
 */
import { composeMessage } from '../core/mime';
import type { Subscriber } from '../core/model';
import type { Mailer } from '../core/ports';
import { renderConfirmation, renderWelcome, type RenderedMessage } from '../core/render/transactional';
import { signToken, type SigningKeys } from '../core/tokens';
import { linkFor, listSlug } from './digest-campaign';

export interface MailSettings {
  senderEmail: string;
  /** From display name; also the newsletter's name in these messages. */
  senderName: string;
  publicBaseUrl: string;
  configurationSet?: string;
}

export const pageLink = (base: string, path: string, token: string) =>
  `${base.replace(/\/+$/, '')}/${path}?token=${encodeURIComponent(token)}`;

export function unsubscribeLink(settings: MailSettings, keys: SigningKeys, subscriberId: string, now: Date): string {
  return linkFor(settings.publicBaseUrl, 'unsubscribe', signToken(keys, { subscriberId, purpose: 'unsubscribe', now }));
}

export function preferencesLink(settings: MailSettings, keys: SigningKeys, subscriberId: string, now: Date): string {
  return linkFor(settings.publicBaseUrl, 'preferences', signToken(keys, { subscriberId, purpose: 'preferences', now }));
}

async function send(mailer: Mailer, settings: MailSettings, to: string, message: RenderedMessage, unsubscribeUrl: string, now: Date) {
  const domain = settings.senderEmail.slice(settings.senderEmail.lastIndexOf('@') + 1);
  const raw = await composeMessage(
    {
      from: { name: settings.senderName, address: settings.senderEmail },
      subject: message.subject,
      listId: { name: settings.senderName, id: `${listSlug(settings.senderName)}.${domain}` },
      configurationSet: settings.configurationSet,
      now: () => now,
    },
    { to, unsubscribeUrl, html: message.html, text: message.text },
  );
  return mailer.sendRaw({ raw, from: settings.senderEmail, to });
}

export async function sendConfirmation(
  deps: { mailer: Mailer; keys: SigningKeys; mail: MailSettings },
  s: Pick<Subscriber, 'email' | 'subscriberId'>,
  confirm: { token: string; expiresAt: Date },
  now: Date,
) {
  const unsubscribeUrl = unsubscribeLink(deps.mail, deps.keys, s.subscriberId, now);
  const message = renderConfirmation({
    newsletter: deps.mail.senderName,
    confirmUrl: pageLink(deps.mail.publicBaseUrl, 'confirm', confirm.token),
    unsubscribeUrl,
    expiresAt: confirm.expiresAt,
  });
  return send(deps.mailer, deps.mail, s.email, message, unsubscribeUrl, now);
}

export async function sendWelcome(deps: { mailer: Mailer; keys: SigningKeys; mail: MailSettings }, s: Subscriber, now: Date) {
  const unsubscribeUrl = unsubscribeLink(deps.mail, deps.keys, s.subscriberId, now);
  const message = renderWelcome({
    newsletter: deps.mail.senderName,
    digest: s.digest,
    alerts: s.alerts,
    topics: s.topics,
    preferencesUrl: preferencesLink(deps.mail, deps.keys, s.subscriberId, now),
    unsubscribeUrl,
  });
  return send(deps.mailer, deps.mail, s.email, message, unsubscribeUrl, now);
}
