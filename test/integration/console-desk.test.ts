/**
 * The console's pages against real tables in DynamoDB Local: the sample newsletter published as
 * `publish` stores it, the desk made from the function's environment (lambdas/console/desk.ts)
 * as on AWS, the handler with its real session seals and ID token check (the provider's keys
 * made here: test/support/console-tokens.ts). Tries: an editor doing an owner's action (Resume),
 * a viewer opening the audit log, an unknown issue id, a search that matches nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { auditPartition } from '../../lambdas/core/audit';
import { publish } from '../../lambdas/usecases/publish';
import { planDigest } from '../../lambdas/usecases/plan-digest';
import { documentClient, dynamoPorts, plannerPorts } from '../../lambdas/wiring';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, testSignIn, type TestSignIn } from '../support/console-tokens';
import { sampleFiles } from '../support/pipeline';
import { createTestTables, scanAll, type TestTables } from '../support/tables';
import { MemoryQueue } from '../unit/fakes';

const ARTICLE = 'eu-east-asia-tour-defence-talks';
const clock = walkedClock();
let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);

beforeAll(async () => {
  tables = await createTestTables('desk');
  db = dynamoPorts(documentClient(), tables.names);
  await publish({ content: db.content, clock }, sampleFiles());
  desk = deskFromEnv(clock, {
    CONTENT_TABLE: tables.names.content,
    DELIVERIES_TABLE: tables.names.deliveries,
    DIGEST_SCHEDULE_CRON: '0 7 * * MON',
    DIGEST_TIME_ZONE: 'Europe/Brussels',
  });
  signIn = await testSignIn({ desk, clock }, clock.now());
});

afterAll(async () => {
  await tables?.drop();
});

describe('issues and articles', () => {
  it('Home says the next digest run sends the published issue, and when', async () => {
    const r = await get('/admin', await signIn.as(['viewer']));
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(`it sends <a href="/admin/issues/${SAMPLE_ISSUE_ID}">`);
    expect(r.body).toMatch(/runs next at <time datetime="[^"]+">[^<]+ UTC \(Mon 0[78]:00 Europe\/Brussels\)<\/time>/);
    expect(r.body).toContain('No issue has gone out yet.');
  });

  it('the Issues page lists the issue as a draft and its articles; a search narrows, and one that matches nothing says so', async () => {
    const cookie = await signIn.as(['viewer']);
    const all = await get('/admin/issues', cookie);
    expect(all.body).toContain(`<td>${SAMPLE_ISSUE_ID}</td>`);
    expect(all.body).toMatch(/<td><span class="state">draft<\/span><\/td>/);
    expect(all.body).toContain(`<td>${ARTICLE}</td>`);
    const found = await get('/admin/issues', cookie, 'q=east-asia');
    expect(found.body).toContain(`<td>${ARTICLE}</td>`);
    expect(found.body).not.toContain(`<td>${SAMPLE_ISSUE_ID}</td>`);
    const none = await get('/admin/issues', cookie, 'q=no-such-words&state=sent');
    expect(none.body).toContain('No issue matches.');
    expect(none.body).toContain('No article matches.');
  });

  it('an unknown issue id answers 404 with the nearest id', async () => {
    const r = await get('/admin/issues/eu-japan-security-brief-01', await signIn.as(['viewer']));
    expect(r.statusCode).toBe(404);
    expect(r.body).toContain(`did you mean &quot;${SAMPLE_ISSUE_ID}&quot;`);
  });

  it('once the issue went, its page shows the figures and the clicks per article, and Home shows it as the last issue', async () => {
    const planned = await planDigest(plannerPorts(db, { queue: new MemoryQueue(), clock }).plan, { issueId: SAMPLE_ISSUE_ID });
    expect(planned).toMatchObject({ status: 'queued' });
    await db.clicks.count(SAMPLE_ISSUE_ID, ARTICLE);
    await db.clicks.count(SAMPLE_ISSUE_ID, ARTICLE);
    const cookie = await signIn.as(['viewer']);
    const r = await get(`/admin/issues/${SAMPLE_ISSUE_ID}`, cookie);
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<h2>Figures</h2>');
    expect(r.body).toMatch(/<td class="n">2<\/td><td class="n">[0-9.]+<\/td><td><span class="bar" style="width:100%"><\/span>/);
    // The report's third chart: bounces by SES's kind, the hard ones marked (one ledger entry bounced).
    await documentClient().send(
      new PutCommand({
        TableName: tables.names.deliveries,
        Item: {
          campaignId: SAMPLE_ISSUE_ID,
          subscriberId: 'reader-bounced',
          email: 'gone@example.org',
          status: 'bounced',
          sentAt: clock.now().toISOString(),
          bouncedAt: clock.now().toISOString(),
          bounceType: 'Permanent/General',
        },
      }),
    );
    const bounced = await get(`/admin/issues/${SAMPLE_ISSUE_ID}`, cookie);
    expect(bounced.body).toContain('<h2>Bounces by kind</h2>');
    expect(bounced.body).toContain(
      '<tr><td>Permanent/General (hard)</td><td class="n">1</td><td><span class="bar" style="width:100%"></span>',
    );
    const home = await get('/admin', cookie);
    expect(home.body).toContain('<h2>Last issue</h2>');
    expect(home.body).toContain(`already went: publish a new one`);
  });
});

describe('sending state and the audit log', () => {
  it("an editor cannot Resume (an owner's action); an owner can; the audit log shows both to owners, newest first, and expires them", async () => {
    await db.sendingState.open({ kind: 'quota', reason: 'the daily quota is used up', openedAt: clock.now().toISOString(), step: 0 });
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    expect((await get('/admin', editor)).body).toContain('the daily quota is used up');

    const refused = await post('/admin/resume', editor, 'csrf=e1');
    expect(refused.statusCode).toBe(403);
    expect((await db.sendingState.get()).pause?.kind).toBe('quota');

    // A second later: the log's order is the entries' times (two in one millisecond have no order of their own).
    clock.at = new Date(clock.at.getTime() + 1000);
    const owner = await signIn.as(['owner'], 'o1', 'boss@example.org');
    const done = await post('/admin/resume', owner, 'csrf=o1');
    expect(done.statusCode).toBe(303);
    expect((await db.sendingState.get()).pause).toBeUndefined();
    expect((await get('/admin', owner, 'done=resumed')).body).toContain('Sending resumed.');

    expect((await get('/admin/audit', await signIn.as(['viewer']))).statusCode).toBe(403);
    const log = await get('/admin/audit', owner);
    expect(log.statusCode).toBe(200);
    const resume = log.body!.indexOf('<td>boss@example.org</td><td>owner</td><td>resume</td>');
    const refusal = log.body!.indexOf('<td>writer@example.org</td><td>editor</td><td>refused</td><td>POST /admin/resume</td>');
    expect(resume).toBeGreaterThan(-1);
    expect(refusal).toBeGreaterThan(resume);

    const stored = (await scanAll(tables.names.deliveries)).filter((i) => i.campaignId === auditPartition(clock.now()));
    expect(stored.length).toBeGreaterThanOrEqual(2);
    for (const item of stored) expect(item.expiresAt).toBe(Math.floor(Date.parse(item.at as string) / 1000) + 400 * 86_400);
  });

  it('pages the log across months, newest first, without repeating or losing an entry', async () => {
    const log = deskFromEnv(clock, { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries }).audit;
    const now = new Date('2026-03-10T12:00:00Z');
    const times = ['2026-01-31T23:59:00Z', '2026-02-01T00:00:00Z', '2026-02-15T08:00:00Z', '2026-03-01T00:00:00Z', '2026-03-10T11:00:00Z'];
    for (const at of times) await log.record({ at, who: 'pager@example.org', role: 'owner', action: 'save', target: at });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.recent(now, 2, cursor);
      seen.push(...page.rows.filter((r) => r.who === 'pager@example.org').map((r) => r.at));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([...times].reverse());
  });
});
