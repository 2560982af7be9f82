/**
 * Turn an issue (digest) or a breaking article (alert) into a PreparedCampaign: the templates
 * are filled with the content once, the MIME skeleton is built once, and compose() only signs
 * the reader's links, fills the per-recipient fields and encodes the bodies.
 */
import { digestReason, personalDigestView, prepareDigest, renderDigest, trackLinks, type LinkFor } from '../core/render';
import { alertViewModel, prepareAlert, renderAlert } from '../core/render/alert';
import { alertReason } from '../core/render/identity';
import { clickLinker, DEFAULT_CLICK_TRACKING, type CampaignKind } from '../core/click-token';
import { prepareMessage, type Body } from '../core/mime';
import { bodyText } from '../core/mime/base64';
import { signToken, type SigningKeys } from '../core/tokens';
import type { Article, Issue, Recipient } from '../core/model';
import type { ContentStore, ReaderAlertHistory } from '../core/ports';
import type { PreparedCampaign } from './send-batch';
import type { Variant } from '../core/subject-test';
import type { MailSettings } from '../core/mail-settings';

/**
 * How a campaign's article links are tracked: `shared` signs one token per link for the whole
 * campaign (aggregate mode: prepared once, the same in every reader's mail); `perReader` gives
 * the linker of one reader (per-reader mode: their id is in the token). Neither when tracking is off.
 */
function campaignLinks(
  settings: MailSettings,
  keys: SigningKeys,
  campaign: { kind: CampaignKind; campaignId: string; variant?: string },
): { shared?: LinkFor; perReader?: (r: Recipient) => LinkFor } {
  const mode = settings.clickTracking ?? DEFAULT_CLICK_TRACKING;
  if (mode === 'off') return {};
  if (mode === 'aggregate') return { shared: clickLinker(keys, settings.publicBaseUrl, campaign) };
  return { perReader: (r) => clickLinker(keys, settings.publicBaseUrl, { ...campaign, subscriberId: r.subscriberId }) };
}

/** The public archive's index, and one issue's page in it (served by the API). */
export const archiveLink = (base: string, issueId?: string) =>
  `${base.replace(/\/+$/, '')}/archive${issueId === undefined ? '' : `/${encodeURIComponent(issueId)}`}`;

/** The sender's identity as the templates show it. */
export const identityOf = (settings: Pick<MailSettings, 'organisationName' | 'postalAddress'>) => ({
  organisationName: settings.organisationName,
  postalAddress: settings.postalAddress,
});

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

/** The reader's signed links: one-click unsubscribe and preferences. */
function readerLinks(settings: MailSettings, keys: SigningKeys, r: Recipient, now: Date) {
  return {
    unsubscribeUrl: linkFor(
      settings.publicBaseUrl,
      'unsubscribe',
      signToken(keys, { subscriberId: r.subscriberId, purpose: 'unsubscribe', now, linkVersion: r.linkVersion }),
    ),
    preferencesUrl: linkFor(
      settings.publicBaseUrl,
      'preferences',
      signToken(keys, { subscriberId: r.subscriberId, purpose: 'preferences', now, linkVersion: r.linkVersion }),
    ),
  };
}

/** The MIME skeleton of one campaign: From, Reply-To, Subject, List-Id, configuration set. */
function messageFor(settings: MailSettings, newsletter: string, subject: string) {
  const domain = settings.senderEmail.slice(settings.senderEmail.lastIndexOf('@') + 1);
  return prepareMessage({
    from: { name: settings.senderName, address: settings.senderEmail },
    subject,
    listId: { name: newsletter, id: `${listSlug(newsletter)}.${domain}` },
    configurationSet: settings.configurationSet,
    replyTo: settings.replyToEmail,
  });
}

/** What a caller other than the sender may change in a campaign; the sender sets none of it. */
export interface CampaignOptions {
  /** Put before the subject, e.g. `[Test] ` for a test send (lambdas/usecases/test-send.ts). @default none */
  subjectPrefix?: string;
  /** A digest's subject line instead of the issue's own (one of a subject test's two). @default the issue's */
  subject?: string;
  /** The subject test's variant these messages belong to (it goes into the click tokens). @default none */
  variant?: Variant;
  /** Topics named by these labels (the settings): an article's topics line, an alert's reason. @default labels made from the ids */
  topicLabels?: ReadonlyMap<string, string>;
}

/**
 * The subject (and the variant, for its links) of a digest send: a subject test's variant gets
 * its subject; without a variant (the planner ran without a test store, or a test send or
 * preview) an issue with a test goes out with the editor's first subject.
 */
export function subjectOptions(issue: Issue, variant?: Variant): CampaignOptions {
  if (!variant) return issue.subjectTest ? { subject: issue.subjectTest.subjects[0] } : {};
  if (!issue.subjectTest) throw new Error(`campaign ${issue.id}: a job for subject ${variant}, but the issue has no subject test`);
  return { subject: issue.subjectTest.subjects[variant === 'a' ? 0 : 1], variant };
}

/** One reader's message and the parts it was built from, for a preview or a test send. */
export interface ComposedMessage {
  subject: string;
  html: string;
  text: string;
  raw: Buffer;
}

/** A prepared campaign that also shows one reader's message part by part (compose() is its raw bytes). */
export interface InspectableCampaign extends PreparedCampaign {
  subject: string;
  message(r: Recipient, now: Date): ComposedMessage;
}

/** A reader's bodies as the renderer gives them (split for the encoder's cache) and the raw message. */
interface Rendered {
  html: Body;
  text: Body;
  raw: Buffer;
}

/** Whole strings only when someone looks: the sender's compose() never joins the split bodies. */
const composed = (subject: string, r: Rendered): ComposedMessage => ({
  subject,
  html: bodyText(r.html),
  text: bodyText(r.text),
  raw: r.raw,
});

/** Where a digest finds each reader's alert history (optional: without it, no personal sections). */
export interface DigestAlertSources {
  history: ReaderAlertHistory;
  content: ContentStore;
}

export async function prepareDigestCampaign(
  issue: Issue,
  articles: Article[],
  settings: MailSettings,
  keys: SigningKeys,
  alerts?: DigestAlertSources,
  options: CampaignOptions = {},
): Promise<InspectableCampaign> {
  // "View in browser": the issue's page in the public archive.
  // Article links through the redirect; the archive page (webUrl) and the reader's own links are not tracked.
  // A subject test's variant goes into its links' tokens: its clicks are counted apart.
  const links = campaignLinks(settings, keys, {
    kind: 'digest',
    campaignId: issue.id,
    ...(options.variant ? { variant: options.variant } : {}),
  });
  const digest = prepareDigest(issue, articles, {
    identity: identityOf(settings),
    webUrl: archiveLink(settings.publicBaseUrl, issue.id),
    linkFor: links.shared,
    topicLabels: options.topicLabels,
  });
  const subject = `${options.subjectPrefix ?? ''}${options.subject ?? digest.subject}`;
  const build = await messageFor(settings, issue.newsletter, subject);
  const breakingIds = articles.filter((a) => a.priority === 'breaking').map((a) => a.id);
  // Per batch: which breaking articles each reader already got as alerts, and which alerts
  // their daily cap held back. Most readers have neither and take the prepared fast path.
  // Keyed by reader: batches of one campaign may run at the same time, on different readers.
  const personal = new Map<string, { alerted: Set<string>; missed: Article[] }>();
  // Asked once a campaign (the sender keeps a prepared campaign for minutes): when no reader at
  // all has alerts waiting, no batch reads the readers' sets. One deferred later waits for the
  // reader's next digest, as one deferred just after this batch was sent would.
  const anyWaiting = alerts ? await alerts.history.anyDeferred() : false;
  const readerView = links.perReader;

  const render = (r: Recipient, now: Date): Rendered => {
    const reader = readerLinks(settings, keys, r, now);
    const reason = digestReason(issue.newsletter, r.email, r.subscribedAt);
    const fields = { email: r.email, ...reader, reason };
    const extra = personal.get(r.subscriberId);
    // Per-reader links differ in every mail: that mode renders in full (slower, and opt-in).
    const view = readerView ? trackLinks(digest.view, readerView(r)) : undefined;
    const { html, text } =
      extra || view
        ? renderDigest(extra ? personalDigestView(view ?? digest.view, extra.alerted, extra.missed, options.topicLabels) : view!, fields)
        : digest.renderSplit(fields);
    return { html, text, raw: build({ to: r.email, unsubscribeUrl: reader.unsubscribeUrl, html, text }) };
  };

  return {
    campaignId: issue.id,
    from: settings.senderEmail,
    subject,
    message: (r, now) => composed(subject, render(r, now)),
    async prepareBatch(recipients) {
      if (!alerts) return;
      const ids = recipients.map((r) => r.subscriberId);
      for (const sid of ids) personal.delete(sid);
      const [alerted, deferred] = await Promise.all([
        breakingIds.length ? alerts.history.alerted(breakingIds, ids) : Promise.resolve(new Map<string, Set<string>>()),
        anyWaiting ? alerts.history.deferred(ids) : Promise.resolve(new Map<string, string[]>()),
      ]);
      const missedIds = [...new Set([...deferred.values()].flat())];
      const missedArticles = new Map((missedIds.length ? await alerts.content.getArticles(missedIds) : []).map((a) => [a.id, a]));
      for (const sid of new Set([...alerted.keys(), ...deferred.keys()])) {
        const missed = (deferred.get(sid) ?? []).flatMap((id) => (missedArticles.has(id) ? [missedArticles.get(id)!] : []));
        personal.set(sid, { alerted: alerted.get(sid) ?? new Set(), missed });
      }
    },
    compose: (r: Recipient, now: Date): Buffer => render(r, now).raw,
    async afterSent(r, now) {
      const extra = personal.get(r.subscriberId);
      if (alerts && extra?.missed.length) {
        await alerts.history.resolveDeferred(
          r.subscriberId,
          extra.missed.map((a) => a.id),
          issue.id,
          now,
        );
      }
      personal.delete(r.subscriberId);
    },
  };
}

/**
 * A breaking alert. The newsletter is named after the sender (the From display name); each
 * reader is told which of their topics matched, or that they follow every topic.
 */
export async function prepareAlertCampaign(
  article: Article,
  settings: MailSettings,
  keys: SigningKeys,
  options: CampaignOptions = {},
): Promise<InspectableCampaign> {
  const newsletter = settings.senderName;
  // No "View in browser": the archive has a page per issue, none per article.
  // An alert's campaign is its article: its source link is tracked as the article's link 0.
  const links = campaignLinks(settings, keys, { kind: 'alert', campaignId: article.id });
  const labels = options.topicLabels;
  const alert = prepareAlert(article, newsletter, { identity: identityOf(settings), linkFor: links.shared, topicLabels: labels });
  const subject = `${options.subjectPrefix ?? ''}${alert.subject}`;
  const build = await messageFor(settings, newsletter, subject);
  const render = (r: Recipient, now: Date): Rendered => {
    const reader = readerLinks(settings, keys, r, now);
    const reason = alertReason(newsletter, r.email, r.matchedTopics, r.subscribedAt, options.topicLabels);
    const fields = { email: r.email, ...reader, reason };
    const { html, text } = links.perReader
      ? renderAlert(
          alertViewModel(article, newsletter, { identity: identityOf(settings), linkFor: links.perReader(r), topicLabels: labels }),
          fields,
        )
      : alert.renderSplit(fields);
    return { html, text, raw: build({ to: r.email, unsubscribeUrl: reader.unsubscribeUrl, html, text }) };
  };
  return {
    campaignId: article.id,
    from: settings.senderEmail,
    subject,
    message: (r, now) => composed(subject, render(r, now)),
    compose: (r: Recipient, now: Date): Buffer => render(r, now).raw,
  };
}
