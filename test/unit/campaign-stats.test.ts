/**
 * The stats of a campaign from the ledger and the click counts (usecases/campaign-stats.ts) with
 * in-memory ports, and the HTML report (lib/ops/stats-report.ts): every value escaped, the data
 * block safe against a title that tries to end it.
 */
import type { Article, Delivery, Issue } from '../../lambdas/core/model';
import { campaignStats, formatStats, OPENS_NOTE } from '../../lambdas/usecases/campaign-stats';
import { reportHtml, scriptJson } from '../../lib/ops/stats-report';
import { MemoryContent } from './fakes';

const article = (id: string, title: string): Article => ({
  kind: 'article',
  id,
  title,
  summary: '',
  keyPoints: [],
  topics: [],
  source: { name: 'N', url: `https://n.example/${id}` },
  date: '2026-11-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-11-01T00:00:00Z',
});
const issue: Issue = {
  kind: 'issue',
  id: 'issue-1',
  newsletter: 'Brief',
  number: 1,
  title: 'First issue',
  summary: '',
  preheader: '',
  date: '2026-11-02',
  articleIds: ['a1', 'a2'],
  publishedAt: '',
};

const entry = (n: number, d: Partial<Delivery>): Delivery => ({
  campaignId: 'issue-1',
  subscriberId: `s${n}`,
  status: 'sent',
  claimedAt: '2026-11-02T07:00:00.000Z',
  ...d,
});
const ledger: Delivery[] = [
  entry(1, { sentAt: '2026-11-02T07:00:10.000Z', deliveredAt: '2026-11-02T07:00:12Z' }),
  entry(2, { sentAt: '2026-11-02T07:00:40.000Z', deliveredAt: '2026-11-02T07:00:42Z', complainedAt: '2026-11-02T09:00:00Z' }),
  entry(3, { sentAt: '2026-11-02T07:01:05.000Z', deliveredAt: '2026-11-02T07:01:07Z' }),
  entry(4, { sentAt: '2026-11-02T07:01:06.000Z', bouncedAt: '2026-11-02T07:01:09Z', bounceType: 'Permanent/General' }),
  entry(5, { sentAt: '2026-11-02T07:01:07.000Z', bouncedAt: '2026-11-02T07:01:09Z', bounceType: 'Transient/MailboxFull' }),
  entry(6, { status: 'suppressed' }),
  entry(7, { status: 'failed', error: 'MessageRejected' }),
];

async function deps(tallies: { articleId: string; variant?: string; clicks: number }[]) {
  const content = new MemoryContent();
  await content.put(issue);
  await content.put(article('a1', 'Pact signed'));
  await content.put(article('a2', 'Talks resume'));
  return { ledger: { list: () => Promise.resolve(ledger) }, clicks: { list: () => Promise.resolve(tallies) }, content };
}

describe('campaign stats', () => {
  it('counts sent, delivered, bounces by kind, complaints, suppressed and failed from the ledger', async () => {
    const s = await campaignStats(await deps([]), 'issue-1');
    expect(s).toMatchObject({
      title: 'First issue',
      sent: 5,
      delivered: 3,
      bounced: 2,
      complained: 1,
      suppressed: 1,
      failed: 1,
      inFlight: 0,
    });
    expect(s.bouncesByKind).toEqual({ 'Permanent/General': 1, 'Transient/MailboxFull': 1 });
    expect(s.sendsPerMinute).toEqual([
      { minute: '2026-11-02T07:00', sent: 2 },
      { minute: '2026-11-02T07:01', sent: 3 },
    ]);
  });

  it('clicks per article in the issue order, with clicks per delivered message; no variants, no variant column', async () => {
    const s = await campaignStats(await deps([{ articleId: 'a2', clicks: 3 }]), 'issue-1');
    expect(s.articles.map((a) => [a.title, a.clicks, a.perDelivered])).toEqual([
      ['Pact signed', 0, 0],
      ['Talks resume', 3, 1],
    ]);
    expect(s.variants).toEqual([]);
    expect(formatStats(s)).not.toContain('clicks a');
  });

  it('a campaign with subject variants shows clicks per variant', async () => {
    const s = await campaignStats(
      await deps([
        { articleId: 'a1', variant: 'a', clicks: 2 },
        { articleId: 'a1', variant: 'b', clicks: 5 },
      ]),
      'issue-1',
    );
    expect(s.variants).toEqual(['a', 'b']);
    expect(s.articles[0]).toMatchObject({ clicks: 7, byVariant: { a: 2, b: 5 } });
    const table = formatStats(s);
    expect(table).toMatch(/clicks a\s+clicks b/);
    expect(table).toContain(OPENS_NOTE);
  });
});

describe('the HTML report', () => {
  it('escapes a title holding <script> in the table and in the data block', async () => {
    const d = await deps([{ articleId: 'a1', clicks: 4 }]);
    await d.content.put(article('a1', '</script><script>alert(1)</script> & "quotes"'));
    const html = reportHtml({
      stats: await campaignStats(d, 'issue-1'),
      chartJs: '/* chart */',
      generatedAt: new Date('2026-11-03T00:00:00Z'),
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    const block = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1];
    expect((JSON.parse(block) as { articles: { title: string }[] }).articles[0].title).toBe(
      '</script><script>alert(1)</script> & "quotes"',
    );
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it("shows an issue's subject test: each subject (escaped), who got it, the winner's row marked; nothing without a test", () => {
    const stats = {
      ...emptyStats(),
      subjectTest: {
        sharePercent: 20,
        waitMinutes: 240,
        winner: 'b' as const,
        lines: [
          {
            variant: 'a' as const,
            subject: 'Pact <signed>',
            sentInTest: 10,
            sentToRest: 0,
            delivered: 10,
            clicks: 1,
            perDelivered: 0.1,
            rateAtDecision: 0.1,
          },
          {
            variant: 'b' as const,
            subject: 'What it means',
            sentInTest: 10,
            sentToRest: 80,
            delivered: 88,
            clicks: 9,
            perDelivered: 9 / 88,
            rateAtDecision: 0.3,
          },
        ],
      },
    };
    const html = reportHtml({ stats, chartJs: '', generatedAt: new Date() });
    expect(html).toContain('Pact &lt;signed&gt;');
    expect(html).toMatch(
      /<tr class="winner"><td>b<\/td><td>What it means<\/td><td>10<\/td><td>80<\/td><td>88<\/td><td>9<\/td><td>0\.300<\/td><\/tr>/,
    );
    expect(html).toContain('The rest got subject b');
    expect(reportHtml({ stats: emptyStats(), chartJs: '', generatedAt: new Date() })).not.toContain('<h2>Subject test</h2>');
  });

  it('JSON for a script block has no <, > or & left', () => {
    expect(scriptJson({ t: '</script>&' })).toBe('{"t":"\\u003c/script\\u003e\\u0026"}');
  });

  it('a Chart.js build holding </script> cannot end its block', () => {
    const html = reportHtml({ stats: { ...emptyStats() }, chartJs: 'var s = "</script><b>";', generatedAt: new Date() });
    expect(html).toContain('var s = "<\\/script><b>";');
  });
});

function emptyStats() {
  return {
    campaignId: 'x',
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
}
