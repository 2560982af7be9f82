/**
 * What landed, per campaign (an issue, or an alert's article): read from the ledger (one entry
 * per reader, with what SES reported on it) and the click counts beside it. Counts only: no
 * reader is named, and opens are not tracked at all (see {@link OPENS_NOTE}).
 */
import type { Article, Delivery, Issue } from '../core/model';
import type { ContentStore, Ledger } from '../core/ports';
import type { ClickCounts, SubjectTestRecord, SubjectTests } from '../core/click-ports';
import { FALLBACK_NOTE, fellBack, rateText, testGroup, VARIANTS, type Variant } from '../core/subject-test';

export interface CampaignStatsDeps {
  ledger: Pick<Ledger, 'list'>;
  clicks: Pick<ClickCounts, 'list'>;
  content: Pick<ContentStore, 'getIssue' | 'getArticles'>;
  /** The subject test's record (the winner), for an issue that ran one. @default none: no winner shown */
  subjectTests?: Pick<SubjectTests, 'get'>;
}

/** One subject of an issue's subject test: who got it and how it did. */
export interface SubjectLine {
  variant: Variant;
  subject: string;
  /** Sent to the test's half, and to the rest (the winner only). */
  sentInTest: number;
  sentToRest: number;
  delivered: number;
  clicks: number;
  /** Clicks per delivered message (0 when nothing was delivered), test and rest together. */
  perDelivered: number;
  /** Clicks per delivered message of the test's half when the winner was decided (what decided it). */
  rateAtDecision?: number;
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
  /** An issue's subject test: each subject's line, the share and wait, and the winner once decided. */
  subjectTest?: {
    sharePercent: number;
    waitMinutes: number;
    winner?: Variant;
    /** Decided with no delivery or click data: the first subject won by default ({@link FALLBACK_NOTE}). */
    fellBack?: true;
    lines: SubjectLine[];
  };
}

/** Why there is no open count. */
export const OPENS_NOTE =
  'opens: not tracked, by design (Apple Mail Privacy Protection and image proxies load every pixel, so an open says little)';

/** A ledger entry's subject variant, once the A/B test writes one on it. */
const variantOf = (d: Delivery) => (d as Delivery & { variant?: string }).variant;

export async function campaignStats(deps: CampaignStatsDeps, campaignId: string): Promise<CampaignStats> {
  const [entries, tallies, issue] = await Promise.all([
    deps.ledger.list(campaignId),
    deps.clicks.list(campaignId),
    deps.content.getIssue(campaignId),
  ]);
  const record = issue?.subjectTest ? await deps.subjectTests?.get(campaignId) : undefined;
  // An issue lists its articles in order; an alert's campaign is its article.
  const articleIds = issue ? issue.articleIds : [campaignId];
  const extra = tallies.map((t) => t.articleId).filter((id) => !articleIds.includes(id));
  const articles = new Map((await deps.content.getArticles([...articleIds, ...new Set(extra)])).map((a) => [a.id, a] as [string, Article]));
  return summarise(campaignId, entries, tallies, issue, articles, record);
}

/** The stats of one campaign from what was read; pure. */
export function summarise(
  campaignId: string,
  entries: Delivery[],
  tallies: { articleId: string; variant?: string; clicks: number }[],
  issue: Issue | undefined,
  articles: ReadonlyMap<string, Article>,
  decision?: Pick<SubjectTestRecord, 'winner' | 'rates'>,
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
    s.articles.push({
      articleId: id,
      title: articles.get(id)?.title ?? id,
      clicks,
      perDelivered: s.delivered ? clicks / s.delivered : 0,
      byVariant,
    });
    s.totalClicks += clicks;
  }
  if (issue?.subjectTest) s.subjectTest = subjectLines(issue, entries, tallies, decision);
  return s;
}

/**
 * Each subject's line: a reader's half is the same hash the planner used (core/subject-test.ts),
 * and the rest got the winner; clicks are counted by the variant signed into each link.
 */
function subjectLines(
  issue: Issue,
  entries: Delivery[],
  tallies: { variant?: string; clicks: number }[],
  decision: Pick<SubjectTestRecord, 'winner' | 'rates'> | undefined,
): NonNullable<CampaignStats['subjectTest']> {
  const test = issue.subjectTest!;
  const winner = decision?.winner;
  const lines = VARIANTS.map((variant, i): SubjectLine => ({
    variant,
    subject: test.subjects[i],
    sentInTest: 0,
    sentToRest: 0,
    delivered: 0,
    clicks: 0,
    perDelivered: 0,
  }));
  const line = (v: Variant) => lines[v === 'a' ? 0 : 1];
  for (const d of entries) {
    if (d.status !== 'sent') continue;
    const group = testGroup(issue.id, d.subscriberId, test.sharePercent);
    const v = group ?? winner;
    if (!v) continue;
    if (group) line(v).sentInTest++;
    else line(v).sentToRest++;
    if (d.deliveredAt) line(v).delivered++;
  }
  for (const t of tallies) if (t.variant === 'a' || t.variant === 'b') line(t.variant).clicks += t.clicks;
  for (const l of lines) {
    l.perDelivered = l.delivered ? l.clicks / l.delivered : 0;
    if (decision?.rates) l.rateAtDecision = decision.rates[l.variant];
  }
  const fallback = winner && fellBack(decision?.rates) ? { fellBack: true as const } : {};
  return { sharePercent: test.sharePercent, waitMinutes: test.waitMinutes, ...(winner ? { winner } : {}), ...fallback, lines };
}

/** Hard (permanent) bounces: the ones SES's bounce rate, and the reputation brake, count. */
export const hardBounces = (s: Pick<CampaignStats, 'bouncesByKind'>): number =>
  Object.entries(s.bouncesByKind).reduce((n, [kind, count]) => n + (kind.startsWith('Permanent') ? count : 0), 0);

/**
 * The bounces and complaints line of `status`, from the same figures `stats` prints (the
 * ledger, where every SES event lands, whoever fed it), so the two never disagree.
 */
export function describeOutcomes(s: CampaignStats): string {
  return (
    `bounces and complaints: ${s.bounced} bounced (${hardBounces(s)} hard), ${s.complained} complained, ` +
    `${s.delivered} delivered, of ${s.sent} sent (details: \`stats ${s.campaignId}\`)`
  );
}

const pad = (v: string | number, n: number) => String(v).padStart(n);

/** How a subject test ended, in words (`stats` and `report`). */
export function verdict(t: NonNullable<CampaignStats['subjectTest']>): string {
  if (!t.winner) return 'no winner yet';
  if (t.fellBack) return `the rest got ${t.winner}: ${FALLBACK_NOTE}`;
  return `the rest got ${t.winner} (clicks per delivered message of the test's halves, when decided)`;
}

/** The stats as the `stats` command prints them: a summary table, then clicks per article. */
/** Said above the table when nothing of the campaign is in the ledger. */
export const NOT_SENT_NOTE = '  not sent yet: nothing of it is in the ledger (status <id> says when it goes)';

export function formatStats(s: CampaignStats): string {
  const lines: string[] = [];
  lines.push(`${s.campaignId}${s.title ? `: ${s.title}` : ''}`);
  // Zeros for something never sent would read as a send that reached nobody.
  if (s.sent + s.failed + s.suppressed + (s.inFlight ?? 0) === 0) lines.push(NOT_SENT_NOTE);
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
    lines.push(`  ${title.padEnd(width)}${pad(a.clicks, 8)}${perVariant}${pad(rateText(a.clicks, s.delivered), 15)}`);
  }
  if (s.subjectTest) {
    const t = s.subjectTest;
    lines.push('');
    lines.push(`  subject test: ${t.sharePercent} % of the audience, ${t.waitMinutes / 60} h wait; ${verdict(t)}`);
    const sw = Math.min(50, Math.max(7, ...t.lines.map((l) => l.subject.length)));
    lines.push(
      `  ${'  subject'.padEnd(sw + 3)}${pad('test', 7)}${pad('rest', 7)}${pad('delivered', 11)}${pad('clicks', 8)}${pad('per delivered', 15)}${pad('when decided', 14)}`,
    );
    for (const l of t.lines) {
      const subject = l.subject.length > sw ? `${l.subject.slice(0, sw - 1)}…` : l.subject;
      // A decision with nothing to go on had no rate: its zeros stand for no data, not for none clicked.
      const decided = l.rateAtDecision === undefined || t.fellBack ? '—' : l.rateAtDecision.toFixed(3);
      lines.push(
        `  ${l.variant}  ${subject.padEnd(sw + 1)}${pad(l.sentInTest, 7)}${pad(l.sentToRest, 7)}${pad(l.delivered, 11)}${pad(l.clicks, 8)}${pad(rateText(l.clicks, l.delivered), 15)}${pad(decided, 14)}`,
      );
    }
  }
  lines.push('');
  lines.push(`  ${OPENS_NOTE}`);
  return lines.join('\n');
}
