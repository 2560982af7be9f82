/**
 * Turn an issue and its articles into a PreparedCampaign: the templates are filled with the
 * issue once, the MIME skeleton is built once, and compose() only signs the reader's links,
 * fills the per-recipient fields and encodes the bodies.
 */
import { prepareDigest } from '../core/render';
import { prepareMessage } from '../core/mime';
import { signToken, type SigningKeys } from '../core/tokens';
import type { Article, Issue, Recipient } from '../core/model';
import type { PreparedCampaign } from './send-batch';

export interface SenderSettings {
  senderEmail: string;
  senderName: string;
  /** Where the HTTP API answers, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  publicBaseUrl: string;
  configurationSet?: string;
}

/** `EU–Japan Security Brief` → `eu-japan-security-brief`: the list's stable id, ASCII only. */
export function listSlug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'newsletter'
  );
}

export function linkFor(base: string, path: 'unsubscribe' | 'preferences', token: string): string {
  return `${base.replace(/\/+$/, '')}/${path}?token=${encodeURIComponent(token)}`;
}

export async function prepareDigestCampaign(
  issue: Issue,
  articles: Article[],
  settings: SenderSettings,
  keys: SigningKeys,
): Promise<PreparedCampaign> {
  const digest = prepareDigest(issue, articles);
  const domain = settings.senderEmail.slice(settings.senderEmail.lastIndexOf('@') + 1);
  const message = await prepareMessage({
    from: { name: settings.senderName, address: settings.senderEmail },
    subject: digest.subject,
    listId: { name: issue.newsletter, id: `${listSlug(issue.newsletter)}.${domain}` },
    configurationSet: settings.configurationSet,
  });

  return {
    campaignId: issue.id,
    from: settings.senderEmail,
    compose(r: Recipient, now: Date): Buffer {
      const unsubscribeUrl = linkFor(
        settings.publicBaseUrl,
        'unsubscribe',
        signToken(keys, { subscriberId: r.subscriberId, purpose: 'unsubscribe', now }),
      );
      const preferencesUrl = linkFor(
        settings.publicBaseUrl,
        'preferences',
        signToken(keys, { subscriberId: r.subscriberId, purpose: 'preferences', now }),
      );
      const reason = `You receive the ${issue.newsletter} weekly digest because ${r.email} is subscribed to it.`;
      const { html, text } = digest.render({ email: r.email, unsubscribeUrl, preferencesUrl, reason });
      return message({ to: r.email, unsubscribeUrl, html, text });
    },
  };
}
