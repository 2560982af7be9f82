import { simpleParser } from 'mailparser';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import { publish } from '../../lambdas/usecases/publish';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryAlertHistory, MemoryContent, MemoryLedger } from './fakes';

const settings = {
  senderEmail: 'brief@example.org',
  senderName: 'Brief',
  publicBaseUrl: 'https://brief.example.org',
  organisationName: 'Sample Publishers',
  postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
};
const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'unit-signing-key-0123456789abcdef0123456789' }));
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
  const text = async (campaign: Awaited<ReturnType<typeof prepare>>, i: number) => (await simpleParser(campaign.compose(readers[i], new Date()))).text ?? '';
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
