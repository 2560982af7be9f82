/**
 * Renders a breaking alert: one article, to the readers who follow one of its topics. Same
 * machinery as the digest (templates compiled from MJML at build time, prepared once per
 * article, filled per recipient); the recipient's matched topics are one more field.
 */
import compiled from '../../../templates/compiled/templates.json';
import type { Article } from '../model';
import { htmlEnv, mergeOutlookConditionals, PROBE, textEnv, toCrlf, type ArticleView } from './index';
import { prepareTemplates, renderFull, type RecipientFields, type TemplatePair } from './prepared';
import { formatLongDate, oneLine, topicLabel } from './text';
import type { SplitBody } from '../mime/base64';

const FIELDS = ['email', 'unsubscribeUrl', 'preferencesUrl', 'reason', 'matchedTopics'] as const;
type AlertField = (typeof FIELDS)[number];

/** Per-recipient fields of an alert. `matchedTopics` is the list written out, e.g. `North Korea`. */
export type AlertRecipient = RecipientFields<AlertField>;

export interface AlertViewModel extends Omit<ArticleView, 'id'> {
  subject: string;
  preheader: string;
  newsletter: string;
  dateText: string;
}

export function alertSubject(newsletter: string, article: Pick<Article, 'title'>): string {
  return oneLine(`Breaking · ${newsletter}: ${article.title}`);
}

export function alertViewModel(article: Article, newsletter: string): AlertViewModel {
  return {
    subject: alertSubject(newsletter, article),
    preheader: oneLine(article.summary).slice(0, 140),
    newsletter: oneLine(newsletter),
    dateText: formatLongDate(article.date),
    title: oneLine(article.title),
    summary: article.summary.trim(),
    keyPoints: article.keyPoints.map((k) => k.trim()),
    topicLabels: article.topics.map(topicLabel),
    source: { name: oneLine(article.source.name), url: article.source.url.trim() },
  };
}

/** Topic slugs written for the "you follow" line: `north-korea`, `cyber` → `North Korea, Cyber`. */
export const topicList = (topics: readonly string[]): string => topics.map(topicLabel).join(', ');

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
  probe: { ...PROBE, matchedTopics: 'North Korea & <Nuclear> "Disarmament"' },
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
