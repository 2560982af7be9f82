/**
 * Renders a breaking alert: one article, to the readers who follow one of its topics. Same
 * machinery as the digest (templates compiled from MJML at build time, prepared once per
 * article, filled per recipient); the recipient's matched topics are one more field.
 */
import compiled from '../../../templates/compiled/templates.json';
import { ALL_TOPICS } from '../audience';
import type { Article } from '../model';
import { htmlEnv, mergeOutlookConditionals, PROBE, textEnv, toCrlf, type ArticleView } from './index';
import { prepareTemplates, renderFull, type RecipientFields, type TemplatePair } from './prepared';
import { formatLongDate, oneLine, PREHEADER_PAD, previewText, topicLabel } from './text';
import type { SplitBody } from '../mime/base64';

const FIELDS = ['email', 'unsubscribeUrl', 'preferencesUrl', 'reason'] as const;
type AlertField = (typeof FIELDS)[number];

/** Per-recipient fields of an alert. `reason` is the sentence {@link alertReason} writes. */
export type AlertRecipient = RecipientFields<AlertField>;

export interface AlertViewModel extends Omit<ArticleView, 'id' | 'anchor' | 'number' | 'lead' | 'whyItMatters' | 'sources'> {
  subject: string;
  preheader: string;
  preheaderPad: string;
  newsletter: string;
  dateText: string;
}

/**
 * `Breaking: <headline>`: the news in the first characters a phone shows; the newsletter's
 * name is already on the From line.
 */
export function alertSubject(article: Pick<Article, 'title'>): string {
  return oneLine(`Breaking: ${article.title}`);
}

export function alertViewModel(article: Article, newsletter: string): AlertViewModel {
  return {
    subject: alertSubject(article),
    preheader: previewText(article.summary, 140),
    preheaderPad: PREHEADER_PAD,
    newsletter: oneLine(newsletter),
    dateText: formatLongDate(article.date),
    title: oneLine(article.title),
    summary: article.summary.trim(),
    keyPoints: article.keyPoints.map((k) => k.trim()),
    topicLabels: article.topics.map(topicLabel),
    source: { name: oneLine(article.source.name), url: article.source.url.trim() },
  };
}

/** Topic slugs written out as prose: `north-korea`, `cyber`, `space` → `North Korea, Cyber and Space`. */
export function topicList(topics: readonly string[]): string {
  const labels = topics.map(topicLabel);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}` : (labels[0] ?? '');
}

/**
 * Why this reader gets this alert, from the topics the planner matched: the reader's own
 * topics that the article is about, or all topics for a reader who chose none (then the
 * article's topics are not the reader's choice and are not named as such).
 */
export function alertReason(newsletter: string, email: string, matched: readonly string[] | undefined): string {
  const asked = `You get this alert because ${email} asked for ${oneLine(newsletter)} breaking alerts`;
  if (matched?.includes(ALL_TOPICS)) return `${asked} on all topics.`;
  if (matched?.length) return `${asked} on ${topicList(matched)}.`;
  return `${asked}.`;
}

const alertHtml = htmlEnv.compile(toCrlf(compiled.alert.html), { strict: true, knownHelpersOnly: true });
const alertText = textEnv.compile(toCrlf(compiled.alert.text), {
  strict: true,
  noEscape: true,
  knownHelpers: { wrap: true, join: true },
  knownHelpersOnly: true,
});

const pair: TemplatePair<AlertField> = {
  name: 'alert',
  html: (d) => alertHtml(d),
  text: (d) => alertText(d),
  fields: FIELDS,
  foldInText: ['reason'],
  postHtml: mergeOutlookConditionals,
  // The digest's probe, plus a matched-topics line holding every character escaping changes.
  probe: PROBE as unknown as RecipientFields<AlertField>,
};

export interface PreparedAlert {
  subject: string;
  preheader: string;
  render(r: AlertRecipient): { html: string; text: string };
  /** The same, each part split after the beginning every recipient shares (what the sender hands the MIME builder). */
  renderSplit(r: AlertRecipient): { html: SplitBody; text: SplitBody };
}

export function renderAlert(view: AlertViewModel, r: AlertRecipient): { html: string; text: string } {
  return renderFull(pair, view, r);
}

export function prepareAlert(article: Article, newsletter: string): PreparedAlert {
  const view = alertViewModel(article, newsletter);
  const prepared = prepareTemplates(pair, view);
  return { subject: view.subject, preheader: view.preheader, render: prepared.render, renderSplit: prepared.renderSplit };
}
