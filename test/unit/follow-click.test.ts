/**
 * Counting a click is best effort (usecases/follow-click.ts): a count that fails or stalls never
 * keeps the reader from the article. Bad inputs tried: a count write that is refused, and one
 * that never answers (a stalled table).
 */
import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { signClickToken } from '../../lambdas/core/click-token';
import type { Article, Issue } from '../../lambdas/core/model';
import type { ClickCounts } from '../../lambdas/core/click-ports';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { CountTooSlow, followClick } from '../../lambdas/usecases/follow-click';

const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));
const article = {
  kind: 'article',
  id: 'pact',
  title: 'A',
  source: { name: 'N', url: 'https://news.example.net/pact' },
  sources: [],
} as unknown as Article;
const issue = { kind: 'issue', id: 'issue-1', articleIds: ['pact'] } as unknown as Issue;
const content = { getIssue: () => Promise.resolve(issue), getArticles: () => Promise.resolve([article]) };
const token = signClickToken(keys, { kind: 'digest', campaignId: 'issue-1', articleId: 'pact', link: 0 });
const clicks = (count: ClickCounts['count']): ClickCounts => ({
  count,
  noteReader: () => Promise.resolve(),
  list: () => Promise.resolve([]),
});

describe('following a tracked link', () => {
  it('counts the click and says where to go', async () => {
    let counted = 0;
    const r = await followClick(
      { keys: () => Promise.resolve(keys), content, clicks: clicks(() => Promise.resolve(void counted++)) },
      token,
      {
        count: true,
      },
    );
    expect(r).toEqual({ ok: true, url: 'https://news.example.net/pact', counted: true });
    expect(counted).toBe(1);
  });

  it('goes to the article when the count is refused (throttled), with the error for the log', async () => {
    const refused = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const r = await followClick({ keys: () => Promise.resolve(keys), content, clicks: clicks(() => Promise.reject(refused)) }, token, {
      count: true,
    });
    expect(r).toEqual({ ok: true, url: 'https://news.example.net/pact', counted: false, countError: refused });
  });

  it('goes to the article when the count never answers (a stalled table): the reader waits at most the count wait', async () => {
    const r = await followClick(
      { keys: () => Promise.resolve(keys), content, clicks: clicks(() => new Promise(() => undefined)), countWaitMs: 50 },
      token,
      { count: true },
    );
    expect(r).toMatchObject({ ok: true, url: 'https://news.example.net/pact', counted: false, countError: expect.any(CountTooSlow) });
  });
});
