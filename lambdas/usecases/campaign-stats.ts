/**
 * What landed, per campaign (an issue, or an alert's article): read from the ledger (one entry
 * per reader, with what SES reported on it) and the click counts beside it. Counts only: no
 * reader is named, and opens are not tracked at all (see {@link OPENS_NOTE}).
 */
import type { Article, Delivery, Issue } from '../core/model';
import type { ClickCounts, ContentStore, Ledger } from '../core/ports';

export interface CampaignStatsDeps {
  ledger: Pick<Ledger, 'list'>;
  clicks: Pick<ClickCounts, 'list'>;
  content: Pick<ContentStore, 'getIssue' | 'getArticles'>;
}

export interface ArticleClicks {
  articleId: string;
  /** The article's title, or its id when it is no longer stored. */
  title: string;
  clicks: number;
  /** Clicks per delivered message (0 when nothing was delivered). */
  perDelivered: number;
  /** Clicks per subject variant, when the campaign has variants. */
  byVariant: Record<string, number>;
}

export interface CampaignStats {
  campaignId: string;
  /** The issue's (or alert's article's) title; undefined when the campaign is neither. */
  title?: string;
  /** Messages SES accepted (ledger status `sent`). */
  sent: number;
  /** Of those, SES reported delivered. */
  delivered: number;
  bounced: number;
  /** Bounces by SES's type and sub-type (`Permanent/General`, `Transient/MailboxFull`, ...). */
  bouncesByKind: Record<string, number>;
  complained: number;
  /** Left, unsubscribed or suppressed between planning and sending. */
  suppressed: number;
  failed: number;
  /** Claimed and not finished (a send under way, or a sender that died: `resume` finishes it). */
  inFlight: number;
  /** Subject variants seen (A/B test), sorted; empty for a campaign with one subject. */
  variants: string[];
  articles: ArticleClicks[];
  totalClicks: number;
  /** Messages sent per minute (ISO minute `YYYY-MM-DDTHH:MM`), in time order. */
  sendsPerMinute: { minute: string; sent: number }[];
}

/** Why there is no open count. */
export const OPENS_NOTE = 'opens: not tracked, by design (Apple Mail Privacy Protection and image proxies load every pixel, so an open says little)';

/** A ledger entry's subject variant, once the A/B test writes one on it. */
const variantOf = (d: Delivery) => (d as Delivery & { variant?: string }).variant;

export async function campaignStats(deps: CampaignStatsDeps, campaignId: string): Promise<CampaignStats> {
  const [entries, tallies, issue] = await Promise.all([deps.ledger.list(campaignId), deps.clicks.list(campaignId), deps.content.getIssue(campaignId)]);
  // An issue lists its articles in order; an alert's campaign is its article.
  const articleIds = issue ? issue.articleIds : [campaignId];
  const extra = tallies.map((t) => t.articleId).filter((id) => !articleIds.includes(id));
  const articles = new Map((await deps.content.getArticles([...articleIds, ...new Set(extra)])).map((a) => [a.id, a] as [string, Article]));
  return summarise(campaignId, entries, tallies, issue, articles);
}

/** The stats of one campaign from what was read; pure. */
export function summarise(
  campaignId: string,
  entries: Delivery[],
  tallies: { articleId: string; variant?: string; clicks: number }[],
  issue: Issue | undefined,
  articles: ReadonlyMap<string, Article>,
): CampaignStats {
  const s: CampaignStats = {
    campaignId,
    title: issue?.title ?? articles.get(campaignId)?.title,
    sent: 0,
    delivered: 0,
    bounced: 0,
    bouncesByKind: {},
    complained: 0,
    suppressed: 0,
    failed: 0,
    inFlight: 0,
    variants: [],
    articles: [],
    totalClicks: 0,
    sendsPerMinute: [],
  };
  const variants = new Set<string>();
  const perMinute = new Map<string, number>();
  for (const d of entries) {
    if (d.status === 'sent') {
      s.sent++;
      if (d.sentAt) perMinute.set(d.sentAt.slice(0, 16), (perMinute.get(d.sentAt.slice(0, 16)) ?? 0) + 1);
    } else if (d.status === 'failed') s.failed++;
    else if (d.status === 'suppressed') s.suppressed++;
    else if (d.status === 'claimed') s.inFlight++;
    if (d.deliveredAt) s.delivered++;
    if (d.bouncedAt || d.bounceType) {
      s.bounced++;
      const kind = d.bounceType ?? 'Unknown';
      s.bouncesByKind[kind] = (s.bouncesByKind[kind] ?? 0) + 1;
    }
    if (d.complainedAt) s.complained++;
    const v = variantOf(d);
    if (v) variants.add(v);
  }
  for (const t of tallies) if (t.variant) variants.add(t.variant);
  s.variants = [...variants].sort();
  s.sendsPerMinute = [...perMinute].sort(([a], [b]) => a.localeCompare(b)).map(([minute, sent]) => ({ minute, sent }));

  const order = issue ? issue.articleIds : [campaignId];
  const ids = [...order, ...new Set(tallies.map((t) => t.articleId).filter((id) => !order.includes(id)))];
  for (const id of ids) {
    const mine = tallies.filter((t) => t.articleId === id);
    const clicks = mine.reduce((n, t) => n + t.clicks, 0);
    const byVariant: Record<string, number> = {};
    for (const t of mine) if (t.variant) byVariant[t.variant] = (byVariant[t.variant] ?? 0) + t.clicks;
    s.articles.push({ articleId: id, title: articles.get(id)?.title ?? id, clicks, perDelivered: s.delivered ? clicks / s.delivered : 0, byVariant });
    s.totalClicks += clicks;
  }
  return s;
}

const pad = (v: string | number, n: number) => String(v).padStart(n);
const rate = (x: number) => x.toFixed(3);

/** The stats as the `stats` command prints them: a summary table, then clicks per article. */
export function formatStats(s: CampaignStats): string {
  const lines: string[] = [];
  lines.push(`${s.campaignId}${s.title ? `: ${s.title}` : ''}`);
  const rows: [string, number][] = [
    ['sent', s.sent],
    ['delivered', s.delivered],
    ['bounced', s.bounced],
    ...Object.entries(s.bouncesByKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => [`  ${k}`, n] as [string, number]),
    ['complained', s.complained],
    ['suppressed', s.suppressed],
    ['failed', s.failed],
    ...(s.inFlight ? [['in flight', s.inFlight] as [string, number]] : []),
    ['clicks', s.totalClicks],
  ];
  for (const [label, n] of rows) lines.push(`  ${label.padEnd(22)}${pad(n, 8)}`);
  lines.push('');
  const width = Math.min(60, Math.max(7, ...s.articles.map((a) => a.title.length)));
  const variantHead = s.variants.map((v) => pad(`clicks ${v}`, 10)).join('');
  lines.push(`  ${'article'.padEnd(width)}${pad('clicks', 8)}${variantHead}${pad('per delivered', 15)}`);
  for (const a of s.articles) {
    const title = a.title.length > width ? `${a.title.slice(0, width - 1)}…` : a.title;
    const perVariant = s.variants.map((v) => pad(a.byVariant[v] ?? 0, 10)).join('');
    lines.push(`  ${title.padEnd(width)}${pad(a.clicks, 8)}${perVariant}${pad(rate(a.perDelivered), 15)}`);
  }
  lines.push('');
  lines.push(`  ${OPENS_NOTE}`);
  return lines.join('\n');
}
