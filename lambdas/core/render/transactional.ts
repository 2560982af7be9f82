/**
 * The one-off messages of a subscription: the confirmation (double opt-in) and the welcome.
 * Like the digest, the HTML comes from MJML compiled at build time and is filled by
 * Handlebars here (every value HTML-escaped); the text part is its own template. These go to
 * one reader at a time, so there is no prepared fast path: a full template run is cheap.
 */
import Handlebars from 'handlebars';
import compiled from '../../../templates/compiled/templates.json';
import { mergeOutlookConditionals } from './index';
import { CRLF, oneLine, PREHEADER_PAD, previewText, topicLabel } from './text';

const env = Handlebars.create();
const toCrlf = (s: string) => s.replace(/\r?\n/g, CRLF);
const opts = { strict: true, knownHelpersOnly: true } as const;

const confirmationHtml = env.compile(toCrlf(compiled.confirmation.html), opts);
const confirmationText = env.compile(toCrlf(compiled.confirmation.text), { ...opts, noEscape: true });
const welcomeHtml = env.compile(toCrlf(compiled.welcome.html), opts);
const welcomeText = env.compile(toCrlf(compiled.welcome.text), { ...opts, noEscape: true });

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

/** `2026-11-30T10:00:00Z` → `30 November 2026, 10:00 UTC`: unambiguous for readers anywhere. */
export function formatExpiry(at: Date): string {
  const d = at.toISOString();
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${Number(d.slice(8, 10))} ${months[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}, ${d.slice(11, 16)} UTC`;
}

export function renderConfirmation(input: { newsletter: string; confirmUrl: string; unsubscribeUrl: string; expiresAt: Date }): RenderedMessage {
  const view = {
    newsletter: oneLine(input.newsletter),
    subject: oneLine(`Confirm your subscription to ${input.newsletter}`),
    preheader: previewText(`One click confirms it, and nothing is sent until you do. The link works until ${formatExpiry(input.expiresAt)}.`),
    preheaderPad: PREHEADER_PAD,
    confirmUrl: input.confirmUrl,
    unsubscribeUrl: input.unsubscribeUrl,
    expiresText: formatExpiry(input.expiresAt),
  };
  return { subject: view.subject, html: mergeOutlookConditionals(confirmationHtml(view)), text: confirmationText(view) };
}

export function renderWelcome(input: {
  newsletter: string;
  digest: boolean;
  alerts: boolean;
  topics: string[];
  preferencesUrl: string;
  unsubscribeUrl: string;
}): RenderedMessage {
  const view = {
    newsletter: oneLine(input.newsletter),
    subject: oneLine(`Welcome to ${input.newsletter}`),
    preheader: previewText(`Your subscription is confirmed. Here is what you will receive, and how to change it.`),
    preheaderPad: PREHEADER_PAD,
    digest: input.digest,
    alerts: input.alerts,
    topicsText: input.topics.length ? input.topics.map(topicLabel).join(', ') : 'all topics',
    preferencesUrl: input.preferencesUrl,
    unsubscribeUrl: input.unsubscribeUrl,
  };
  return { subject: view.subject, html: mergeOutlookConditionals(welcomeHtml(view)), text: welcomeText(view) };
}
