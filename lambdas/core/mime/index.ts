/**
 * Builds the raw MIME messages handed to SES SendRawEmail.
 *
 * The MIME structure is defined by nodemailer's MailComposer, a well-kept MIME library; no
 * MIME is written here by string concatenation. Because a fresh MailComposer per message is
 * too slow for a campaign (its streams and quoted-printable encoding cost more than the rest
 * of a send), {@link prepareMessage} builds ONE message per campaign with MailComposer in
 * which every per-recipient value is a unique slot marker:
 *
 * - To, Message-ID and Date are MailComposer's own fields, set to marker values that pass
 *   through its encoding unchanged;
 * - List-Unsubscribe is a "prepared" header value `<marker>`;
 * - the text and HTML parts are MailComposer `raw` alternatives: their part headers
 *   (`Content-Type: ...; charset=utf-8`, `Content-Transfer-Encoding: base64`) followed by a
 *   marker as the body.
 *
 * That skeleton is split at the markers once. Per recipient, the builder validates the
 * address and URL, base64-encodes the two bodies (reusing the encoding of the text all
 * bodies of the campaign share, see ./base64) and joins the pieces: the library decided
 * every byte outside the slots, and the slots hold only values that need no further encoding
 * (a checked ASCII address, a checked ASCII URL, base64 text, a UUID, a date).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Options as MailOptions } from 'nodemailer/lib/mail-composer';
import { assertAddress, assertConfigurationSet, assertHttpUrl, assertListId, assertNoControl, InvalidHeaderValueError } from './validate';
import { bodyText, PrefixCachedBase64, type Body, type SplitBody } from './base64';
import { TRANSACTIONAL_TAG } from '../model';

export { base64Lines, type Body, type SplitBody } from './base64';
export { HeaderInjectionError, InvalidHeaderValueError, MessageInputError } from './validate';

/** What stays the same for every message of a campaign. */
export interface MessageSpec {
  /** Sender: the display name is UTF-8 (the library encodes it); the address must be plain ASCII. */
  from: { name: string; address: string };
  /** Subject line, UTF-8 (the library encodes it). */
  subject: string;
  /**
   * List-Id (RFC 2919): `id` is a dot-atom such as `eu-japan-security-brief.briefing.example.org`;
   * `name` is the list's name, written as an ASCII phrase (dashes and accents are folded to
   * ASCII, anything else non-ASCII is dropped) so the header needs no encoded words.
   */
  listId: { id: string; name: string };
  /** SES configuration set, sent as `X-SES-CONFIGURATION-SET` when given. */
  configurationSet?: string;
  /** Where replies go (`Reply-To`), a plain ASCII address; none when absent. */
  replyTo?: string;
  /**
   * Mark the message `Auto-Submitted: auto-generated` (RFC 3834): a confirmation or a welcome,
   * sent because of something the reader did, not a mailing. Auto-responders do not answer it.
   * It is also tagged for SES (`X-SES-MESSAGE-TAGS: kind=transactional`, which SES removes
   * before delivery), so its bounce and complaint events can be told from a campaign's.
   */
  autoSubmitted?: boolean;
  /** Clock for the Date header; defaults to the system clock. */
  now?: () => Date;
}

/** What differs per recipient. */
export interface RecipientParts {
  /** Recipient address (plain ASCII address, see {@link assertAddress}). */
  to: string;
  /** RFC 8058 one-click unsubscribe URL (https or http, no mailto). */
  unsubscribeUrl: string;
  /** The bodies, whole or split after the beginning every message of the campaign shares. */
  html: Body;
  text: Body;
}

/** Builds one recipient's raw message. Throws a {@link MessageInputError} for bad input. */
export type MessageBuilder = (r: RecipientParts) => Buffer;

/** `EU–Japan Security Brief` → `EU-Japan Security Brief`: an ASCII phrase for List-Id. */
export function asciiPhrase(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u00b7\u2022]/g, '-')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  // A phrase of atoms needs no quotes; anything with specials goes in a quoted string.
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(folded) ? folded : `"${folded.replace(/(["\\])/g, '\\$1')}"`;
}

/** Validate the campaign-wide fields before anything is built. */
function checkSpec(spec: MessageSpec): void {
  assertNoControl('subject', spec.subject);
  if (!spec.subject.trim()) throw new InvalidHeaderValueError('subject', 'is empty');
  assertNoControl('from.name', spec.from.name);
  assertAddress('from.address', spec.from.address);
  assertNoControl('listId.name', spec.listId.name);
  assertListId('listId.id', spec.listId.id);
  if (spec.configurationSet !== undefined) assertConfigurationSet('configurationSet', spec.configurationSet);
  if (spec.replyTo !== undefined) assertAddress('replyTo', spec.replyTo);
}

/** The headers besides From/To/Subject/Message-ID/Date, shared by both builds. */
function campaignHeaders(spec: MessageSpec, unsubscribeUrl: string): NonNullable<MailOptions['headers']> {
  const phrase = asciiPhrase(spec.listId.name);
  const headers: NonNullable<MailOptions['headers']> = {
    // Prepared values go out exactly as given: the angle brackets must not be encoded.
    'List-Unsubscribe': { prepared: true, value: `<${unsubscribeUrl}>` },
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': { prepared: true, value: phrase ? `${phrase} <${spec.listId.id}>` : `<${spec.listId.id}>` },
  };
  if (spec.configurationSet) headers['X-SES-CONFIGURATION-SET'] = spec.configurationSet;
  if (spec.autoSubmitted) {
    headers['Auto-Submitted'] = 'auto-generated';
    headers['X-SES-MESSAGE-TAGS'] = `${TRANSACTIONAL_TAG.name}=${TRANSACTIONAL_TAG.value}`;
  }
  return headers;
}

const senderDomain = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** The Date header as MailComposer writes it (RFC 5322, UTC). */
const formatDate = (d: Date) => d.toUTCString().replace(/GMT/, '+0000');

/** Part headers of the two alternatives; the body follows after the blank line. */
const TEXT_PART_HEAD = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n';
const HTML_PART_HEAD = 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n';

/** Run MailComposer and return the whole raw message. */
async function compose(options: MailOptions): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/**
 * Build one message the plain way: a fresh MailComposer with the whole content. Slower than
 * {@link prepareMessage}, but the reference for it, and fine for one-off mails.
 */
export async function composeMessage(spec: MessageSpec, r: RecipientParts): Promise<Buffer> {
  checkSpec(spec);
  assertAddress('to', r.to);
  assertHttpUrl('unsubscribeUrl', r.unsubscribeUrl);
  return compose({
    from: { name: spec.from.name, address: spec.from.address },
    to: r.to,
    ...(spec.replyTo ? { replyTo: spec.replyTo } : {}),
    subject: spec.subject,
    messageId: `<${randomUUID()}@${senderDomain(spec.from.address)}>`,
    date: (spec.now ?? (() => new Date()))(),
    headers: campaignHeaders(spec, r.unsubscribeUrl),
    text: bodyText(r.text),
    html: bodyText(r.html),
  });
}

const isBody = (b: unknown): b is Body =>
  typeof b === 'string' ||
  (typeof b === 'object' && b !== null && typeof (b as SplitBody).shared === 'string' && typeof (b as SplitBody).rest === 'string');

/** Slot names, in no particular order; their order in the skeleton is found by searching. */
type SlotName = 'to' | 'unsubscribeUrl' | 'messageId' | 'date' | 'text' | 'html';

/**
 * Build the campaign's skeleton with MailComposer and return a fast per-recipient builder.
 * Validates the campaign fields first: a CR/LF (or other control character) in the subject,
 * display name or an address throws {@link HeaderInjectionError} before anything is built.
 */
export async function prepareMessage(spec: MessageSpec): Promise<MessageBuilder> {
  checkSpec(spec);
  const now = spec.now ?? (() => new Date());
  const domain = senderDomain(spec.from.address);

  // Markers: letters and digits only, so MailComposer passes them through untouched, and
  // random, so no content of the message can contain one by accident.
  const tag = randomBytes(12).toString('hex');
  const marker = (name: string) => `slot${tag}${name}`;
  const slotText: Record<SlotName, string> = {
    // nodemailer ignores `prepared` for address headers (To is always parsed and re-encoded),
    // so the To slot is a plain address, which it writes unchanged, as it will the real one.
    to: `${marker('to')}@slot.invalid`,
    unsubscribeUrl: marker('unsub'),
    messageId: marker('mid'),
    date: marker('date'),
    text: marker('text'),
    html: marker('html'),
  };

  const skeleton = (
    await compose({
      from: { name: spec.from.name, address: spec.from.address },
      to: slotText.to,
      ...(spec.replyTo ? { replyTo: spec.replyTo } : {}),
      subject: spec.subject,
      messageId: `<${slotText.messageId}@${domain}>`,
      date: slotText.date,
      headers: campaignHeaders(spec, slotText.unsubscribeUrl),
      text: { raw: TEXT_PART_HEAD + slotText.text },
      html: { raw: HTML_PART_HEAD + slotText.html },
    })
  ).toString('latin1');

  // Split once at the markers, in the order they occur.
  const found = (Object.keys(slotText) as SlotName[])
    .map((name) => {
      const at = skeleton.indexOf(slotText[name]);
      if (at < 0 || skeleton.indexOf(slotText[name], at + 1) >= 0) {
        throw new Error(`mime skeleton: slot ${name} not found exactly once`);
      }
      return { name, at, end: at + slotText[name].length };
    })
    .sort((a, b) => a.at - b.at);
  const statics: string[] = [];
  let cursor = 0;
  for (const slot of found) {
    statics.push(skeleton.slice(cursor, slot.at));
    cursor = slot.end;
  }
  statics.push(skeleton.slice(cursor));
  const order = found.map((s) => s.name);

  // The Date header changes once a second; format it at most once a second.
  let dateSecond = -1;
  let dateValue = '';
  const currentDate = () => {
    const t = now();
    const second = Math.floor(t.getTime() / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateValue = formatDate(t);
    }
    return dateValue;
  };

  // Every byte of the skeleton is ASCII (the library encodes all headers), so latin1 is exact.
  const staticBuffers = statics.map((s) => Buffer.from(s, 'latin1'));
  const textBodies = new PrefixCachedBase64();
  const htmlBodies = new PrefixCachedBase64();

  return (r: RecipientParts): Buffer => {
    assertAddress('to', r.to);
    assertHttpUrl('unsubscribeUrl', r.unsubscribeUrl);
    if (!isBody(r.html) || !isBody(r.text))
      throw new InvalidHeaderValueError('body', 'html and text must be strings (or split bodies of two strings)');
    const ascii = (s: string) => [Buffer.from(s, 'latin1')];
    const values: Record<SlotName, Buffer[]> = {
      to: ascii(r.to),
      unsubscribeUrl: ascii(r.unsubscribeUrl),
      messageId: ascii(randomUUID()),
      date: ascii(currentDate()),
      text: textBodies.encode(r.text),
      html: htmlBodies.encode(r.html),
    };
    const pieces: Buffer[] = [staticBuffers[0]];
    for (let i = 0; i < order.length; i++) pieces.push(...values[order[i]], staticBuffers[i + 1]);
    return Buffer.concat(pieces);
  };
}
