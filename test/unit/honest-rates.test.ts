/**
 * Honest numbers in `stats`, `report` and the planner's log: a click rate with no delivered
 * message is "—" (no rate), not 0.000; a subject test decided with no delivery or click data
 * says it fell back to the first subject, and one decided on real figures does not.
 */
import type { Article, Delivery } from '../../lambdas/core/model';
import { FALLBACK_NOTE } from '../../lambdas/core/subject-test';
import { formatStats, NOT_SENT_NOTE, summarise } from '../../lambdas/usecases/campaign-stats';
import { subjectTestWinner } from '../../lambdas/usecases/subject-test';
import { reportHtml } from '../../lib/ops/stats-report';
import { MemorySubjectTests } from './fakes';
import { plainArticle, plainIssue } from './fixtures';

const articles = new Map<string, Article>([['a1', plainArticle('a1', { title: 'Pact signed' })]]);
const sent = (n: number, d: Partial<Delivery> = {}): Delivery => ({
  campaignId: 'i1',
  subscriberId: `s${n}`,
  status: 'sent',
  claimedAt: '2026-12-01T07:00:00Z',
  sentAt: '2026-12-01T07:00:01Z',
  ...d,
});
const testIssue = plainIssue('i1', { subjectTest: { subjects: ['First', 'Second'], sharePercent: 100, waitMinutes: 60 } });
const html = (s: ReturnType<typeof summarise>) => reportHtml({ stats: s, chartJs: '', generatedAt: new Date('2026-12-01T12:00:00Z') });
/** The `per delivered` cell of the article row, in the table and in the report. */
const articleRate = (text: string) => /Pact signed\s+\d+\s+(\S+)/.exec(text)?.[1];
const reportRate = (page: string) => /<td>Pact signed<\/td><td class="clicks">\d+<\/td><td>([^<]*)<\/td>/.exec(page)?.[1];

describe('a rate with no delivered message', () => {
  it('is "—" in stats and report when SES reported no delivery (clicks or not)', () => {
    const s = summarise('i1', [sent(1), sent(2)], [{ articleId: 'a1', clicks: 1 }], plainIssue('i1'), articles);
    expect(s.delivered).toBe(0);
    expect(articleRate(formatStats(s))).toBe('—');
    expect(reportRate(html(s))).toBe('—');
  });

  it('is a number once messages were delivered, 0.000 included when none was clicked', () => {
    const s = summarise('i1', [sent(1, { deliveredAt: '2026-12-01T07:00:02Z' })], [], plainIssue('i1'), articles);
    expect(articleRate(formatStats(s))).toBe('0.000');
    expect(reportRate(html(s))).toBe('0.000');
  });
});

describe('a subject test with nothing to decide on', () => {
  it('says it fell back to the first subject in stats and report, and shows no rate at decision', () => {
    const s = summarise('i1', [sent(1), sent(2)], [], testIssue, articles, { winner: 'a', rates: { a: 0, b: 0 } });
    expect(s.subjectTest?.fellBack).toBe(true);
    const table = formatStats(s);
    expect(table).toContain(`the rest got a: ${FALLBACK_NOTE}`);
    // The subject rows: per delivered and when decided are both "no rate".
    for (const subject of ['First', 'Second']) expect(table).toMatch(new RegExp(`${subject}\\s+(\\d+\\s+){4}—\\s+—`));
    expect(html(s)).toContain(FALLBACK_NOTE);
  });

  it('says nothing of a fallback when the test was decided on real figures', () => {
    const s = summarise('i1', [sent(1)], [], testIssue, articles, { winner: 'b', rates: { a: 0.1, b: 0.3 } });
    expect(s.subjectTest?.fellBack).toBeUndefined();
    expect(formatStats(s)).not.toContain(FALLBACK_NOTE);
    expect(html(s)).not.toContain(FALLBACK_NOTE);
  });

  it('logs the fallback when the planner decides it, and not when clicks decided', async () => {
    const logs: [string, Record<string, unknown>][] = [];
    const log = (m: string, f: Record<string, unknown>) => void logs.push([m, f]);
    const tests = new MemorySubjectTests();
    const deps = (outcomes: { a: [number, number]; b: [number, number] }) => ({
      get: (id: string) => tests.get(id),
      markTestQueued: tests.markTestQueued.bind(tests),
      decide: tests.decide.bind(tests),
      outcomes: () =>
        Promise.resolve({
          a: { delivered: outcomes.a[0], clicks: outcomes.a[1] },
          b: { delivered: outcomes.b[0], clicks: outcomes.b[1] },
        }),
      log,
    });
    const at = new Date('2026-12-01T08:00:00Z');
    expect(await subjectTestWinner(deps({ a: [0, 0], b: [0, 0] }), 'nothing', testIssue.subjectTest!, at)).toBe('a');
    expect(await subjectTestWinner(deps({ a: [10, 0], b: [10, 0] }), 'no-clicks', testIssue.subjectTest!, at)).toBe('a');
    expect(await subjectTestWinner(deps({ a: [10, 1], b: [10, 3] }), 'clicked', testIssue.subjectTest!, at)).toBe('b');
    expect(logs.map(([m, f]) => [m, f.issueId, f.winner, f.note])).toEqual([
      ['subject test decided', 'nothing', 'a', FALLBACK_NOTE],
      ['subject test decided', 'no-clicks', 'a', FALLBACK_NOTE],
      ['subject test decided', 'clicked', 'b', undefined],
    ]);
  });
});

describe('an issue never sent', () => {
  it('mistake: stats of an issue not sent yet showed a table of zeros as if it reached nobody: it says it was not sent', () => {
    const s = summarise('i1', [], [], plainIssue('i1'), articles);
    expect(formatStats(s)).toContain(NOT_SENT_NOTE);
    // Once one message is in the ledger the note goes.
    expect(formatStats(summarise('i1', [sent(1)], [], plainIssue('i1'), articles))).not.toContain(NOT_SENT_NOTE);
  });
});
