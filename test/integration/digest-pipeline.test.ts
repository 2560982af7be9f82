/**
 * The digest path end to end through the real SDK clients: DynamoDB Local, the SES emulator
 * (behind a recording proxy, to see the exact MIME bytes), the in-process queue with SQS's
 * contract, and the real handlers.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { publish, PublishError } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { systemClock } from '../../lambdas/wiring';
import { inboxAt } from '../support/inbox';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';

const ISSUE = 'eu-japan-security-brief-001';
let p: Awaited<ReturnType<typeof startPipeline>>;
let domain: string;

beforeAll(async () => {
  p = await startPipeline();
  domain = uniqueDomain();
  await publish({ content: p.content, clock: systemClock }, sampleFiles());
  const deps = operator(p.subscriptions, systemClock);
  for (const name of ['ana', 'ben', 'chloe']) await addSubscriber(deps, { email: `${name}@${domain}` });
  await addSubscriber(deps, { email: `alerts-only@${domain}`, digest: false, alerts: true, topics: ['north-korea'] });
  const gone = await addSubscriber(deps, { email: `gone@${domain}` });
  await p.subscribers.unsubscribe(gone.subscriberId, new Date());
});
afterAll(() => p?.stop());

const inboxFor = () => inboxAt(domain);

describe('digest pipeline', () => {
  let parsed: ParsedMail;

  it('delivers one digest per confirmed digest subscriber, and none to the others', async () => {
    const result = await p.planner({ issueId: ISSUE });
    expect(result).toMatchObject({ status: 'queued', recipients: 3, batches: 1 });
    await p.queue.drain(60_000);
    const inbox = await inboxFor();
    expect(inbox.map((m) => m.destination.to[0]).sort()).toEqual([`ana@${domain}`, `ben@${domain}`, `chloe@${domain}`]);
    expect(inbox[0].subject).toMatch(/ · No\. 1$/);
    const ledger = await p.ledger.list(ISSUE);
    expect(ledger).toHaveLength(3);
    expect(ledger.every((d) => d.status === 'sent' && d.sesMessageId)).toBe(true);
    parsed = await simpleParser(p.recorder.raws()[0]);
  });

  it('sends a message that mailparser reads as text + HTML with the one-click unsubscribe headers, HTML under 102 KB', () => {
    expect(parsed.text).toContain('EU–Japan Security Brief');
    expect(parsed.html).toEqual(expect.stringContaining('<html'));
    expect(Buffer.byteLength(parsed.html as string)).toBeLessThan(102 * 1024);
    // mailparser gathers the List-* headers (RFC 2369, 2919, 8058) under `list`.
    const list = parsed.headers.get('list') as { unsubscribe: { url: string }; 'unsubscribe-post': { name: string }; id: { id: string } };
    expect(list.unsubscribe.url).toMatch(/^https?:\/\/.+\/unsubscribe\?token=v1\./);
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(list.id.id).toBe('eu-japan-security-brief.news.example.com');
    expect(parsed.from?.value[0]).toEqual({ name: 'EU–Japan Security Brief', address: 'brief@news.example.com' });
    expect(parsed.headers.get('x-ses-configuration-set')).toBe('briefing-test');
  });

  it('sends nothing more when the same issue is sent again', async () => {
    expect(await p.planner({ issueId: ISSUE })).toEqual({ status: 'skipped', issueId: ISSUE, reason: 'already-sent' });
    await p.queue.drain(60_000);
    expect(await inboxFor()).toHaveLength(3);
  });

  it('sends nothing more when a batch is redelivered (the same job queued twice more)', async () => {
    const ledger = await p.ledger.list(ISSUE);
    const recipients = await Promise.all(
      ledger.map(async (d) => ({ subscriberId: d.subscriberId, email: (await p.subscribers.getById(d.subscriberId))!.email })),
    );
    const job = { campaignId: ISSUE, kind: 'digest' as const, recipients };
    await p.sendQueue.enqueue([job, job]);
    await p.queue.drain(60_000);
    expect(await inboxFor()).toHaveLength(3);
    expect(p.recorder.raws()).toHaveLength(3);
  });

  it('refuses to publish a malformed article, naming file and field, and writes nothing', async () => {
    const bad = {
      name: 'content/bad.md',
      text: '---\ntype: article\nid: bad-one\ntitle: ""\nsummary: s\nkeyPoints: [k]\ntopics: [cyber]\nsource: {name: n, url: "javascript:alert(1)"}\ndate: 2024-11-01\n---\n',
    };
    const good = {
      name: 'content/good.md',
      text: bad.text
        .replace('title: ""', 'title: Good')
        .replace('javascript:alert(1)', 'https://example.org')
        .replace('bad-one', 'good-one'),
    };
    await expect(publish({ content: p.content, clock: systemClock }, [good, bad])).rejects.toThrow(PublishError);
    await expect(publish({ content: p.content, clock: systemClock }, [good, bad])).rejects.toThrow(
      /content\/bad\.md:\d+: (title|source\.url)/,
    );
    expect(await p.content.getArticles(['good-one', 'bad-one'])).toEqual([]);
  });

  it('re-publishing an article updates it instead of adding a second one', async () => {
    const files = sampleFiles();
    const first = files.find((f) => f.name.includes('/articles/'))!;
    const edited = { ...first, text: first.text.replace(/^title: .*$/m, 'title: An edited headline') };
    await publish({ content: p.content, clock: systemClock }, [edited]);
    const id = /^id: (.*)$/m.exec(first.text)![1].trim();
    const articles = await p.content.getArticles([id]);
    expect(articles).toHaveLength(1);
    expect(articles[0].title).toBe('An edited headline');
    // Editing after the send keeps the issue marked as sent.
    expect((await p.content.getIssue(ISSUE))?.plannedAt).toBeDefined();
  });
});
