/**
 * An article's Markdown body, as the mail, the preview and the archive show it: HTML for the
 * HTML part and the archive page, readable folded text for the plain-text part. Pure.
 *
 * One Markdown library (markdown-it, CommonMark) reads the body everywhere. The rules match the
 * rest of the content: raw HTML is never passed through (the renderer escapes it, and the parser
 * refuses it first, see {@link bodyProblems}); a link goes out only as http, https or mailto;
 * no images (mail clients block them, and a remote image tells its server who opened the
 * mail). `## Heading` sections become sub-headings under the story's own headline.
 */
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { CRLF, wrapText } from './text';

/** Link schemes a body may use: the web and mail. Everything else (javascript:, data:, file:) is refused. */
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

const LINK_STYLE = 'color:#1d4ed8;';
/** h3 (`#`, `##`) and h4 (deeper) by size, so a sub-section does not read as a section. */
const HEADING_STYLE: Record<string, string> = {
  h3: 'font-size:17px;line-height:1.35;margin:16px 0 6px;',
  h4: 'font-size:15px;line-height:1.35;margin:14px 0 4px;',
};
/** A quote is marked by a rule at its left, in any mode (the colour reads on light and dark). */
const QUOTE_STYLE = 'margin:0 0 12px;padding:0 0 0 12px;border-left:3px solid #94a3b8;';

const PRE_STYLE = 'white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;margin:0 0 12px;';

/** What renders bodies: no raw HTML, no images, no tables, safe links only. */
const render = new MarkdownIt({ html: false, linkify: false, typographer: false }).disable(['image', 'table']);
render.validateLink = (url) => SAFE_LINK.test(url.trim());

/** What checks them: reads raw HTML and images as such, so they can be named and refused. */
const reader = new MarkdownIt({ html: true, linkify: false, typographer: false });
// Every link is read as a link (markdown-it would leave a `javascript:` one as text), so it can be refused by name.
reader.validateLink = () => true;

/**
 * The body's own headings sit under the story's headline (an h2): `#` and `##` become h3,
 * deeper ones h4, so the mail's outline stays the story's.
 */
function demote(tokens: Token[]): void {
  for (const t of tokens) {
    if (t.type === 'heading_open' || t.type === 'heading_close') {
      t.tag = Number(t.tag.slice(1)) <= 2 ? 'h3' : 'h4';
      if (t.type === 'heading_open') t.attrSet('style', HEADING_STYLE[t.tag]);
    }
    if (t.type === 'blockquote_open') t.attrSet('style', QUOTE_STYLE);
    if (t.type === 'inline') for (const c of t.children ?? []) if (c.type === 'link_open') c.attrSet('style', LINK_STYLE);
  }
}

/** The body as HTML for the mail and the archive page; empty for an empty body. */
export function bodyHtml(markdown: string): string {
  if (markdown.trim() === '') return '';
  const tokens = render.parse(markdown, {});
  demote(tokens);
  // No trailing line break (the layout has no blank lines), and CRLF like the rest of the part.
  return (
    render.renderer
      .render(tokens, render.options, {})
      .trimEnd()
      // Code (or a paragraph indented four spaces by mistake) wraps instead of widening the mail past a phone's screen.
      .replaceAll('<pre>', `<pre style="${PRE_STYLE}">`)
      .replace(/\r?\n/g, CRLF)
  );
}

/** Inline text as read aloud: emphasis dropped, a link as `text (url)` unless the text is the url. */
function inlineText(children: Token[]): string {
  let out = '';
  let href: string | undefined;
  let linkText = '';
  for (const c of children) {
    if (c.type === 'link_open') {
      href = c.attrGet('href') ?? undefined;
      linkText = '';
    } else if (c.type === 'link_close') {
      out += href && SAFE_LINK.test(href) && linkText !== href && `mailto:${linkText}` !== href ? `${linkText} (${href})` : linkText;
      href = undefined;
    } else {
      // A hard break (two spaces or a backslash at the line's end) stays a line break: an address, verse, a sign-off.
      const text =
        c.type === 'hardbreak' ? '\n' : c.type === 'softbreak' ? ' ' : c.type === 'text' || c.type === 'code_inline' ? c.content : '';
      if (href !== undefined) linkText += text;
      else out += text;
    }
  }
  return out;
}

/**
 * The body as the plain-text part shows it: paragraphs folded at 72 columns, sub-headings in
 * capitals, list items as `  - ` or `  1. ` with a hanging indent (nested lists further in),
 * quotes behind `> `, code as written, four spaces in. CRLF line ends; empty for an empty body.
 */
export function bodyText(markdown: string): string {
  if (markdown.trim() === '') return '';
  // Each block with what joins it to the one before: a line break inside a list, a blank line elsewhere.
  const blocks: { text: string; glue: string }[] = [];
  let listStarts = false;
  let lastQuote = '';
  const push = (text: string) => {
    // The blank line between two blocks of one quote keeps the quote's marker, so it reads as one quote.
    const shared = quote.length <= lastQuote.length ? quote : lastQuote;
    blocks.push({ text, glue: lists.length > 0 && !listStarts ? CRLF : CRLF + shared.trimEnd() + CRLF });
    listStarts = false;
    lastQuote = quote;
  };
  const lists: { ordered: boolean; n: number }[] = [];
  let quote = '';
  let item = '';
  let heading = false;
  for (const t of reader.parse(markdown, {})) {
    if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') {
      listStarts ||= lists.length === 0;
      lists.push({ ordered: t.type === 'ordered_list_open', n: Number(t.attrGet('start') ?? 1) });
    } else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') lists.pop();
    else if (t.type === 'list_item_open') {
      const list = lists[lists.length - 1];
      item = `${'  '.repeat(lists.length)}${list.ordered ? `${list.n++}.` : '-'} `;
    } else if (t.type === 'blockquote_open') quote += '> ';
    else if (t.type === 'blockquote_close') quote = quote.slice(2);
    else if (t.type === 'heading_open') heading = true;
    else if (t.type === 'heading_close') heading = false;
    else if (t.type === 'inline') {
      const text = inlineText(t.children ?? []);
      const first = quote + (item || (lists.length ? '  '.repeat(lists.length + 1) : ''));
      const rest = quote + ' '.repeat(first.length - quote.length);
      // Each hard-broken line folded on its own, the ones after the first under the first's indent.
      const lines = (heading ? text.toUpperCase() : text).split('\n');
      push(lines.map((l, i) => wrapText(l, 72, i === 0 ? first : rest, rest)).join(CRLF));
      item = '';
    } else if (t.type === 'fence' || t.type === 'code_block') {
      push(
        t.content
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `${quote}    ${l}`)
          .join(CRLF),
      );
    } else if (t.type === 'hr') push(`${quote}* * *`);
  }
  // Lines of one list stay together; everything else is a paragraph of its own.
  return blocks.map((b, i) => (i === 0 ? '' : b.glue) + b.text).join('');
}

/** One thing in a body that cannot be published, with the body's 1-based line it is on. */
export interface BodyProblem {
  line: number;
  message: string;
}

/**
 * What a body may not hold: raw HTML (escaped in the mail, it would show as tags), images, and
 * links that are not http, https or mailto (a `javascript:` link would be dropped and its text
 * left dangling). Refused at publish rather than changed silently; lines count from the body's first.
 */
export function bodyProblems(markdown: string): BodyProblem[] {
  const problems: BodyProblem[] = [];
  const at = (t: Token) => (t.map ? t.map[0] + 1 : 1);
  for (const t of reader.parse(markdown, {})) {
    if (t.type === 'html_block') problems.push({ line: at(t), message: 'HTML is not allowed in the body; write it in Markdown' });
    // The mail has no table layout (and the text part cannot show one): say so rather than show the pipes.
    if (t.type === 'table_open') problems.push({ line: at(t), message: 'tables are not shown in mail; write the rows as a list' });
    if (t.type !== 'inline') continue;
    let line = at(t);
    let htmlLine = 0;
    for (const c of t.children ?? []) {
      if (c.type === 'softbreak' || c.type === 'hardbreak') line++;
      // One message a line for HTML: `<b>` and its `</b>` are one mistake.
      else if (c.type === 'html_inline') {
        if (htmlLine !== line) problems.push({ line, message: `HTML is not allowed in the body (${c.content}); write it in Markdown` });
        htmlLine = line;
      } else if (c.type === 'image')
        problems.push({ line, message: 'images are not allowed in the body (mail clients block them); link to the picture instead' });
      // The plain-text part cannot strike text through: "~~5~~ 6" would read "5 6" there.
      else if (c.type === 's_open')
        problems.push({ line, message: 'strikethrough (~~…~~) cannot be shown in the plain-text part; say the correction in words' });
      else if (c.type === 'link_open' && !SAFE_LINK.test(c.attrGet('href') ?? '')) {
        problems.push({ line, message: `link "${c.attrGet('href')}" must be http, https or mailto` });
      }
    }
  }
  return problems;
}
