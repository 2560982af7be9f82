/**
 * A click on a tracked link (`/r/<token>`): verify the token, find the link in stored content,
 * count the click, say where to go. Nothing else changes: the count is the only write, and a
 * request that is not to be counted (HEAD, as link scanners send) writes nothing at all.
 * Counting is best effort: when the count cannot be written (throttled, refused) or takes longer
 * than a second, the reader still goes to the article and the result carries the error for the log.
 */
import { resolveClick, verifyClickToken } from '../core/click-token';
import type { Article, Issue } from '../core/model';
import type { ContentStore } from '../core/ports';
import type { ClickCounts } from '../core/click-ports';
import type { SigningKeys } from '../core/tokens';

export interface FollowClickDeps {
  keys: () => Promise<SigningKeys>;
  content: Pick<ContentStore, 'getIssue' | 'getArticles'>;
  clicks: ClickCounts;
  /** How long the reader waits for the count: past it they go on and the count finishes (or not) behind them. @default 1000 */
  countWaitMs?: number;
}

/** The error a count that outlasted {@link FollowClickDeps.countWaitMs} is logged with. */
export class CountTooSlow extends Error {
  name = 'CountTooSlow';
}

export type FollowClickResult = { ok: true; url: string; counted: boolean; countError?: unknown } | { ok: false; reason: string };

export async function followClick(deps: FollowClickDeps, token: string, options: { count: boolean }): Promise<FollowClickResult> {
  const check = verifyClickToken(await deps.keys(), token);
  if (!check.ok) return { ok: false, reason: check.reason };
  const t = check.target;
  const [issue, [article]] = await Promise.all([
    t.kind === 'digest' ? deps.content.getIssue(t.campaignId) : Promise.resolve<Issue | undefined>(undefined),
    deps.content.getArticles([t.articleId]) as Promise<(Article | undefined)[]>,
  ]);
  const where = resolveClick(t, issue, article);
  if (!where.ok) return { ok: false, reason: where.reason };
  if (!options.count) return { ok: true, url: where.url, counted: false };
  const waitMs = deps.countWaitMs ?? 1_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tooSlow = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new CountTooSlow(`the count took over ${waitMs} ms`)), waitMs)),
  );
  const counting = [
    deps.clicks.count(t.campaignId, t.articleId, t.variant),
    t.subscriberId ? deps.clicks.noteReader(t.campaignId, t.subscriberId, t.articleId) : undefined,
  ];
  const writes = await Promise.allSettled(counting.map((w) => Promise.race([w, tooSlow])));
  clearTimeout(timer);
  // A write that lost the race may still fail later: that failure is the one already logged.
  for (const w of counting) w?.catch(() => undefined);
  const failed = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed) return { ok: true, url: where.url, counted: false, countError: failed.reason };
  return { ok: true, url: where.url, counted: true };
}
