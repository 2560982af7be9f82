/**
 * Renders a breaking alert: one article, to the readers who follow one of its topics. Same
 * machinery as the digest (templates compiled from MJML at build time, prepared once per
 * article, filled per recipient); the recipient's matched topics are one more field.
 */
import compiled from '../../../templates/compiled/templates.json';
import type { Article } from '../model';
import { htmlEnv, mergeOutlookConditionals, PROBE, storyBody, textEnv, toCrlf, type ArticleView, type LinkFor } from './index';
import { prepareTemplates, renderFull, type RecipientFields, type TemplatePair } from './prepared';
import { formatLongDate, oneLine, PREHEADER_PAD, previewText, topicLabel } from './text';
import { footerView, type FooterView, type SenderIdentity } from './identity';
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
  /** The sender's organisation and postal address, shown in the footer of both parts. */
  footer: FooterView;
  /** The article's page on the web ("View in browser"); empty when it has none, and the link is left out. */
  webUrl: string;
}

/** What an alert shows besides the article: the sender's identity and, when there is one, the article's web page. */
export interface AlertMailOptions {
  identity?: SenderIdentity;
  webUrl?: string;
  /** Click tracking: the link a reader follows instead of the source credit (the article's link 0). */
  linkFor?: LinkFor;
  /** The topics' labels from the newsletter's settings, as the reason line names them. @default labels made from the ids */
  topicLabels?: ReadonlyMap<string, string>;
}

/**
 * `Breaking: <headline>`: the news in the first characters a phone shows; the newsletter's
 * name is already on the From line.
 */
export function alertSubject(article: Pick<Article, 'title'>): string {
  return oneLine(`Breaking: ${article.title}`);
}

export function alertViewModel(article: Article, newsletter: string, options: AlertMailOptions = {}): AlertViewModel {
  return {
    footer: footerView(options.identity),
    webUrl: options.webUrl ?? '',
    subject: alertSubject(article),
    preheader: previewText(article.summary, 140),
    preheaderPad: PREHEADER_PAD,
    newsletter: oneLine(newsletter),
    dateText: formatLongDate(article.date),
    title: oneLine(article.title),
    summary: article.summary.trim(),
    keyPoints: article.keyPoints.map((k) => k.trim()),
    ...storyBody(article),
    topicLabels: article.topics.map((t) => options.topicLabels?.get(t) ?? topicLabel(t)),
    source: { name: oneLine(article.source.name), url: options.linkFor ? options.linkFor(article.id, 0) : article.source.url.trim() },
  };
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
  probe: PROBE,
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

export function prepareAlert(article: Article, newsletter: string, options: AlertMailOptions = {}): PreparedAlert {
  const view = alertViewModel(article, newsletter, options);
  const prepared = prepareTemplates(pair, view);
  return { subject: view.subject, preheader: view.preheader, render: prepared.render, renderSplit: prepared.renderSplit };
}
