/**
 * The subject A/B test end to end on a fake clock: the planner queues the test's two halves,
 * the sender gives each its subject, the rest waits for the set time and then gets the subject
 * with more clicks per delivered message, and every reader gets exactly one copy.
 */
import { simpleParser } from 'mailparser';
import { testGroup, VARIANTS, type Variant } from '../../lambdas/core/subject-test';
import { campaignStats, formatStats } from '../../lambdas/usecases/campaign-stats';
import { verifyClickToken } from '../../lambdas/core/click-token';
import type { Clock } from '../../lambdas/core/ports';
import { campaignCache } from '../../lambdas/usecases/campaign-cache';
import { sendBatch } from '../../lambdas/usecases/send-batch';
import { planDigest, type PlanDeps } from '../../lambdas/usecases/plan-digest';
import { ledgerOutcomes } from '../../lambdas/usecases/subject-test';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import type { Article, Issue } from '../../lambdas/core/model';
import {
  MemoryContent,
  MemoryIssueScheduler,
  MemoryLedger,
  MemoryQueue,
  MemorySubjectTests,
  MemorySubscribers,
  RecordingMailer,
} from './fakes';
import { planScheduledIssue } from '../../lambdas/usecases/plan-scheduled';
import { senderSettings, signingKeys } from './fixtures';

const settings = senderSettings;
const keys = signingKeys;
const SUBJECTS: [string, string] = ['EU and Japan sign a security pact', 'What the EU–Japan pact means for shipping'];

const article: Article = {
  kind: 'article',
  id: 'a1',
  title: 'The pact',
  summary: 'The EU and Japan signed a pact.',
  keyPoints: [],
  topics: ['defence'],
  source: { name: 'Source', url: 'https://example.com/pact' },
  date: '2026-12-01',
  priority: 'normal',
  body: '',
  publishedAt: '2026-12-01T00:00:00Z',
};
const issue: Issue = {
  kind: 'issue',
  id: 'brief-007',
  newsletter: 'Brief',
  number: 7,
  title: 'The pact',
  summary: 'One story.',
  preheader: 'One story.',
  date: '2026-12-03',
  articleIds: ['a1'],
  publishedAt: '2026-12-01T00:00:00Z',
  subjectTest: { subjects: SUBJECTS, sharePercent: 20, waitMinutes: 240 },
};

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  constructor(private t: number) {}
  now = () => new Date(this.t);
  advance(minutes: number) {
    this.t += minutes * 60_000;
  }
}

async function setUp(readers: number) {
  const clock = new FakeClock(Date.parse('2026-12-03T07:00:00Z'));
  const content = new MemoryContent();
  const subscribers = new MemorySubscribers();
  await content.put(article);
  await content.put(issue);
  for (let n = 0; n < readers; n++) await subscribers.upsert(confirmedSubscriber({ email: `r${n}@example.com` }, 'import', clock.now()));
  const queue = new MemoryQueue();
  const ledger = new MemoryLedger();
  const mailer = new RecordingMailer();
  const tests = new MemorySubjectTests();
  // Clicks per half: what the redirect would have counted for each subject's links.
  const clicks: Record<Variant, number> = { a: 0, b: 0 };
  const outcomes = ledgerOutcomes(ledger, () => Promise.resolve({ ...clicks }));
  const subjectTests = {
    get: tests.get.bind(tests),
    markTestQueued: tests.markTestQueued.bind(tests),
    decide: tests.decide.bind(tests),
    outcomes: outcomes.outcomes.bind(outcomes),
  };
  const schedules = new MemoryIssueScheduler();
  const plan: PlanDeps = { content, subscribers, queue, clock, subjectTests, schedules };
  const campaign = campaignCache(content, settings, () => Promise.resolve(keys));
  let sentJobs = 0;
  /** Send every job queued since the last call, as the sender would. */
  const sendQueued = async () => {
    for (const job of queue.jobs.slice(sentJobs)) await sendBatch({ ledger, mailer, clock, campaign }, job);
    sentJobs = queue.jobs.length;
  };
  /** SES's delivery events: every message sent so far is delivered. */
  const deliverAll = async () => {
    for (const row of await ledger.list(issue.id)) if (row.status === 'sent') row.deliveredAt = clock.now().toISOString();
  };
  const subjectsByReader = async () => {
    const out = new Map<string, string[]>();
    for (const m of mailer.sent) out.set(m.to, [...(out.get(m.to) ?? []), (await simpleParser(m.raw)).subject ?? '']);
    return out;
  };
  return { clock, plan, schedules, queue, ledger, mailer, tests, clicks, sendQueued, deliverAll, subjectsByReader, subscribers };
}

describe('subject A/B test on a fake clock', () => {
  it('sends each subject to half of the 20 % test share, counts clicks by the variant in each link, waits 4 hours, then sends the rest the subject with more clicks per delivered message', async () => {
    const t = await setUp(1000);

    // 07:00: the test's share goes out, each half with its subject.
    const first = await planDigest(t.plan, { issueId: issue.id });
    expect(first).toMatchObject({ status: 'testing', restDueAt: '2026-12-03T11:00:00.000Z' });
    // The test's share links the archive page ("View in browser"): its snapshot is there from now.
    expect((await t.plan.content.getArchiveSnapshot(issue.id))?.articles.length).toBeGreaterThan(0);
    const testJobs = t.queue.jobs.length;
    const inTest = t.queue.jobs.flatMap((j) => j.recipients.map((r) => ({ id: r.subscriberId, variant: j.variant })));
    expect(inTest.every((r) => r.variant === testGroup(issue.id, r.id, 20))).toBe(true);
    const halves = { a: inTest.filter((r) => r.variant === 'a').length, b: inTest.filter((r) => r.variant === 'b').length };
    // 1,000 readers, 20 %: about 100 a half (the hash is uniform; ±40 is four standard deviations).
    expect(halves.a).toBeGreaterThan(60);
    expect(halves.a).toBeLessThan(140);
    expect(halves.b).toBeGreaterThan(60);
    expect(halves.b).toBeLessThan(140);
    await t.sendQueued();
    const afterTest = await t.subjectsByReader();
    expect(afterTest.size).toBe(halves.a + halves.b);
    expect(new Set([...afterTest.values()].flat())).toEqual(new Set(SUBJECTS));

    // Readers click the tracked link in the mail they got: every 10th reader of a, every 5th
    // of b. Each click is counted under the variant its token was signed with.
    await t.deliverAll();
    let n = 0;
    for (const m of t.mailer.sent) {
      const parsed = await simpleParser(m.raw);
      const every = parsed.subject === SUBJECTS[0] ? 10 : 5;
      if (n++ % every !== 0) continue;
      const token = /https:\/\/brief\.example\.org\/r\/([A-Za-z0-9._-]+)/.exec(parsed.text ?? '')?.[1];
      const check = verifyClickToken(keys, token);
      if (!check.ok) throw new Error(`not a click token: ${check.reason}`);
      t.clicks[check.target.variant as Variant]++;
    }
    expect(t.clicks.a).toBeGreaterThan(0);
    expect(t.clicks.b).toBeGreaterThan(0);

    // 09:00 and 10:59: still waiting; nothing more is queued, the weekly run changes nothing.
    t.clock.advance(120);
    expect(await planDigest(t.plan, {})).toMatchObject({
      status: 'skipped',
      reason: 'test-running',
      restDueAt: '2026-12-03T11:00:00.000Z',
    });
    t.clock.advance(119);
    expect(await planDigest(t.plan, { issueId: issue.id })).toMatchObject({ status: 'skipped', reason: 'test-running' });
    expect(t.queue.jobs.length).toBe(testJobs);

    // 11:00: the rest gets b.
    t.clock.advance(1);
    const rest = await planDigest(t.plan, { issueId: issue.id });
    expect(rest).toMatchObject({ status: 'queued', recipients: 1000 });
    expect(t.queue.jobs.slice(testJobs).every((j) => j.variant === 'b')).toBe(true);
    expect((await t.tests.get(issue.id))?.winner).toBe('b');
    await t.sendQueued();

    // Exactly one copy per reader; the rest all got the winning subject.
    const subjects = await t.subjectsByReader();
    expect(subjects.size).toBe(1000);
    expect([...subjects.values()].every((s) => s.length === 1)).toBe(true);
    const restSubjects = [...subjects.entries()].filter(([to]) => !afterTest.has(to)).map(([, s]) => s[0]);
    expect(restSubjects.length).toBe(1000 - halves.a - halves.b);
    expect(new Set(restSubjects)).toEqual(new Set([SUBJECTS[1]]));

    // A retried run afterwards sends nothing more.
    expect(await planDigest(t.plan, { issueId: issue.id })).toMatchObject({ status: 'skipped', reason: 'already-sent' });

    // `stats` shows both subjects: who got each (test half, rest), delivered, clicks, the winner.
    const clicks = { list: () => Promise.resolve(VARIANTS.map((v) => ({ articleId: article.id, variant: v, clicks: t.clicks[v] }))) };
    const stats = await campaignStats({ ledger: t.ledger, clicks, content: t.plan.content, subjectTests: t.tests }, issue.id);
    expect(stats.subjectTest).toEqual({
      sharePercent: 20,
      waitMinutes: 240,
      winner: 'b',
      lines: [
        {
          variant: 'a',
          subject: SUBJECTS[0],
          sentInTest: halves.a,
          sentToRest: 0,
          delivered: halves.a,
          clicks: t.clicks.a,
          perDelivered: t.clicks.a / halves.a,
          rateAtDecision: t.clicks.a / halves.a,
        },
        {
          variant: 'b',
          subject: SUBJECTS[1],
          sentInTest: halves.b,
          sentToRest: 1000 - halves.a - halves.b,
          delivered: halves.b,
          clicks: t.clicks.b,
          perDelivered: t.clicks.b / halves.b,
          rateAtDecision: t.clicks.b / halves.b,
        },
      ],
    });
    expect(formatStats(stats)).toMatch(/subject test: 20 % of the audience, 4 h wait; the rest got b/);
  });

  it('sends the rest the first subject on a tie, and keeps the recorded winner when the counts change later', async () => {
    const t = await setUp(300);
    await planDigest(t.plan, { issueId: issue.id });
    await t.sendQueued();
    await t.deliverAll();
    // No clicks on either half: a tie.
    t.clock.advance(240);
    const restRun = await planDigest(t.plan, { issueId: issue.id });
    expect(restRun.status).toBe('queued');
    expect((await t.tests.get(issue.id))?.winner).toBe('a');
    // Clicks arriving later do not change what a retried rest run sends (the planner hands a
    // crashed run's remainder on with `from`; here the whole rest runs again).
    t.clicks.b = 50;
    const before = t.queue.jobs.length;
    await planDigest(t.plan, { issueId: issue.id, resume: true, from: { shard: 0 } });
    expect(t.queue.jobs.slice(before).every((j) => j.variant === 'a')).toBe(true);
    await t.sendQueued();
    const subjects = await t.subjectsByReader();
    expect(subjects.size).toBe(300);
    expect([...subjects.values()].every((s) => s.length === 1)).toBe(true);
  });

  it('queues the test share once when the first run is retried before the wait (one copy each, the wait counts from the first run)', async () => {
    const t = await setUp(200);
    await planDigest(t.plan, { issueId: issue.id });
    const firstJobs = t.queue.jobs.length;
    t.clock.advance(30);
    // A retry of the first invocation (it crashed after queueing): the test is recorded, so it waits.
    expect(await planDigest(t.plan, { issueId: issue.id })).toMatchObject({
      status: 'skipped',
      reason: 'test-running',
      restDueAt: '2026-12-03T11:00:00.000Z',
    });
    expect(t.queue.jobs.length).toBe(firstJobs);
  });

  it('sends an issue with a subject test to everyone with its first subject where no test store is wired', async () => {
    const t = await setUp(50);
    const plain: PlanDeps = { ...t.plan, subjectTests: undefined };
    expect(await planDigest(plain, { issueId: issue.id })).toMatchObject({ status: 'queued', recipients: 50 });
    expect(t.queue.jobs.every((j) => j.variant === undefined)).toBe(true);
    await t.sendQueued();
    const subjects = await t.subjectsByReader();
    expect(subjects.size).toBe(50);
    expect(new Set([...subjects.values()].flat())).toEqual(new Set([SUBJECTS[0]]));
  });

  it("schedules the rest for the end of the wait, and the rest's schedule invocation sends it once and removes the schedule", async () => {
    const t = await setUp(120);
    const first = await planDigest(t.plan, {});
    expect(first.status).toBe('testing');
    // The planner made the rest's one-time schedule (its own name, beside a sendAt's).
    expect(t.schedules.calls).toEqual(['schedule rest brief-007 2026-12-03T11:00:00.000Z']);
    await t.sendQueued();
    // An early invocation (a retry, a clock ahead) leaves the rest's schedule in place.
    t.clock.advance(60);
    expect(await planScheduledIssue(t.plan, issue.id)).toMatchObject({ status: 'skipped', reason: 'test-running' });
    expect(t.schedules.rests.has(issue.id)).toBe(true);
    // On time: the rest is queued and both schedules are removed.
    t.clock.advance(180);
    expect(await planScheduledIssue(t.plan, issue.id)).toMatchObject({ status: 'queued', recipients: 120 });
    expect(t.schedules.rests.has(issue.id)).toBe(false);
    expect(t.schedules.calls.slice(-2)).toEqual(['cancel brief-007', 'cancel rest brief-007']);
    await t.sendQueued();
    const subjects = await t.subjectsByReader();
    expect(subjects.size).toBe(120);
    expect([...subjects.values()].every((s) => s.length === 1)).toBe(true);
  });
});
