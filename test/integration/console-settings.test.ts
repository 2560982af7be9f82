/**
 * The console's settings page against real tables in DynamoDB Local, through the handler with its
 * real session seals and CSRF check: topics and page text saved through publish's own reader and
 * rules (usecases/save-content.ts), the stack's settings shown read-only. Tries: a topic dropped
 * while an article or a reader still uses it, an empty label and a weekday in the digest's line
 * (each beside its input, the form kept, nothing stored), YAML typed into a label, an editor
 * saving (owners only), a save without the CSRF token, two owners saving from the same version.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { DynamoTopicUsage } from '../../lambdas/adapters/dynamodb/topic-usage';
import { addressDigest } from '../../lambdas/core/address';
import { settingsFormValues, type SettingsFormValues } from '../../lambdas/core/content/settings-form';
import { publish } from '../../lambdas/usecases/publish';
import { upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, DESK_MAIL_ENV, testSignIn, type TestSignIn } from '../support/console-tokens';
import { sampleFiles } from '../support/pipeline';
import { createTestTables, scanAll, type TestTables } from '../support/tables';

const ADDRESS_KEY = 'k'.repeat(40);
const TOPICS_FILE = 'content/eu-japan-security-brief/topics.md';
const clock = walkedClock();
let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);
const owner = (csrf = 'o1', email = 'boss@example.org') => signIn.as(['owner'], csrf, email);

/** The form as the page posts it: every stored row, then what the test changes. */
function formOf(v: SettingsFormValues, baseVersion: number, csrf = 'o1'): Record<string, string> {
  const form: Record<string, string> = {
    csrf,
    baseVersion: String(baseVersion),
    blurb: v.blurb,
    'wording-schedule': v.wordingSchedule,
    'wording-local-time': v.wordingLocalTime,
  };
  v.topics.forEach((t, i) =>
    Object.assign(form, { [`topic-${i}-id`]: t.id, [`topic-${i}-label`]: t.label, [`topic-${i}-description`]: t.description }),
  );
  return form;
}
const stored = async () => settingsFormValues((await db.settings.getSettings())!);
const version = async () => (await db.settings.settingsStamp!())?.version ?? 0;

beforeAll(async () => {
  tables = await createTestTables('desksettings');
  db = dynamoPorts(documentClient(), tables.names);
  await publish({ content: db.content, clock, settings: db.settings }, [
    { name: TOPICS_FILE, text: readFileSync(TOPICS_FILE, 'utf8') },
    ...sampleFiles(),
  ]);
  desk = deskFromEnv(clock, {
    CONTENT_TABLE: tables.names.content,
    DELIVERIES_TABLE: tables.names.deliveries,
    SUBSCRIBERS_TABLE: tables.names.subscribers,
    ADDRESS_KEY,
    RESERVED_DOMAINS: 'allow',
    ...DESK_MAIL_ENV,
    DIGEST_SCHEDULE_CRON: '0 7 * * MON',
    DIGEST_TIME_ZONE: 'Europe/Brussels',
    DIGEST_DELIVERY: 'schedule',
  });
  signIn = await testSignIn({ desk, clock }, clock.now());
});

afterAll(async () => {
  await tables?.drop();
});

describe('the settings page', () => {
  it("shows the stored topics and text as a form, and the stack's sender, schedule and delivery read-only with where to change them", async () => {
    const r = await get('/admin/settings', await owner());
    expect(r.statusCode).toBe(200);
    const v = await stored();
    expect(r.body).toContain(`name="topic-0-id" type="text" value="${v.topics[0].id}"`);
    expect(r.body).toContain(`name="topic-${v.topics.length + 2}-id" type="text" value=""`);
    expect(r.body).toContain('EU–Japan Security Brief &lt;brief@news.example.com&gt;');
    expect(r.body).toContain('on Mondays at 07:00, Europe/Brussels time');
    expect(r.body).toContain('schedule: everyone at the scheduled time');
    expect(r.body).toContain('<code>scheduleCron</code>');
  });

  it('adds a topic and relabels one: stored as publish stores it, a version more, in the audit log; then drops the unused one', async () => {
    const before = await stored();
    const base = await version();
    const form = formOf(before, base);
    Object.assign(form, {
      'topic-0-label': 'Diplomacy: "summits" & talks',
      [`topic-${before.topics.length}-id`]: 'economic-security',
      [`topic-${before.topics.length}-label`]: 'Economic security',
      [`topic-${before.topics.length}-description`]: 'Supply chains, export controls and critical minerals.',
      [`topic-${before.topics.length + 1}-id`]: '',
    });
    const saved = await post('/admin/settings', await owner(), form);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers?.location).toBe('/admin/settings?done=saved');
    const after = await stored();
    // YAML typed into a label is the label's text, nothing more.
    expect(after.topics[0].label).toBe('Diplomacy: "summits" & talks');
    expect(after.topics.map((t) => t.id)).toEqual([...before.topics.map((t) => t.id), 'economic-security']);
    expect(await version()).toBe(base + 1);
    const audit = await desk.audit.recent(clock.now(), 5);
    expect(audit.rows[0]).toMatchObject({ action: 'settings', who: 'boss@example.org', target: 'topics.md' });

    // Emptying its row drops it (no article or reader uses it).
    const dropped = formOf(after, base + 1);
    for (const f of ['id', 'label', 'description']) dropped[`topic-${after.topics.length - 1}-${f}`] = '';
    expect((await post('/admin/settings', await owner(), dropped)).statusCode).toBe(303);
    expect((await stored()).topics.map((t) => t.id)).not.toContain('economic-security');
  });

  it('refuses to drop a topic an article uses, or one only a reader chose (counted on the readers index, as the CLI counts)', async () => {
    const v = await stored();
    const cyber = v.topics.findIndex((t) => t.id === 'cyber');
    const form = formOf(v, await version());
    for (const f of ['id', 'label', 'description']) form[`topic-${cyber}-${f}`] = '';
    const refused = await post('/admin/settings', await owner(), form);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/cyber[^<]*eu-east-asia-tour-defence-talks/);
    expect((await stored()).topics.map((t) => t.id)).toContain('cyber');

    // A topic no article is about, chosen by one reader.
    const withNew = formOf(v, await version());
    Object.assign(withNew, {
      [`topic-${v.topics.length}-id`]: 'sanctions',
      [`topic-${v.topics.length}-label`]: 'Sanctions',
      [`topic-${v.topics.length}-description`]: 'Who is sanctioned, and why.',
    });
    expect((await post('/admin/settings', await owner(), withNew)).statusCode).toBe(303);
    await upsertSubscriber(
      { subscribers: db.subscriptions, clock, digest: addressDigest(ADDRESS_KEY) },
      { email: 'reader@example.org', topics: ['sanctions'] },
      'cli',
      { allowReservedDomains: true, settings: await db.settings.getSettings() },
    );
    const cli = new DynamoTopicUsage(documentClient(), tables.names);
    expect(await desk.editing.topicUsage!.readersByTopic(['sanctions', 'cyber'])).toEqual(await cli.readersByTopic(['sanctions', 'cyber']));
    const now = await stored();
    const drop = formOf(now, await version());
    for (const f of ['id', 'label', 'description']) drop[`topic-${now.topics.length - 1}-${f}`] = '';
    const kept = await post('/admin/settings', await owner(), drop);
    expect(kept.statusCode).toBe(400);
    expect(kept.body).toMatch(/sanctions[^<]*1 reader/);
    expect((await stored()).topics.map((t) => t.id)).toContain('sanctions');
  });

  it('an empty label and a weekday in the digest line are shown beside their inputs, the form kept as typed, nothing stored', async () => {
    const v = await stored();
    const base = await version();
    const form = formOf(v, base);
    Object.assign(form, { 'topic-1-label': '', 'wording-schedule': 'Every Monday morning', blurb: 'A new opening paragraph.' });
    const r = await post('/admin/settings', await owner(), form);
    expect(r.statusCode).toBe(400);
    expect(r.body).toMatch(/id="f-topic-1-label"[^>]*aria-invalid="true" aria-describedby="e-topic-1-label"/);
    expect(r.body).toMatch(/<span class="error" id="e-wording-schedule">[^<]*names a day/);
    expect(r.body).toContain('>A new opening paragraph.</textarea>');
    expect(await version()).toBe(base);
    expect((await stored()).blurb).toBe(v.blurb);
  });

  it('refuses an editor (403, audited) and a save without the CSRF token; a second owner from the same version is told who saved first', async () => {
    const v = await stored();
    const base = await version();
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    expect((await get('/admin/settings', editor)).statusCode).toBe(403);
    expect((await post('/admin/settings', editor, { ...formOf(v, base, 'e1'), blurb: 'Changed by an editor.' })).statusCode).toBe(403);
    expect((await post('/admin/settings', await owner(), { ...formOf(v, base), csrf: '', blurb: 'No token.' })).statusCode).toBe(403);
    expect(await version()).toBe(base);
    const refusals = (await scanAll(tables.names.deliveries)).filter(
      (i) => i.action === 'refused' && String(i.target).includes('/admin/settings'),
    );
    // One entry for the editor's minute, both refusals counted on it (the first one's target kept).
    expect(refusals.map((i) => [i.who, i.target, i.repeats])).toEqual([['writer@example.org', 'GET /admin/settings', 2]]);

    // Refusals cannot bury the log: sixty more that minute, to sixty paths, are still that one entry.
    for (let i = 0; i < 60; i++) await get(`/admin/settings/x${i}`.replace('/settings/', '/subscribers/'), editor);
    const page = await get('/admin/audit', await owner());
    // The targets are kept (up to 20), so the first cannot hide the others, and the page lists them all.
    expect(page.body).toMatch(
      /\(62 refusals that minute; the targets kept \(20, at most 20, the later ones counted only\): GET \/admin\/settings; /,
    );
    const entry = (await scanAll(tables.names.deliveries)).find((i) => i.action === 'refused' && i.who === 'writer@example.org')!;
    expect((entry.targets as Set<string>).size).toBe(20);
    expect(entry.targets).toContain('POST /admin/settings');
    expect(page.body).toContain('<td>settings</td>');

    const first = await post('/admin/settings', await owner('a1', 'first@example.org'), {
      ...formOf(v, base, 'a1'),
      blurb: 'First owner’s paragraph.',
    });
    expect(first.statusCode).toBe(303);
    const second = await post('/admin/settings', await owner('b1', 'second@example.org'), {
      ...formOf(v, base, 'b1'),
      blurb: 'Second owner’s paragraph.',
    });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('changed by first@example.org');
    expect(second.body).toContain('>Second owner’s paragraph.</textarea>');
    expect((await stored()).blurb).toBe('First owner’s paragraph.');
  });
});
