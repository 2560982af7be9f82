/**
 * Renders a digest issue to the HTML and plain-text parts of a mail.
 *
 * The HTML comes from the MJML layout compiled at build time (bin/build-templates.ts), so no
 * MJML runs here: both parts are Handlebars templates, compiled once when this module loads.
 * Everything that depends only on the issue (view model, dates, labels, subject, and the
 * template output around the recipient's fields) is done once in {@link prepareDigest};
 * {@link PreparedDigest.render} does only the per-recipient work.
 *
 * Handlebars escapes every `{{value}}` in the HTML part, so article text is always shown as
 * text (a `<script>` in a summary arrives as `&lt;script&gt;`). The text part is rendered
 * without HTML escaping, because it is not HTML.
 */
import Handlebars from 'handlebars';
import compiled from '../../../templates/compiled/templates.json';
import type { Article, Issue, SourceLink } from '../model';
import { CRLF, formatLongDate, oneLine, PREHEADER_PAD, previewText, topicLabel, wrapText } from './text';
import { prepareTemplates, renderFull, type RecipientFields, type TemplatePair } from './prepared';
import type { SplitBody } from '../mime/base64';
import { footerView, type FooterView, type SenderIdentity } from './identity';
import { bodyHtml, bodyText } from './markdown';

export { formatLongDate, PREHEADER_PAD, previewText, topicLabel, wrapText } from './text';
export { digestReason, footerView, formatSubscribedOn, type FooterView, type SenderIdentity } from './identity';

/** Per-recipient fields of a digest. The URLs are absolute http(s) links. */
export interface DigestRecipient {
  email: string;
  /** One-click unsubscribe page for this recipient (also used for the List-Unsubscribe header). */
  unsubscribeUrl: string;
  /** Page where this recipient changes topics, frequency or alerts. */
  preferencesUrl: string;
  /** Why this recipient gets the mail, shown in the footer ({@link digestReason} writes it). */
  reason: string;
}

/** One article as the templates see it. */
export interface ArticleView {
  id: string;
  /** The story's anchor in the message (`story-<id>`): "In this issue" links to `#<anchor>`. */
  anchor: string;
  /** Position in the digest, from 1; the text part numbers its stories with it. */
  number: number;
  /** The lead story: first, with a larger headline and a "Lead story" label. */
  lead: boolean;
  title: string;
  summary: string;
  /** One line on why the story matters to the reader; empty when the article has none. */
  whyItMatters: string;
  /** Facts beyond the summary; may be empty. */
  keyPoints: string[];
  /** The article's Markdown body as HTML (render/markdown.ts: no raw HTML, safe links only); empty when it has none. */
  bodyHtml: string;
  /** The same body as folded plain text, CRLF line ends, for the text part; empty when it has none. */
  bodyText: string;
  /** Display labels of the article's topics (`north-korea` → `North Korea`). */
  topicLabels: string[];
  source: { name: string; url: string };
  /** Links to the actual source articles (https); empty when the front matter gives none. */
  sources: SourceLink[];
  /** This reader already got the article as a breaking alert: marked, not shown as new. */
  alertedToReader?: boolean;
}

/** Everything the digest templates show except the recipient's own fields. */
export interface DigestViewModel {
  subject: string;
  /** The inbox preview line, cut at a word; {@link PREHEADER_PAD} follows it in the HTML. */
  preheader: string;
  /** Filler after the preheader (a constant), so the preview stops where the preheader does. */
  preheaderPad: string;
  newsletter: string;
  number: number;
  title: string;
  summary: string;
  /** The editor's note shown under "In this issue"; empty when the issue has none. */
  editorsNote: string;
  /** The closing line over the footer; empty when the issue has none. */
  signOff: string;
  /** The issue date written out, e.g. `1 November 2024`. */
  dateText: string;
  /** The stories in reading order: the lead first, then the others as the issue lists them. */
  articles: ArticleView[];
  /** Breaking alerts this reader's daily cap held back, listed under "Alerts you may have missed". */
  missedAlerts: ArticleView[];
  /** The sender's organisation and postal address, shown in the footer of both parts (empty when not given). */
  footer: FooterView;
  /** The issue's page in the public archive ("View in browser"); empty: the link is left out. */
  webUrl: string;
}

/** What a digest mail shows besides the issue: the sender's identity and the issue's archive page. */
export interface DigestMailOptions {
  identity?: SenderIdentity;
  webUrl?: string;
  /** Click tracking: the link a reader follows for an article's link number `link` (see {@link trackLinks}). */
  linkFor?: LinkFor;
  /** The topics' labels from the newsletter's settings. @default labels made from the ids */
  topicLabels?: ReadonlyMap<string, string>;
}

/** The tracked URL of an article's link: 0 is the source credit, n ≥ 1 its n-th `sources` link. */
export type LinkFor = (articleId: string, link: number) => string;

/**
 * The view with every article link (the source credit, each `sources` link) replaced by
 * `linkFor`'s, in both parts. Only article links: the unsubscribe, preferences and archive links
 * are the reader's own fields or the view's `webUrl`, and stay as they are.
 */
export function trackLinks(view: DigestViewModel, linkFor: LinkFor): DigestViewModel {
  return {
    ...view,
    articles: view.articles.map((a) => ({
      ...a,
      source: { ...a.source, url: linkFor(a.id, 0) },
      sources: a.sources.map((s, i) => ({ ...s, url: linkFor(a.id, i + 1) })),
    })),
  };
}

/** A digest ready to be rendered for any number of recipients. */
export interface PreparedDigest {
  subject: string;
  preheader: string;
  /** The issue's view model (the same for every reader). */
  view: DigestViewModel;
  /** Render both parts for one recipient. Throws if a recipient field is missing. */
  render(r: DigestRecipient): { html: string; text: string };
  /** The same, each part split after the beginning every recipient shares (what the sender hands the MIME builder). */
  renderSplit(r: DigestRecipient): { html: SplitBody; text: SplitBody };
}

/**
 * The subject line of a digest issue: the headline first, the issue number after it
 * (`EU and Japan sign first Indo-Pacific security pact · No. 1`). The newsletter's name is
 * left out: the From line already shows it, and a phone shows only the first 40–60
 * characters of a subject, which belong to the news.
 */
export function digestSubject(issue: Pick<Issue, 'number' | 'title'>): string {
  return oneLine(`${issue.title} · No. ${issue.number}`);
}

/**
 * The issue's stories in reading order: the lead (the issue's `lead`, else its first article)
 * first, then the rest in the order given. A lead that is not among `articles` (not found when
 * the issue was read) leaves the order as it is.
 */
export function storyOrder<A extends Pick<Article, 'id'>>(issue: Pick<Issue, 'lead'>, articles: readonly A[]): A[] {
  const at = issue.lead === undefined ? -1 : articles.findIndex((a) => a.id === issue.lead);
  return at <= 0 ? [...articles] : [articles[at], ...articles.slice(0, at), ...articles.slice(at + 1)];
}

/** The anchor of a story within the message: article ids are slugs, so it is a valid id as it is. */
export const storyAnchor = (articleId: string) => `story-${articleId}`;

/**
 * The data the digest templates are filled with, apart from the recipient. Pure: the same
 * issue and articles always give the same view model. Stories are in {@link storyOrder}.
 * Fields shown on one line are collapsed to one line, so a stray line break in content can
 * never reach a place (a subject, a title) where it does not belong. The public archive
 * renders its pages from this same view model.
 */
export function digestViewModel(issue: Issue, articles: Article[], options: DigestMailOptions = {}): DigestViewModel {
  const view: DigestViewModel = {
    subject: digestSubject(issue),
    preheader: previewText(issue.preheader, 150),
    preheaderPad: PREHEADER_PAD,
    newsletter: oneLine(issue.newsletter),
    number: issue.number,
    title: oneLine(issue.title),
    summary: issue.summary.trim(),
    editorsNote: oneLine(issue.editorsNote ?? ''),
    signOff: oneLine(issue.signOff ?? ''),
    dateText: formatLongDate(issue.date),
    articles: storyOrder(issue, articles).map((a, i) => ({ ...articleView(a, options.topicLabels), number: i + 1, lead: i === 0 })),
    missedAlerts: [],
    footer: footerView(options.identity),
    webUrl: options.webUrl ?? '',
  };
  return options.linkFor ? trackLinks(view, options.linkFor) : view;
}

/** The article's body for both parts (an item stored before bodies were shown may have none). */
export function storyBody(a: Pick<Article, 'body'>): Pick<ArticleView, 'bodyHtml' | 'bodyText'> {
  const body = typeof a.body === 'string' ? a.body : '';
  return { bodyHtml: bodyHtml(body), bodyText: bodyText(body) };
}

/** One article as the templates show it (numbered 1 and not the lead until placed in an issue). */
export function articleView(a: Article, labels?: ReadonlyMap<string, string>): ArticleView {
  return {
    id: a.id,
    anchor: storyAnchor(a.id),
    number: 1,
    lead: false,
    title: oneLine(a.title),
    summary: a.summary.trim(),
    whyItMatters: oneLine(a.whyItMatters ?? ''),
    keyPoints: a.keyPoints.map((k) => k.trim()),
    ...storyBody(a),
    topicLabels: a.topics.map((t) => labels?.get(t) ?? topicLabel(t)),
    source: { name: oneLine(a.source.name), url: a.source.url.trim() },
    sources: (a.sources ?? []).map((s) => ({ title: oneLine(s.title), url: s.url.trim() })),
  };
}

/**
 * The digest as one reader sees it when the alerts pipeline touched them: articles they
 * already got as an alert are marked, and alerts their daily cap held back are listed.
 */
export function personalDigestView(
  view: DigestViewModel,
  alerted: ReadonlySet<string>,
  missed: Article[],
  labels?: ReadonlyMap<string, string>,
): DigestViewModel {
  return {
    ...view,
    articles: view.articles.map((a) => (alerted.has(a.id) ? { ...a, alertedToReader: true } : a)),
    missedAlerts: missed.filter((m) => !view.articles.some((a) => a.id === m.id)).map((m) => articleView(m, labels)),
  };
}

// One Handlebars environment per part, so the text helpers cannot leak into the HTML part.
export const htmlEnv = Handlebars.create();
export const textEnv = Handlebars.create();

textEnv.registerHelper('wrap', (text: unknown, ...rest: unknown[]) => {
  // Handlebars passes its options object last; the optional prefixes come before it.
  const [first, indent] = rest.slice(0, -1).map((x) => (typeof x === 'string' ? x : ''));
  // Templates wrap strings; anything else is shown as data rather than as `[object Object]`.
  const plain = typeof text === 'string' ? text : text == null ? '' : JSON.stringify(text);
  return wrapText(plain, 72, first ?? '', indent ?? first?.replace(/\S/g, ' ') ?? '');
});
textEnv.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
textEnv.registerHelper('join', (items: unknown, separator: unknown) =>
  Array.isArray(items) ? items.join(typeof separator === 'string' ? separator : ', ') : '',
);

/** Line endings in canonical MIME form (CRLF), once at load. */
export const toCrlf = (s: string) => s.replace(/\r?\n/g, CRLF);

// strict: a field missing from the data throws instead of rendering as empty text.
// knownHelpersOnly: the templates use only the helpers listed, which lets Handlebars emit
// faster code (no run-time helper lookups).
const digestHtml = htmlEnv.compile(toCrlf(compiled.digest.html), { strict: true, knownHelpersOnly: true });
const digestText = textEnv.compile(toCrlf(compiled.digest.text), {
  strict: true,
  noEscape: true,
  knownHelpers: { wrap: true, join: true, concat: true },
  knownHelpersOnly: true,
});

const RECIPIENT_FIELDS = ['email', 'unsubscribeUrl', 'preferencesUrl', 'reason'] as const;
type RecipientField = (typeof RECIPIENT_FIELDS)[number];

/**
 * MJML's last step merges an Outlook conditional comment that closes a section with the one
 * that opens the next (`<![endif]--><!--[if mso | IE]>` disappears). Sections repeated by a
 * Handlebars loop only become neighbours once the loop has run, so the same merge is applied
 * to the rendered HTML; the result is what MJML itself would have produced. Article and
 * recipient text cannot take part: Handlebars has escaped its `<` and `>`.
 */
export function mergeOutlookConditionals(html: string): string {
  return html.replace(/<!\[endif\]-->\s*?<!--\[if mso \| IE\]>/g, '');
}

/**
 * A probe recipient whose fields hold every character HTML escaping changes and a reason
 * long enough to be folded, for the self-check in {@link prepareTemplates}.
 */
export const PROBE: DigestRecipient = {
  email: `probe+&<>"'\`=@example.com`,
  unsubscribeUrl: `https://probe.example/unsubscribe?a=1&b="<>'\`=`,
  preferencesUrl: `https://probe.example/preferences?a=1&b="<>'\`=`,
  reason:
    'You receive this probe because <every> "character" & \'quote\' = `tick` must be escaped, and because a reason this long has to be folded.',
};

const digestPair: TemplatePair<RecipientField> = {
  name: 'digest',
  html: (data) => digestHtml(data),
  text: (data) => digestText(data),
  fields: RECIPIENT_FIELDS,
  foldInText: ['reason'],
  postHtml: mergeOutlookConditionals,
  probe: PROBE,
};

/**
 * Render one recipient's digest by running both Handlebars templates in full. This is the
 * reference route: {@link prepareDigest}'s fast `render` must give exactly the same result
 * (it checks so itself, and the tests check it too).
 */
export function renderDigest(view: DigestViewModel, recipient: DigestRecipient): { html: string; text: string } {
  return renderFull(digestPair, view, recipient as unknown as RecipientFields<RecipientField>);
}

/**
 * Prepare a digest issue for sending: the view model and subject once, the templates cut at
 * the recipient's fields once (see prepared.ts); `render` then only fills one recipient in.
 */
export function prepareDigest(issue: Issue, articles: Article[], options: DigestMailOptions = {}): PreparedDigest {
  const view = digestViewModel(issue, articles, options);
  const prepared = prepareTemplates(digestPair, view);
  return {
    subject: view.subject,
    preheader: view.preheader,
    view,
    render: (r) => prepared.render(r),
    renderSplit: (r) => prepared.renderSplit(r),
  };
}
