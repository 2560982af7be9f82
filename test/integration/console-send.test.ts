/**
 * Scheduling and sending an issue from the console (lambdas/console/pages/send.ts) against real
 * tables in DynamoDB Local and the SES emulator: the desk made from the function's environment,
 * the handler with its sign-in and CSRF check, the real planner and sender (test/support/pipeline.ts).
 * Send now's port runs the same planner handler the Lambda invocation reaches; the local issue
 * scheduler is `npm start`'s (the stored sendAt is the schedule). Tries: an editor scheduling or
 * sending (403, nothing changed), a time in the past, a confirmation after the audience or the
 * issue changed, a POST without its CSRF token, a subject test with one subject or a bad share,
 * Send now clicked twice (the confirmation acts once; the planner run twice still makes one
 * campaign, each reader once), a confirmation replayed or not one the console showed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { publish, PublishError } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { systemClock } from '../../lambdas/wiring';
import { LocalIssueScheduler } from '../../lib/local/issue-schedules';
import { operator } from '../support/address-key';
import { inboxAt } from '../support/inbox';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';
import { consoleRequests, testSignIn, type TestSignIn } from '../support/console-tokens';

const ISSUE = 'eu-japan-security-brief-001';
const ZONE = 'Europe/Brussels';
let p: Awaited<ReturnType<typeof startPipeline>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);
let domain: string;
/** Send now's invocations, run when the test says (as Lambda runs an Event invocation later). */
const invoked: string[] = [];

/** The hidden fields of a confirmation page: what its second POST carries back. */
function confirmation(body: string | undefined): Record<string, string> {
  const form = /<form method="post" action="[^"]+\/send\/confirm">([\s\S]*?)<\/form>/.exec(body ?? '');
  if (!form) throw new Error(`no confirmation form in: ${body?.slice(0, 2000)}`);
  return Object.fromEntries([...form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
}

/** `YYYY-MM-DDTHH:MM`, `days` ahead, as a datetime-local box holds it. */
const ahead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
const SEND = `/admin/issues/${ISSUE}/send`;

beforeAll(async () => {
  p = await startPipeline();
  domain = uniqueDomain();
  await publish({ content: p.content, clock: systemClock }, sampleFiles());
  const deps = operator(p.subscriptions, systemClock);
  for (const name of ['ana', 'ben', 'chloe']) await addSubscriber(deps, { email: `${name}@${domain}` });
  // Not in the digest audience: the count must leave them out.
  await addSubscriber(deps, { email: `alerts-only@${domain}`, digest: false, alerts: true, topics: ['north-korea'] });
  desk = deskFromEnv(systemClock, {
    CONTENT_TABLE: p.tables.names.content,
    DELIVERIES_TABLE: p.tables.names.deliveries,
    SUBSCRIBERS_TABLE: p.tables.names.subscribers,
    // The Subscribers pages' erasure markers need the address key once the table is named.
    ADDRESS_KEY: 'k'.repeat(40),
    DIGEST_SCHEDULE_CRON: '0 7 * * MON',
    DIGEST_TIME_ZONE: ZONE,
  });
  desk.schedules = new LocalIssueScheduler();
  desk.planner = { planNow: (issueId) => (invoked.push(issueId), Promise.resolve()) };
  signIn = await testSignIn({ desk, clock: systemClock }, new Date());
});
afterAll(() => p?.stop());

describe("a breaking article's audience", () => {
  it('counts the readers an alert on these topics reaches: a reader who follows only north-korea counts for it, not for space', async () => {
    // The mistake tried: a count that ignores the article's topics (or the readers who chose none).
    const onKorea = await desk.audience!.alertAudienceCount(['north-korea']);
    const onSpace = await desk.audience!.alertAudienceCount(['space']);
    expect(onKorea).toBe(onSpace + 1);
    expect(await desk.audience!.alertAudienceCount([])).toBe(0);
  });
});

describe('schedule and unschedule', () => {
  it('an editor sees the page without the send forms, and is refused Schedule, its confirmation and Send now (403, nothing changed)', async () => {
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    const page = await get(SEND, editor);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('An owner schedules and sends issues.');
    expect(page.body).not.toContain('Send now…');
    for (const [path, form] of [
      [SEND, { csrf: 'e1', action: 'schedule', sendAt: ahead(3) }],
      [`${SEND}/confirm`, { csrf: 'e1', action: 'schedule', sendAt: `${ahead(3)}:00.000Z`, version: 'x', audience: '3' }],
      [`${SEND}/confirm`, { csrf: 'e1', action: 'send', version: 'x', audience: '3' }],
    ] as const)
      expect((await post(path, editor, form)).statusCode).toBe(403);
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
    expect(invoked).toEqual([]);
  });

  it('a time in the past is refused inline with publish’s message, the typed time kept (400)', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const r = await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: '2020-01-06T09:00' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('sendAt: is in the past (2020-01-06T08:00:00.000Z');
    expect(r.body).toContain('value="2020-01-06T09:00"');
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
  });

  it('Schedule shows the audience count (digest readers only) and stores the time read in the newsletter’s zone once confirmed; audited', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const step = await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(5) });
    expect(step.statusCode).toBe(200);
    expect(step.body).toContain('The digest audience: <strong>3</strong> confirmed reader(s) now.');
    const fields = confirmation(step.body);
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
    const done = await post(`${SEND}/confirm`, owner, fields);
    expect(done.statusCode).toBe(303);
    const stored = (await p.content.getIssue(ISSUE))?.sendAt;
    expect(stored).toBe(fields.sendAt);
    // Brussels is one or two hours ahead of UTC: the stored instant is not the typed wall time read as UTC.
    expect(Date.parse(`${ahead(5)}:00Z`) - Date.parse(stored!)).toBeGreaterThanOrEqual(3_600_000);
    expect((await get(SEND, owner, 'done=schedule')).body).toContain('Scheduled: the issue goes at its send time.');
    const log = await get('/admin/audit', owner);
    expect(log.body).toContain(
      `<td>boss@example.org</td><td>owner</td><td>schedule</td><td>${ISSUE}</td><td>sendAt ${stored}; audience 3</td>`,
    );
  });

  it('a confirmation after the audience changed is refused and shows the new count; confirmed again, Unschedule is done', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const fields = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'unschedule' })).body);
    expect(fields.audience).toBe('3');
    await addSubscriber(operator(p.subscriptions, systemClock), { email: `dan@${domain}` });
    const stale = await post(`${SEND}/confirm`, owner, fields);
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('the digest audience is now 4 (it was 3)');
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeDefined();
    const again = confirmation(stale.body);
    expect(again.audience).toBe('4');
    expect((await post(`${SEND}/confirm`, owner, again)).statusCode).toBe(303);
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
    expect((await get('/admin/audit', owner)).body).toContain(`<td>unschedule</td><td>${ISSUE}</td>`);
  });

  it('a confirmation after the issue was published again with a change is refused (409) and nothing is scheduled', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const fields = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(6) })).body);
    // Published again with a change (an unchanged file is no change: the stored item stays as it was).
    const edited = sampleFiles().map((f) =>
      f.name.includes('/issues/') ? { ...f, text: f.text.replace(/^title: .*$/m, 'title: Retitled while the owner looked') } : f,
    );
    await publish({ content: p.content, clock: { now: () => new Date(Date.now() + 1000) } }, edited);
    const stale = await post(`${SEND}/confirm`, owner, fields);
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain(`issue ${ISSUE} changed since you looked`);
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
  });

  it('a confirmation after one of its articles was changed is refused (409): what goes is the issue with its articles', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const fields = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(6) })).body);
    const edited = sampleFiles().map((f) =>
      f.name.includes('/articles/') ? { ...f, text: f.text.replace(/^title: .*$/m, 'title: Changed after the owner looked') } : f,
    );
    await publish({ content: p.content, clock: { now: () => new Date(Date.now() + 2000) } }, edited.slice(0, 1));
    const stale = await post(`${SEND}/confirm`, owner, fields);
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('or one of its articles changed');
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
    await publish({ content: p.content, clock: { now: () => new Date(Date.now() + 3000) } }, sampleFiles().slice(0, 1));
  });

  it('a confirmation replayed after the issue came back to the state it was shown in, or with a field changed, is shown again (409)', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const schedule = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(6) })).body);
    expect((await post(`${SEND}/confirm`, owner, schedule)).statusCode).toBe(303);
    const unschedule = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'unschedule' })).body);
    expect((await post(`${SEND}/confirm`, owner, unschedule)).statusCode).toBe(303);
    // The issue is as the first confirmation showed it: replayed, it must not schedule again.
    const replay = await post(`${SEND}/confirm`, owner, schedule);
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('this confirmation was used already');
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
    // A confirmation with its time moved on (to pass the 15 minutes) is not one the console showed.
    const fresh = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(6) })).body);
    const forged = await post(`${SEND}/confirm`, owner, { ...fresh, shownAt: new Date(Date.now() + 60_000).toISOString() });
    expect(forged.statusCode).toBe(409);
    expect(forged.body).toContain('not a confirmation this console showed you');
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
  });

  it('a confirmation without its CSRF token is refused (403) and nothing is scheduled', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const fields = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(6) })).body);
    const { csrf: _csrf, ...withoutToken } = fields;
    expect((await post(`${SEND}/confirm`, owner, withoutToken)).statusCode).toBe(403);
    expect((await post(`${SEND}/confirm`, owner, { ...withoutToken, csrf: 'another' })).statusCode).toBe(403);
    expect((await p.content.getIssue(ISSUE))?.sendAt).toBeUndefined();
  });
});

describe('subject test', () => {
  /** What publish says of the sample issue with this subjectTest block. */
  async function publishMessage(block: string): Promise<string> {
    const files = sampleFiles().map((f) =>
      f.name.includes('/issues/') ? { ...f, text: f.text.replace(/^---\n/, `---\nsubjectTest:\n${block}\n`) } : f,
    );
    try {
      await publish({ content: p.content, clock: systemClock }, files);
    } catch (e) {
      if (e instanceof PublishError) return e.message.replace(/^[^:]+(:\d+)?: /, '');
      throw e;
    }
    throw new Error('publish took the block');
  }
  /** As Handlebars writes text into the page. */
  const escaped = (s: string) =>
    s
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&#x27;')
      .replaceAll('`', '&#x60;')
      .replaceAll('=', '&#x3D;');

  it('one subject, or a share over 50, is refused inline with the message publish gives for the same front matter', async () => {
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    const one = await post(`/admin/issues/${ISSUE}/subject-test`, editor, {
      csrf: 'e1',
      subject1: 'Only one',
      subject2: '',
      share: '',
      waitHours: '',
    });
    expect(one.statusCode).toBe(400);
    expect(one.body).toContain(escaped(await publishMessage('  subjects:\n    - Only one')));
    const share = await post(`/admin/issues/${ISSUE}/subject-test`, editor, {
      csrf: 'e1',
      subject1: 'A',
      subject2: 'B',
      share: '80',
      waitHours: '',
    });
    expect(share.statusCode).toBe(400);
    expect(share.body).toContain(escaped(await publishMessage('  subjects:\n    - A\n    - B\n  share: 80')));
    expect(share.body).toContain('value="80"');
    expect((await p.content.getIssue(ISSUE))?.subjectTest).toBeUndefined();
  });

  it('an editor saves a subject test on the issue, and removes it; both audited', async () => {
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    const saved = await post(`/admin/issues/${ISSUE}/subject-test`, editor, {
      csrf: 'e1',
      subject1: 'Tokyo and Brussels sign',
      subject2: 'What the pact changes',
      share: '30',
      waitHours: '2',
    });
    expect(saved.statusCode).toBe(303);
    expect((await p.content.getIssue(ISSUE))?.subjectTest).toEqual({
      subjects: ['Tokyo and Brussels sign', 'What the pact changes'],
      sharePercent: 30,
      waitMinutes: 120,
    });
    expect((await post(`/admin/issues/${ISSUE}/subject-test`, editor, { csrf: 'e1', remove: 'yes' })).statusCode).toBe(303);
    expect((await p.content.getIssue(ISSUE))?.subjectTest).toBeUndefined();
    const log = (await get('/admin/audit', await signIn.as(['owner'], 'o1', 'boss@example.org'))).body!;
    expect(log).toContain(
      `<td>writer@example.org</td><td>editor</td><td>subject-test</td><td>${ISSUE}</td><td>share 30 %, wait 120 min</td>`,
    );
    expect(log).toContain(`<td>subject-test</td><td>${ISSUE}</td><td>removed</td>`);
  });
});

describe('send now', () => {
  it('clicked twice, the two planner runs overlap and still make one campaign that reaches each reader once', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const fields = confirmation((await post(SEND, owner, { csrf: 'o1', action: 'send' })).body);
    // The double click: the same confirmation twice, before the planner has run at all.
    const [first, second] = await Promise.all([post(`${SEND}/confirm`, owner, fields), post(`${SEND}/confirm`, owner, fields)]);
    // One confirmation acts once: the second post is told it was used (it once sent a second invocation).
    expect([first.statusCode, second.statusCode].sort()).toEqual([303, 409]);
    expect([first.body, second.body].join('')).toContain('this confirmation was used already');
    expect(invoked).toEqual([ISSUE]);
    // Lambda may still run the one invocation twice (a retry of the Event): the runs overlap.
    const results = await Promise.all([ISSUE, ...invoked].map((issueId) => p.planner({ issueId })));
    expect(results.some((r) => r.status === 'queued')).toBe(true);
    await p.queue.drain(60_000);
    const to = (await inboxAt(domain)).map((m) => m.destination.to[0]).sort();
    expect(to).toEqual([`ana@${domain}`, `ben@${domain}`, `chloe@${domain}`, `dan@${domain}`]);
    const ledger = await p.ledger.list(ISSUE);
    expect(ledger).toHaveLength(4);
    expect(new Set(ledger.map((d) => d.campaignId))).toEqual(new Set([ISSUE]));
    expect((await p.content.getIssue(ISSUE))?.plannedAt).toBeDefined();
  });

  it('once sent, Send now, Schedule and the subject test are refused inline (400) and the planner is not invoked again', async () => {
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const send = await post(SEND, owner, { csrf: 'o1', action: 'send' });
    expect(send.statusCode).toBe(400);
    expect(send.body).toContain(`issue ${ISSUE} was already sent on`);
    const schedule = await post(SEND, owner, { csrf: 'o1', action: 'schedule', sendAt: ahead(2) });
    expect(schedule.statusCode).toBe(400);
    expect(schedule.body).toContain('so it cannot be scheduled again');
    const test = await post(`/admin/issues/${ISSUE}/subject-test`, owner, {
      csrf: 'o1',
      subject1: 'A',
      subject2: 'B',
      share: '',
      waitHours: '',
    });
    expect(test.statusCode).toBe(400);
    expect(test.body).toContain('its subject test can no longer change');
    expect(invoked).toHaveLength(1);
    // The page no longer offers what would be refused.
    const page = await get(SEND, owner);
    expect(page.body).toContain('This issue went: it cannot be scheduled, sent again or given a subject test.');
    expect(page.body).not.toContain('Send now…');
    expect(page.body).not.toContain('Save the subject test');
    const log = (await get('/admin/audit', owner)).body!;
    expect(log.split(`<td>send</td><td>${ISSUE}</td>`).length - 1).toBe(1);
  });
});
