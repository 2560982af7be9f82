import { simpleParser } from 'mailparser';
import { prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import { publish } from '../../lambdas/usecases/publish';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryAlertHistory, MemoryContent, MemoryLedger } from './fakes';
import { senderSettings, signingKeys } from './fixtures';

const settings = senderSettings;
const keys = signingKeys;
const readers = ['s1', 's2', 's3'].map((id) => ({ subscriberId: id, email: `${id}@example.com` }));

async function setUp() {
  const content = new MemoryContent();
  await publish({ content, clock: fixedClock() }, sampleIssueFiles());
  const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
  const articles = await content.getArticles(issue.articleIds);
  // An alert that is not in the issue: one the reader's daily cap may have held back.
  await content.put({ ...articles[0], id: 'held-back-alert', title: 'A held-back breaking story' });
  const history = new MemoryAlertHistory(new MemoryLedger());
  const reads = jest.spyOn(history, 'deferred');
  const prepare = () => prepareDigestCampaign(issue, articles, settings, keys, { history, content });
  const text = async (campaign: Awaited<ReturnType<typeof prepare>>, i: number) =>
    (await simpleParser(campaign.compose(readers[i], new Date()))).text ?? '';
  return { history, reads, prepare, text, heldBack: 'held-back-alert' };
}

describe('digest campaign: alerts waiting for a reader', () => {
  it("reads no reader's waiting alerts in any batch when no reader at all has one", async () => {
    const { reads, prepare, text } = await setUp();
    const campaign = await prepare();
    await campaign.prepareBatch!(readers);
    await campaign.prepareBatch!(readers);
    expect(reads).not.toHaveBeenCalled();
    expect(await text(campaign, 0)).not.toContain('ALERTS YOU MAY HAVE MISSED');
  });

  it("once one reader has an alert waiting, reads each batch's waiting alerts and lists it for that reader alone", async () => {
    const { history, reads, prepare, text, heldBack } = await setUp();
    await history.defer(heldBack, 's2', new Date());
    const campaign = await prepare();
    await campaign.prepareBatch!(readers);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await text(campaign, 1)).toContain('ALERTS YOU MAY HAVE MISSED');
    expect(await text(campaign, 1)).toContain('A held-back breaking story');
    expect(await text(campaign, 0)).not.toContain('A held-back breaking story');
  });
});

describe('digest campaign: article links through the click redirect', () => {
  async function composed(clickTracking?: 'aggregate' | 'per-reader' | 'off') {
    const content = new MemoryContent();
    await publish({ content, clock: fixedClock() }, sampleIssueFiles());
    const issue = (await content.getIssue(SAMPLE_ISSUE_ID))!;
    const articles = await content.getArticles(issue.articleIds);
    const campaign = await prepareDigestCampaign(issue, articles, { ...settings, clickTracking }, keys);
    const mails = await Promise.all(readers.slice(0, 2).map((r) => simpleParser(campaign.compose(r, new Date()))));
    const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
    return { articles, mails, hrefs };
  }

  it('aggregate (default): every source link goes through /r/, in both parts, the same token for every reader', async () => {
    const { articles, mails, hrefs } = await composed();
    const html = mails[0].html as string;
    for (const a of articles) {
      expect(html).not.toContain(`href="${a.source.url}"`);
      for (const s of a.sources ?? []) expect(html).not.toContain(`href="${s.url}"`);
    }
    const tracked = hrefs(html).filter((h) => h.startsWith('https://brief.example.org/r/'));
    expect(tracked.length).toBe(articles.reduce((n, a) => n + 1 + (a.sources?.length ?? 0), 0));
    expect(mails[0].text).toContain(tracked[0]);
    // Nothing about the reader in the links: both readers' mails carry the same ones.
    expect(hrefs(mails[1].html as string).filter((h) => h.includes('/r/'))).toEqual(tracked);
  });

  it('the unsubscribe, preferences and view-in-browser links are not tracked', async () => {
    const { mails, hrefs } = await composed();
    const links = hrefs(mails[0].html as string);
    expect(links.some((h) => h.startsWith('https://brief.example.org/unsubscribe?token='))).toBe(true);
    expect(links.some((h) => h.startsWith('https://brief.example.org/preferences?token='))).toBe(true);
    expect(links).toContain(`https://brief.example.org/archive/${SAMPLE_ISSUE_ID}`);
  });

  it("per-reader: each reader's links differ (their id is in the token)", async () => {
    const { mails, hrefs } = await composed('per-reader');
    const first = hrefs(mails[0].html as string).filter((h) => h.includes('/r/'));
    const second = hrefs(mails[1].html as string).filter((h) => h.includes('/r/'));
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).not.toBe(second[0]);
  });

  it('off: the plain source links, nothing through /r/', async () => {
    const { articles, mails } = await composed('off');
    expect(mails[0].html).not.toContain('/r/');
    expect(mails[0].html).toContain(`href="${articles[0].source.url}"`);
  });
});
