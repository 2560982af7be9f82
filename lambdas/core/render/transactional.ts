/**
 * The one-off messages of a subscription: the confirmation (double opt-in) and the welcome.
 * Like the digest, the HTML comes from MJML compiled at build time and is filled by
 * Handlebars here (every value HTML-escaped); the text part is its own template. These go to
 * one reader at a time, so there is no prepared fast path: a full template run is cheap.
 */
import Handlebars from 'handlebars';
import compiled from '../../../templates/compiled/templates.json';
import { mergeOutlookConditionals, textEnv } from './index';
import { CRLF, oneLine, PREHEADER_PAD, previewText } from './text';
import { confirmationReason, footerView, topicList, welcomeReason, type SenderIdentity } from './identity';

const env = Handlebars.create();
const toCrlf = (s: string) => s.replace(/\r?\n/g, CRLF);
const opts = { strict: true, knownHelpersOnly: true } as const;

const confirmationHtml = env.compile(toCrlf(compiled.confirmation.html), opts);
// The digest's text environment, for its `wrap` helper.
const confirmationText = textEnv.compile(toCrlf(compiled.confirmation.text), {
  strict: true,
  noEscape: true,
  knownHelpers: { wrap: true },
  knownHelpersOnly: true,
});
const welcomeHtml = env.compile(toCrlf(compiled.welcome.html), opts);
// The digest's text environment: its `wrap` and `concat` helpers fold the welcome's prose too.
const welcomeText = textEnv.compile(toCrlf(compiled.welcome.text), {
  strict: true,
  noEscape: true,
  knownHelpers: { wrap: true, concat: true },
  knownHelpersOnly: true,
});

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

export interface ConfirmationInput {
  newsletter: string;
  /** The address asked for: named in the reason line. */
  email: string;
  confirmUrl: string;
  unsubscribeUrl: string;
  expiresAt: Date;
  /** When the subscription was asked for (ISO): the reason line's date. */
  requestedAt: string;
  /** The sender's organisation and postal address, in the footer of both parts. */
  identity?: SenderIdentity;
  /** What was asked for: named in the reason line. @default not named */
  choice?: { digest: boolean; alerts: boolean; topics: string[] };
  /** Topics by these labels (the newsletter's settings). @default labels made from the ids */
  topicLabels?: ReadonlyMap<string, string>;
}

export function renderConfirmation(input: ConfirmationInput): RenderedMessage {
  const view = {
    newsletter: oneLine(input.newsletter),
    subject: oneLine(`Confirm your subscription to ${input.newsletter}`),
    preheader: previewText(
      `Open the link and press the button to confirm; nothing is sent until you do. The link works until ${formatExpiry(input.expiresAt)}.`,
    ),
    preheaderPad: PREHEADER_PAD,
    // Its own field, so the text part folds it at 72 columns like the rest, a long name included.
    askLine: oneLine(`Please confirm that you want to receive ${input.newsletter} at this address.`),
    confirmUrl: input.confirmUrl,
    unsubscribeUrl: input.unsubscribeUrl,
    expiresText: formatExpiry(input.expiresAt),
    reason: confirmationReason(input.newsletter, input.email, input.requestedAt, input.choice, input.topicLabels),
    footer: footerView(input.identity),
  };
  return { subject: view.subject, html: mergeOutlookConditionals(confirmationHtml(view)), text: confirmationText(view) };
}

export interface WelcomeInput {
  newsletter: string;
  /** The reader's address: named in the reason line. */
  email: string;
  /** When the subscription began (confirmed, ISO): the reason line's date. */
  subscribedAt: string;
  /** The sender's organisation and postal address, in the footer of both parts. */
  identity?: SenderIdentity;
  digest: boolean;
  alerts: boolean;
  topics: string[];
  /**
   * When the digest reaches this reader, on their clock (see digestArrivalSentence in
   * core/schedule); without it the mail says only that the digest comes weekly.
   */
  digestWhen?: string;
  /** The archive's index page. */
  archiveUrl: string;
  /** The newest issue already sent, to read at once; none before the first one goes out. */
  latestIssue?: { title: string; number: number; url: string };
  preferencesUrl: string;
  unsubscribeUrl: string;
  /** Topics by these labels (the newsletter's settings). @default labels made from the ids */
  topicLabels?: ReadonlyMap<string, string>;
}

/** `North Korea and Cyber`, or every topic for a reader who chose none. */
const topicsProse = (topics: string[], labels?: ReadonlyMap<string, string>) =>
  topics.length === 0 ? 'every topic we cover' : topicList(topics, labels);

/**
 * The welcome: what arrives and when (the digest on the reader's own clock; alerts as news
 * breaks), the latest issue and the archive to read now, an invitation to reply, and the links
 * to change or end the subscription.
 */
export function renderWelcome(input: WelcomeInput): RenderedMessage {
  const topics = topicsProse(input.topics, input.topicLabels);
  const view = {
    newsletter: oneLine(input.newsletter),
    subject: oneLine(`Welcome to ${input.newsletter}`),
    preheader: previewText(
      input.digest
        ? `You're in. ${input.digestWhen ?? 'The digest comes once a week.'}`
        : `You're in. Breaking alerts on ${topics} come as news breaks.`,
    ),
    preheaderPad: PREHEADER_PAD,
    digest: input.digest,
    digestText: oneLine(
      // Every digest reader gets the whole issue: topics choose alerts only.
      `${input.digestWhen ?? 'The digest comes once a week.'} It gathers the week's stories, each with a line on why it matters.`,
    ),
    alerts: input.alerts,
    alertsText: oneLine(
      `Breaking alerts on ${topics} come as news breaks, whatever the hour${input.digest ? '; anything an alert has already told you is marked in the digest' : ''}.`,
    ),
    latestIssue: input.latestIssue
      ? { title: oneLine(input.latestIssue.title), number: input.latestIssue.number, url: input.latestIssue.url }
      : null,
    archiveUrl: input.archiveUrl,
    preferencesUrl: input.preferencesUrl,
    unsubscribeUrl: input.unsubscribeUrl,
    reason: welcomeReason(input.newsletter, input.email, input, input.subscribedAt, input.topicLabels),
    footer: footerView(input.identity),
  };
  return { subject: view.subject, html: mergeOutlookConditionals(welcomeHtml(view)), text: welcomeText(view) };
}
