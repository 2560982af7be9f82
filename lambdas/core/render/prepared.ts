/**
 * Prepared rendering, shared by every mail template (digest, alert, ...).
 *
 * A template pair (HTML + text) is rendered once per campaign with unique marker values in
 * place of the recipient's fields, and the output is cut at the markers. Per recipient, the
 * pieces are joined with that recipient's fields, escaped for HTML exactly as Handlebars
 * escapes them: microseconds instead of a full template run.
 *
 * This relies on the templates using recipient fields only as plain `{{recipient.x}}`
 * values. Before returning, a probe recipient is rendered both ways; if the results differ
 * (a template passes a recipient field through a helper or a condition), this throws
 * instead of sending wrong mail.
 */
import { randomBytes } from 'node:crypto';
import Handlebars from 'handlebars';
import { bodyText, type SplitBody } from '../mime/base64';
import { wrapText } from './text';

export type RecipientFields<F extends string> = Record<F, string>;

/** A template pair ready to be filled for any number of recipients; its functions need no `this`. */
export interface PreparedTemplates<F extends string> {
  render: (r: RecipientFields<F>) => { html: string; text: string };
  /**
   * The same bodies, each split after the text that comes before the first recipient field:
   * that beginning is the same string object for every recipient, so the MIME builder
   * encodes it once per campaign (see mime/base64).
   */
  renderSplit: (r: RecipientFields<F>) => { html: SplitBody; text: SplitBody };
}

export interface TemplatePair<F extends string> {
  /** Names the template in errors (`digest`, `alert`). */
  name: string;
  /** Full template runs (the reference route). `recipient` is the object the templates see. */
  html(data: object): string;
  text(data: object): string;
  /** The recipient's fields, in no particular order. */
  fields: readonly F[];
  /** Fields folded at 72 columns in the text part (prose such as a reason line). */
  foldInText?: readonly F[];
  /** Applied to the rendered HTML (after each full run, and to the prepared output). */
  postHtml?: (html: string) => string;
  /** A recipient whose fields hold every character HTML escaping changes. */
  probe: RecipientFields<F>;
}

interface FillPlan<F extends string> {
  statics: string[];
  fields: F[];
}

function fillPlan<F extends string>(rendered: string, markerPattern: RegExp, tag: string): FillPlan<F> {
  const statics: string[] = [];
  const fields: F[] = [];
  let cursor = 0;
  for (const m of rendered.matchAll(markerPattern)) {
    statics.push(rendered.slice(cursor, m.index));
    fields.push(m[1] as F);
    cursor = m.index + m[0].length;
  }
  statics.push(rendered.slice(cursor));
  // A marker that survived somewhere the pattern did not match would ship to readers.
  if (statics.some((s) => s.includes(tag))) throw new Error('render: a recipient field marker was altered by a template');
  return { statics, fields };
}

function fill<F extends string>(plan: FillPlan<F>, values: RecipientFields<F>): SplitBody {
  let rest = '';
  for (let i = 0; i < plan.fields.length; i++) rest += values[plan.fields[i]] + plan.statics[i + 1];
  return { shared: plan.statics[0], rest };
}

/** Refuse a recipient whose fields are missing or empty: a mail without them must not go out. */
export function checkRecipient<F extends string>(name: string, fields: readonly F[], r: RecipientFields<F>): void {
  for (const key of fields) {
    if (typeof r[key] !== 'string' || r[key].length === 0) throw new Error(`${name} recipient: ${key} is missing`);
  }
}

/** The recipient as the text part shows it: prose fields folded at 72 columns. */
function forText<F extends string>(pair: TemplatePair<F>, r: RecipientFields<F>): RecipientFields<F> {
  if (!pair.foldInText?.length) return r;
  const out = { ...r };
  for (const f of pair.foldInText) out[f] = wrapText(r[f]);
  return out;
}

/** Render one recipient by running both templates in full: the reference route. */
export function renderFull<F extends string>(pair: TemplatePair<F>, view: object, r: RecipientFields<F>): { html: string; text: string } {
  checkRecipient(pair.name, pair.fields, r);
  const post = pair.postHtml ?? ((h: string) => h);
  return { html: post(pair.html({ ...view, recipient: r })), text: pair.text({ ...view, recipient: forText(pair, r) }) };
}

export function prepareTemplates<F extends string>(pair: TemplatePair<F>, view: object): PreparedTemplates<F> {
  // Letters and digits only, so escaping and folding leave the markers intact; random, so
  // no article text can contain one.
  const tag = `rcpt${randomBytes(9).toString('hex')}`;
  const markers = Object.fromEntries(pair.fields.map((f) => [f, `${tag}${f}`])) as RecipientFields<F>;
  const pattern = new RegExp(`${tag}(${pair.fields.join('|')})`, 'g');
  const post = pair.postHtml ?? ((h: string) => h);
  const htmlPlan = fillPlan<F>(post(pair.html({ ...view, recipient: markers })), pattern, tag);
  const textPlan = fillPlan<F>(pair.text({ ...view, recipient: markers }), pattern, tag);
  const esc = Handlebars.escapeExpression;

  const renderSplit = (r: RecipientFields<F>) => {
    checkRecipient(pair.name, pair.fields, r);
    const escaped = {} as RecipientFields<F>;
    for (const f of pair.fields) escaped[f] = esc(r[f]);
    return { html: fill(htmlPlan, escaped), text: fill(textPlan, forText(pair, r)) };
  };
  const render = (r: RecipientFields<F>) => {
    const { html, text } = renderSplit(r);
    return { html: bodyText(html), text: bodyText(text) };
  };

  const fast = render(pair.probe);
  const full = renderFull(pair, view, pair.probe);
  if (fast.html !== full.html || fast.text !== full.text) {
    throw new Error(
      `${pair.name}: the templates use a recipient field in a way the prepared renderer cannot fill (only plain {{recipient.x}} is supported)`,
    );
  }
  return { render, renderSplit };
}
