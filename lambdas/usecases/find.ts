/**
 * The operator's listings: issues and articles with their state, and a campaign's deliveries
 * with the reader each one went to.
 */
import { maskEmail } from '../core/address';
import { articleState, issueState, type ContentCatalog, type ContentState, type Page } from '../core/find';
import type { Article, Delivery, Issue } from '../core/model';
import type { CampaignCounters, Ledger, SubscriberStore } from '../core/ports';

export interface IssueRow {
  issue: Issue;
  state: ContentState;
}

export interface ArticleRow {
  article: Article;
  state: ContentState;
  /** The issues it is in, newest first. */
  issues: string[];
}

/** One page of issues, newest first, each with its state (its campaign counters say whether it went). */
export async function listIssues(
  deps: { catalog: ContentCatalog; counters: Pick<CampaignCounters, 'get'> },
  limit: number,
  cursor?: string,
): Promise<Page<IssueRow>> {
  const page = await deps.catalog.page('issue', limit, cursor);
  const rows = await Promise.all(page.rows.map(async (issue) => ({ issue, state: issueState(issue, await deps.counters.get(issue.id)) })));
  return { rows, next: page.next };
}

/**
 * One page of articles, newest first, each with its state: from its alert and from the issues it
 * is in. Every issue is read to find those (page by page; issues are few next to articles).
 */
export async function listArticles(
  deps: { catalog: ContentCatalog; counters: Pick<CampaignCounters, 'get'> },
  limit: number,
  cursor?: string,
): Promise<Page<ArticleRow>> {
  const page = await deps.catalog.page('article', limit, cursor);
  const wanted = new Set(page.rows.map((a) => a.id));
  const containing = new Map<string, { id: string; state: ContentState }[]>();
  let issuesCursor: string | undefined;
  do {
    const issues = await deps.catalog.page('issue', 100, issuesCursor);
    for (const issue of issues.rows) {
      const ids = issue.articleIds.filter((id) => wanted.has(id));
      if (!ids.length) continue;
      const state = issueState(issue, await deps.counters.get(issue.id));
      for (const id of ids) containing.set(id, [...(containing.get(id) ?? []), { id: issue.id, state }]);
    }
    issuesCursor = issues.next;
  } while (issuesCursor);
  const rows = page.rows.map((article) => {
    const issues = containing.get(article.id) ?? [];
    return {
      article,
      state: articleState(
        article,
        issues.map((i) => i.state),
      ),
      issues: issues.map((i) => i.id),
    };
  });
  return { rows, next: page.next };
}

export interface DeliveryRow extends Delivery {
  /** The reader's address, masked (`a***@example.com`) unless asked for in full; `(erased)` when the reader is gone. */
  address: string;
}

/**
 * A campaign's ledger with the address of each reader (the ledger keeps only ids), looked up a few
 * at a time. Addresses are masked unless `showAddresses`.
 */
export async function deliveriesWithAddresses(
  deps: { ledger: Ledger; subscribers: Pick<SubscriberStore, 'getById'> },
  campaignId: string,
  options: { showAddresses?: boolean; concurrency?: number } = {},
): Promise<DeliveryRow[]> {
  const rows = await deps.ledger.list(campaignId);
  const out: DeliveryRow[] = new Array<DeliveryRow>(rows.length);
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      const s = await deps.subscribers.getById(rows[i].subscriberId);
      const address = s ? (options.showAddresses ? (s.emailAsTyped ?? s.email) : maskEmail(s.emailAsTyped ?? s.email)) : '(erased)';
      out[i] = { ...rows[i], address };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, rows.length) }, worker));
  return out;
}
