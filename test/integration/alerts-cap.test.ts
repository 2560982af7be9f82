/**
 * The daily alert cap and the digest's "Alerts you may have missed", through DynamoDB Local and
 * the SES emulator with the real planners, queue and sender: past the cap an alert is not lost
 * but waits for the digest, and an article a reader already got as an alert is marked in the
 * digest rather than shown as new.
 */
import { simpleParser } from 'mailparser';
import { readFileSync } from 'node:fs';
import { publish } from '../../lambdas/usecases/publish';
import { planAlert } from '../../lambdas/usecases/plan-alert';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { fileInbox } from '../support/inbox';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, systemClock } from '../../lambdas/wiring';
import { PENDING_ALERTS_KEY } from '../../lambdas/core/keys';

const ALERT = readFileSync('content/eu-japan-security-brief/alerts/north-korea-icbm-test.md', 'utf8');
const alertFile = (n: number) => ({
  name: `alerts/nk-${n}.md`,
  text: ALERT.replace(/^id: .*$/m, `id: nk-test-${n}`).replace(/^title: .*$/m, `title: Breaking story number ${n}`),
});

let p: Awaited<ReturnType<typeof startPipeline>>;
let domain: string;

beforeAll(async () => {
  p = await startPipeline();
  domain = uniqueDomain();
  const deps = operator(p.subscriptions, systemClock);
  await addSubscriber(deps, { email: `capped@${domain}`, alerts: true, digest: true, topics: ['north-korea'], timezone: 'Asia/Tokyo' });
  await publish({ content: p.content, clock: systemClock }, [...sampleFiles(), ...[1, 2, 3, 4].map(alertFile)]);
});
afterAll(() => p?.stop());

const inbox = async () => (await fileInbox()).filter((m) => m.destination.to.includes(`capped@${domain}`));
const alertDeps = () => ({
  content: p.content,
  subscribers: p.subscribers,
  queue: p.sendQueue,
  clock: systemClock,
  caps: p.caps,
  history: p.history,
  dailyCap: 3,
});

describe('daily alert cap', () => {
  it('sends the first three alerts of the day and holds back the fourth (bad input: one alert too many), losing nothing', async () => {
    const results = [];
    for (const n of [1, 2, 3, 4]) results.push(await planAlert(alertDeps(), `nk-test-${n}`));
    await p.queue.drain(60_000);
    expect(results.map((r) => (r.status === 'queued' ? `${r.recipients}/${r.deferred}` : r.status))).toEqual(['1/0', '1/0', '1/0', '0/1']);
    const subjects = (await inbox()).map((m) => m.subject);
    expect(subjects).toHaveLength(3);
    expect(subjects.some((s) => s.includes('number 4'))).toBe(false);
    const reader = await p.subscribers.getByEmail(`capped@${domain}`);
    expect(await p.ledger.get('nk-test-4', reader!.subscriberId)).toMatchObject({ status: 'deferred' });
    expect(await p.history.deferred([reader!.subscriberId])).toEqual(new Map([[reader!.subscriberId, ['nk-test-4']]]));
  });

  it('lists the held-back alert in the next digest under "Alerts you may have missed" and marks alerts already sent', async () => {
    const issue = sampleFiles().find((f) => f.name.includes('/issues/'))!;
    const withAlert = {
      name: 'issues/002.md',
      text: issue.text
        .replace(/^id: .*$/m, 'id: cap-test-002')
        .replace(/^number: .*$/m, 'number: 2')
        .replace(/^articles:\n/m, 'articles:\n  - nk-test-1\n'),
    };
    await publish({ content: p.content, clock: systemClock }, [withAlert]);
    const before = p.recorder.raws().length;
    await p.planner({ issueId: 'cap-test-002' });
    await p.queue.drain(60_000);
    const digests = (
      await Promise.all(
        p.recorder
          .raws()
          .slice(before)
          .map((r) => simpleParser(r)),
      )
    ).filter((m) => JSON.stringify(m.to).includes(`capped@${domain}`));
    expect(digests).toHaveLength(1);
    const html = String(digests[0].html);
    const text = digests[0].text ?? '';
    expect(text).toContain('ALERTS YOU MAY HAVE MISSED');
    expect(text).toContain('Breaking story number 4');
    expect(html).toContain('Alerts you may have missed');
    // nk-test-1 was sent as an alert: it is marked in the digest, not listed as missed.
    expect(text).toContain('(Sent to you as a breaking alert.)');
    expect(html).toContain('Sent to you as an alert');
    // It stays out of the missed list (the section up to the next rule); "In this issue" and its story name it.
    const missed = text.slice(text.indexOf('ALERTS YOU MAY HAVE MISSED')).split('-----')[0];
    expect(missed).toContain('Breaking story number 4');
    expect(missed).not.toContain('Breaking story number 1');
    // Shown once: the next digest does not list it again.
    const reader = await p.subscribers.getByEmail(`capped@${domain}`);
    expect((await p.history.deferred([reader!.subscriberId])).size).toBe(0);
  });
});

describe('waiting alerts, read per digest batch', () => {
  it('finds the waiting alerts of a batch of 50 readers in one BatchGetItem (no index query a reader), a repeated hold-back counted once, and tells whether anyone has any', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`);
    const at = new Date();
    await p.history.defer('wait-a', ids[3], at);
    await p.history.defer('wait-b', ids[3], at);
    await p.history.defer('wait-a', ids[3], at); // a retried planner run: bad input, the same hold-back twice
    await p.history.defer('wait-a', ids[40], at);
    const db = documentClient();
    const send = jest.spyOn(db, 'send');
    try {
      const found = await p.history.deferred(ids);
      expect(found).toEqual(
        new Map([
          [ids[3], ['wait-a', 'wait-b']],
          [ids[40], ['wait-a']],
        ]),
      );
      expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['BatchGetCommand']);
    } finally {
      send.mockRestore();
    }
    await p.history.resolveDeferred(ids[3], ['wait-a'], 'digest-x', at);
    expect(await p.history.deferred([ids[3], ids[40]])).toEqual(
      new Map([
        [ids[3], ['wait-b']],
        [ids[40], ['wait-a']],
      ]),
    );
    expect(await p.ledger.get('wait-a', ids[3])).toMatchObject({ status: 'deferred', inDigest: 'digest-x' });
    await p.history.resolveDeferred(ids[3], ['wait-b'], 'digest-y', at);
    expect((await p.history.deferred([ids[3]])).size).toBe(0);
    // A reader whose set emptied leaves no item behind: "anyone waiting?" turns false with the last.
    expect(await p.ledger.get(PENDING_ALERTS_KEY, ids[3])).toBeUndefined();
    expect(await p.history.anyDeferred()).toBe(true);
    await p.history.resolveDeferred(ids[40], ['wait-a'], 'digest-y', at);
    expect(await p.history.anyDeferred()).toBe(false);
    await p.history.defer('wait-c', ids[7], at);
    expect(await p.history.anyDeferred()).toBe(true);
    await p.history.resolveDeferred(ids[7], ['wait-c'], 'digest-z', at);
  });

  it('removes a waiting-alerts item an earlier version left with an emptied set (bad input: no articles attribute) when a digest batch reads it, so "anyone waiting?" turns false', async () => {
    const legacy = '00000000-0000-4000-9000-900000000001';
    const db = documentClient();
    await db.send(
      new PutCommand({
        TableName: p.tables.names.deliveries,
        Item: { campaignId: PENDING_ALERTS_KEY, subscriberId: legacy, updatedAt: new Date().toISOString() },
      }),
    );
    expect(await p.history.anyDeferred()).toBe(true);
    expect((await p.history.deferred([legacy, '00000000-0000-4000-9000-900000000002'])).size).toBe(0);
    expect(await p.ledger.get(PENDING_ALERTS_KEY, legacy)).toBeUndefined();
    expect(await p.history.anyDeferred()).toBe(false);
  });
});
