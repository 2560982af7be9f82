/**
 * Gmail clips a message over about 102 KB and hides what follows the cut, the unsubscribe
 * link included: publishing refuses an issue whose digest HTML would pass 90 KB, naming the
 * size and the largest articles, and writes nothing.
 */
import { checkDigestSize, MAX_DIGEST_HTML_BYTES, measureDigest } from '../../lambdas/core/content/check';
import { sampleIssue } from '../../bin/bench';
import { publish, PublishError, type SourceFile } from '../../lambdas/usecases/publish';
import { sampleIssueFiles } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent } from './fakes';

const sentence = (n: number, words: number) => Array.from({ length: words }, (_, i) => `word${n}x${i}`).join(' ');

/** An article file at the schema's limits when `long`: a 1,000-character summary and eight 300-character key points. */
function articleFile(n: number, long: boolean): SourceFile {
  const summary = long ? sentence(n, 90).slice(0, 995) + '.' : `A short summary of story ${n}.`;
  const points = long ? Array.from({ length: 8 }, (_, i) => `  - "${sentence(n * 10 + i, 30).slice(0, 290)}."`) : ['  - One point.'];
  return {
    name: `content/big/article-${n}.md`,
    text: [
      '---',
      'type: article',
      `id: story-${n}`,
      `title: Story number ${n} with a headline of ordinary length for the digest`,
      `summary: ${summary}`,
      'keyPoints:',
      ...points,
      'topics: [diplomacy, defence-industry, maritime-security, cyber]',
      'source:',
      '  name: A source',
      `  url: https://news.example.org/stories/${n}`,
      'date: 2024-11-01',
      '---',
      '',
    ].join('\n'),
  };
}

function issueFile(ids: string[]): SourceFile {
  return {
    name: 'content/big/issue.md',
    text: [
      '---',
      'type: issue',
      'id: big-issue',
      'newsletter: EU–Japan Security Brief',
      'number: 9',
      'title: A very full week',
      'summary: More stories than one message can carry.',
      'preheader: Everything that happened this week, and more.',
      'date: 2024-11-08',
      'articles:',
      ...ids.map((id) => `  - ${id}`),
      '---',
      '',
    ].join('\n'),
  };
}

describe('digest size at publishing', () => {
  it('the sample issue is far below the limit', () => {
    const { issue, articles } = sampleIssue();
    const { bytes } = measureDigest(issue, articles);
    expect(bytes).toBeLessThan(MAX_DIGEST_HTML_BYTES / 2);
    expect(checkDigestSize(issue, articles)).toBeUndefined();
  });

  it('refuses an oversized issue, naming its size, the limit and the largest articles, and writes nothing', async () => {
    const content = new MemoryContent();
    const files = [
      ...Array.from({ length: 20 }, (_, i) => articleFile(i + 1, i % 4 !== 3)),
      issueFile(Array.from({ length: 20 }, (_, i) => `story-${i + 1}`)),
    ];
    const err = await publish({ content, clock: fixedClock() }, files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    const message = (err as PublishError).message;
    expect(message).toMatch(
      /^content\/big\/issue\.md: articles: the digest's HTML would be \d+\.\d KB, over the 90\.0 KB limit \(Gmail clips messages over about 102 KB/,
    );
    const size = Number(/would be (\d+\.\d) KB/.exec(message)![1]);
    expect(size).toBeGreaterThan(90);
    // The three largest are long ones (every fourth story is short), each with its own size.
    const largest = /largest articles: (.*)\. Shorten/.exec(message)![1].split(', ');
    expect(largest).toHaveLength(3);
    for (const entry of largest) expect(entry).toMatch(/^story-\d+ \(\d+\.\d KB\)$/);
    expect(largest.some((e) => /^story-(4|8|12|16|20) /.test(e))).toBe(false);
    // Nothing was written: not the issue, not its articles.
    expect(await content.getIssue('big-issue')).toBeUndefined();
    expect(await content.getArticles(['story-1'])).toEqual([]);
  });

  it('measures an issue whose articles were published before, as well as those published with it', async () => {
    const content = new MemoryContent();
    const articles = Array.from({ length: 20 }, (_, i) => articleFile(i + 1, true));
    await publish({ content, clock: fixedClock() }, articles.slice(0, 15));
    const err = await publish({ content, clock: fixedClock() }, [
      ...articles.slice(15),
      issueFile(Array.from({ length: 20 }, (_, i) => `story-${i + 1}`)),
    ]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/the digest's HTML would be/);
  });

  it('publishes the sample issue as before', async () => {
    const content = new MemoryContent();
    const r = await publish({ content, clock: fixedClock() }, sampleIssueFiles());
    expect(r.issues).toHaveLength(1);
  });
});
