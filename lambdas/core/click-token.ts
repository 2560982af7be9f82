/**
 * Signed click tokens for the redirect `/r/<token>`, and the rule that turns one into a link.
 * Pure: node:crypto only.
 *
 * Format: `c1.<keyId>.<payload>.<signature>`, signed with the same key set as the reader links
 * (tokens.ts: rotation by key id, HMAC-SHA256, constant-time comparison). The `c1` prefix is
 * part of what is signed, so a click token can never pass for an unsubscribe token or the
 * other way round, whatever their payloads say.
 *
 * The payload names the campaign, the article and the link's index within the article (0 the
 * source credit, 1… the `sources` list), never the URL: the redirect reads the URL from the
 * article as stored, so a token can only ever lead to a link an issue contains (no open
 * redirect), and a URL corrected after sending is followed as corrected. It names the reader
 * only when per-reader clicks are turned on; by default one token per link per campaign is
 * signed once, when the campaign is prepared, and every reader's mail carries the same one.
 */
import type { Article, Issue } from './model';
import { seal, unseal, type SigningKeys } from './tokens';

/**
 * What the redirect counts: `aggregate` (per article, nobody's clicks recorded), `per-reader`
 * (also which reader clicked which article, on the reader's ledger entry), `off` (plain links).
 */
export type ClickTracking = 'aggregate' | 'per-reader' | 'off';
export const CLICK_TRACKING_MODES: readonly ClickTracking[] = ['aggregate', 'per-reader', 'off'];
export const DEFAULT_CLICK_TRACKING: ClickTracking = 'aggregate';

/** A digest's campaign is an issue; an alert's campaign is its article. */
export type CampaignKind = 'digest' | 'alert';

export interface ClickTarget {
  kind: CampaignKind;
  /** The issue id (digest) or the article id (alert). */
  campaignId: string;
  articleId: string;
  /** 0: the article's source credit; n ≥ 1: its n-th `sources` link. */
  link: number;
  /** The subject variant of an A/B test ('a', 'b'), when the campaign has variants. */
  variant?: string;
  /** Only in per-reader mode. */
  subscriberId?: string;
}

interface Payload {
  k: 'd' | 'a';
  c: string;
  a: string;
  l: number;
  v?: string;
  s?: string;
}

/** Longer than any token this module signs (ids are slugs of at most a few dozen characters). */
export const MAX_CLICK_TOKEN_LENGTH = 512;
const VERSION = 'c1';
/** Longest base64url payload accepted (the ids inside are bounded far below it). */
const MAX_PAYLOAD_CHARS = 400;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:#-]{0,127}$/;
const VARIANT = /^[a-z]$/;
const MAX_LINKS = 100;

export function signClickToken(keys: SigningKeys, t: ClickTarget): string {
  const payload: Payload = { k: t.kind === 'alert' ? 'a' : 'd', c: t.campaignId, a: t.articleId, l: t.link };
  if (t.variant !== undefined) payload.v = t.variant;
  if (t.subscriberId !== undefined) payload.s = t.subscriberId;
  return seal(keys, VERSION, payload);
}

export type ClickTokenCheck =
  { ok: true; target: ClickTarget } | { ok: false; reason: 'malformed' | 'oversized' | 'unknown-key' | 'bad-signature' };

export function verifyClickToken(keys: SigningKeys, token: unknown): ClickTokenCheck {
  if (typeof token !== 'string') return { ok: false, reason: 'malformed' };
  if (token.length > MAX_CLICK_TOKEN_LENGTH) return { ok: false, reason: 'oversized' };
  const opened = unseal(keys, VERSION, token, MAX_PAYLOAD_CHARS);
  if (!opened.ok) return opened;
  const p = opened.payload as Payload;
  // Signed by us, so well formed unless a key leaked; checked anyway, as the ids become key parts.
  const wellFormed =
    !!p &&
    typeof p === 'object' &&
    (p.k === 'd' || p.k === 'a') &&
    typeof p.c === 'string' &&
    ID.test(p.c) &&
    typeof p.a === 'string' &&
    ID.test(p.a) &&
    Number.isInteger(p.l) &&
    p.l >= 0 &&
    p.l < MAX_LINKS &&
    (p.v === undefined || (typeof p.v === 'string' && VARIANT.test(p.v))) &&
    (p.s === undefined || (typeof p.s === 'string' && ID.test(p.s)));
  if (!wellFormed) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    target: { kind: p.k === 'a' ? 'alert' : 'digest', campaignId: p.c, articleId: p.a, link: p.l, variant: p.v, subscriberId: p.s },
  };
}

/** The links of an article a reader can click, by index: the source credit, then each `sources` link. */
export function articleLinks(a: Pick<Article, 'source' | 'sources'>): string[] {
  return [a.source.url.trim(), ...(a.sources ?? []).map((s) => s.url.trim())];
}

export type ClickResolution =
  { ok: true; url: string } | { ok: false; reason: 'no-campaign' | 'not-in-campaign' | 'no-article' | 'no-link' | 'not-https' };

/**
 * The link a verified token leads to, read from stored content only: the campaign must list the
 * article (an issue's `articleIds`; an alert is its own article), and the index must name one of
 * the article's links. Anything else leads nowhere.
 */
export function resolveClick(target: ClickTarget, issue: Issue | undefined, article: Article | undefined): ClickResolution {
  if (target.kind === 'digest') {
    if (!issue) return { ok: false, reason: 'no-campaign' };
    if (!issue.articleIds.includes(target.articleId)) return { ok: false, reason: 'not-in-campaign' };
  } else if (target.campaignId !== target.articleId) {
    return { ok: false, reason: 'not-in-campaign' };
  }
  if (!article || article.id !== target.articleId) return { ok: false, reason: 'no-article' };
  const url = articleLinks(article)[target.link];
  if (url === undefined) return { ok: false, reason: 'no-link' };
  // Content is checked for https when parsed; checked again, as this becomes a Location header.
  if (!/^https:\/\/[^\s]+$/.test(url)) return { ok: false, reason: 'not-https' };
  return { ok: true, url };
}

/**
 * The link-rewriting function of one campaign (prepare time): every article link becomes
 * `<base>/r/<token>`. In aggregate mode one token per link, whoever reads it.
 */
export function clickLinker(
  keys: SigningKeys,
  base: string,
  campaign: { kind: CampaignKind; campaignId: string; variant?: string; subscriberId?: string },
) {
  const root = base.replace(/\/+$/, '');
  return (articleId: string, link: number) => `${root}/r/${signClickToken(keys, { ...campaign, articleId, link })}`;
}
