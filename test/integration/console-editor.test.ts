/**
 * The console's editor against real tables in DynamoDB Local, through the handler (as
 * console-desk.test.ts): an article written in the form, refused with its messages beside the
 * fields, then published through the same use-case as `publish`; two editors saving from the
 * same version; drafts kept as one types. Tries: a malformed date (inline, nothing stored), a
 * save over a newer version (refused naming who and when, the text kept), a viewer saving, an
 * editor publishing a breaking article (owners only), an oversized draft.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { formValues } from '../../lambdas/core/content/form';
import { parseContent } from '../../lambdas/core/content/parse';
import type { Article } from '../../lambdas/core/model';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, testSignIn, type TestSignIn } from '../support/console-tokens';
import { createTestTables, scanAll, type TestTables } from '../support/tables';

const clock = walkedClock();
let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);

const sampleArticle = parseContent(
  'a.md',
  readFileSync('content/eu-japan-security-brief/articles/eu-east-asia-tour-defence-talks.md', 'utf8'),
  new Date(),
) as Article;
const fields = (extra: Record<string, string>) => ({ ...formValues('article', { ...sampleArticle, id: 'console-written' }), ...extra });

beforeAll(async () => {
  tables = await createTestTables('editor');
  db = dynamoPorts(documentClient(), tables.names);
  desk = deskFromEnv(clock, { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries });
  signIn = await testSignIn({ desk, clock }, clock.now());
});

afterAll(async () => {
  await tables?.drop();
});

describe('writing an article in the console', () => {
  it('a malformed date is refused beside the date field, the text kept as a draft, nothing stored; fixed, it is published', async () => {
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    const key = 'new-user-1';
    const refused = await post('/admin/articles/save', editor, { csrf: 'e1', key, baseVersion: '0', ...fields({ date: '6 Dec 2026' }) });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/<span class="error" id="e-date">must be a date written YYYY-MM-DD/);
    expect(refused.body).toContain('aria-invalid="true" aria-describedby="e-date"');
    expect(refused.body).toContain('value="6 Dec 2026"');
    expect((await db.content.getArticles(['console-written'])).length).toBe(0);
    expect((await desk.drafts.getDraft('article', key))?.values.date).toBe('6 Dec 2026');

    const saved = await post('/admin/articles/save', editor, { csrf: 'e1', key, baseVersion: '0', ...fields({ date: '2026-12-06' }) });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers?.location).toBe('/admin/articles/console-written/edit?done=saved');
    const [stored] = await db.content.getArticles(['console-written']);
    expect(stored).toMatchObject({ title: sampleArticle.title, version: 1, updatedBy: 'writer@example.org' });
    expect(await desk.drafts.getDraft('article', key)).toBeUndefined();
    const page = await get('/admin/articles/console-written/edit', editor, 'done=saved');
    expect(page.body).toContain('Published.');
    expect(page.body).toContain('name="baseVersion" value="1"');
  });

  it('two editors from version 1: the first saves, the second is refused naming who and when, and keeps their text', async () => {
    const first = await signIn.as(['editor'], 'a1', 'first@example.org');
    const second = await signIn.as(['owner'], 'b1', 'second@example.org');
    const ok = await post('/admin/articles/save', first, {
      csrf: 'a1',
      key: 'console-written',
      baseVersion: '1',
      ...fields({ title: 'First edit' }),
    });
    expect(ok.statusCode).toBe(303);
    const late = await post('/admin/articles/save', second, {
      csrf: 'b1',
      key: 'console-written',
      baseVersion: '1',
      ...fields({ title: 'Second edit' }),
    });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('was changed by first@example.org on');
    expect(late.body).toContain('(version 2; you started from version 1)');
    expect((await db.content.getArticles(['console-written']))[0].title).toBe('First edit');
    expect((await desk.drafts.getDraft('article', 'console-written'))?.values.title).toBe('Second edit');
  });

  it('a viewer cannot save (403), and an editor cannot publish a breaking article (owners only)', async () => {
    const viewer = await signIn.as(['viewer'], 'v1');
    expect((await post('/admin/articles/save', viewer, { csrf: 'v1', key: 'new-x', baseVersion: '0', ...fields({}) })).statusCode).toBe(
      403,
    );
    const editor = await signIn.as(['editor'], 'e2', 'writer@example.org');
    const breaking = await post('/admin/articles/save', editor, {
      csrf: 'e2',
      key: 'new-user-1',
      baseVersion: '0',
      ...fields({ id: 'breaking-one', priority: 'breaking' }),
    });
    expect(breaking.statusCode).toBe(403);
    expect(breaking.body).toMatch(/id="e-priority">publishing a breaking article sends its alert/);
    expect((await db.content.getArticles(['breaking-one'])).length).toBe(0);
    // The mistake tried: a role check on the raw field, when publish reads the value trimmed.
    const spaced = await post('/admin/articles/save', editor, {
      csrf: 'e2',
      key: 'new-user-1',
      baseVersion: '0',
      ...fields({ id: 'breaking-one', priority: 'breaking ' }),
    });
    expect(spaced.statusCode).toBe(403);
    expect((await db.content.getArticles(['breaking-one'])).length).toBe(0);
    const refused = (await scanAll(tables.names.deliveries)).filter((i) => i.action === 'refused' && i.target === 'article breaking-one');
    // Both refusals, on the editor's one entry of the minute.
    expect(refused.map((i) => i.repeats)).toEqual([2]);
  });

  it("an owner's breaking article is published only after a confirmation that says its alert goes at once, with a preview link", async () => {
    const owner = await signIn.as(['owner'], 'b1', 'boss@example.org', 'boss');
    const form = { csrf: 'b1', key: 'new-boss', baseVersion: '0', ...fields({ id: 'breaking-two', priority: 'breaking' }) };
    const asked = await post('/admin/articles/save', owner, form);
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Not published yet: publishing this breaking article sends its alert at once');
    expect(asked.body).toContain('href="/admin/drafts/article/new-boss/preview"');
    expect(asked.body).toContain('<button type="submit" form="editor" name="sendAlert" value="yes">');
    expect((await db.content.getArticles(['breaking-two'])).length).toBe(0);
    expect((await desk.drafts.getDraft('article', 'new-boss'))?.values.priority).toBe('breaking');
    // The confirmation is of this content: sendAlert alone, or a title changed since, asks again.
    const alertOf = /name="alertOf" value="([^"]+)"/.exec(asked.body!)![1];
    expect((await post('/admin/articles/save', owner, { ...form, sendAlert: 'yes' })).statusCode).toBe(200);
    const changed = await post('/admin/articles/save', owner, { ...form, title: 'Changed after the look', sendAlert: 'yes', alertOf });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain('The article changed since you confirmed it');
    expect((await db.content.getArticles(['breaking-two'])).length).toBe(0);
    const sent = await post('/admin/articles/save', owner, { ...form, sendAlert: 'yes', alertOf });
    expect(sent.statusCode).toBe(303);
    expect((await db.content.getArticles(['breaking-two']))[0]?.priority).toBe('breaking');
    // A step's token is spent once published: made normal, then breaking again with the old token, it asks again.
    const normal = { ...form, key: 'breaking-two', baseVersion: '1', priority: 'normal' };
    expect((await post('/admin/articles/save', owner, normal)).statusCode).toBe(303);
    const again = await post('/admin/articles/save', owner, {
      ...normal,
      baseVersion: '2',
      priority: 'breaking',
      sendAlert: 'yes',
      alertOf,
    });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Not published yet: publishing this breaking article sends its alert at once');
    expect((await db.content.getArticles(['breaking-two']))[0]?.priority).toBe('normal');
    // Back to breaking for the editor's checks below (the owner confirms the new step).
    const fresh = /name="alertOf" value="([^"]+)"/.exec(again.body!)![1];
    expect(
      (await post('/admin/articles/save', owner, { ...normal, baseVersion: '2', priority: 'breaking', sendAlert: 'yes', alertOf: fresh }))
        .statusCode,
    ).toBe(303);

    // Once breaking, the article is the owners' alone: the sender reads the stored text while the
    // alert is still going out (mistake: an editor's rewrite reaching readers unseen).
    const editor = await signIn.as(['editor'], 'e9', 'writer@example.org');
    const changes: Record<string, string>[] = [
      { title: 'Rewritten by an editor' },
      { title: 'Rewritten by an editor', priority: 'normal' },
      // The id as publish reads it (trimmed): a space or a tab must not miss the stored article.
      { id: ' breaking-two', priority: 'normal' },
      { id: 'breaking-two\t', priority: 'normal' },
    ];
    for (const change of changes) {
      const r = await post('/admin/articles/save', editor, {
        csrf: 'e9',
        key: 'breaking-two',
        baseVersion: '3',
        ...fields({ id: 'breaking-two', priority: 'breaking', ...change }),
      });
      expect(r.statusCode).toBe(403);
    }
    expect((await db.content.getArticles(['breaking-two']))[0]?.title).not.toBe('Rewritten by an editor');
    // And `new` is the editor's own address, never an id.
    const reserved = await post('/admin/issues/save', editor, { csrf: 'e9', key: 'new-user-1', baseVersion: '0', id: 'new' });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.body).toMatch(/id="e-id">new is the editor’s own address/);
  });
});

describe('new items', () => {
  it("opens the editor for a new issue at /admin/issues/new (mistake: the issue page's route taking `new` for an id)", async () => {
    const editor = await signIn.as(['editor'], 'n1');
    for (const kind of ['issue', 'article']) {
      const r = await get(`/admin/${kind}s/new`, editor);
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain(`<h1>New ${kind}</h1>`);
    }
  });
});

describe('drafts', () => {
  it('autosave keeps what is typed (204), the editor shows it again; an oversized draft is refused (413)', async () => {
    const editor = await signIn.as(['editor'], 'd1', 'writer@example.org', 'drafter');
    const kept = await post(
      '/admin/drafts/article/new-drafter',
      editor,
      { csrf: 'd1', baseVersion: '0', ...fields({ title: 'Half written' }) },
      'js=1',
    );
    expect(kept.statusCode).toBe(204);
    expect((await desk.drafts.getDraft('article', 'new-drafter'))?.values.title).toBe('Half written');
    const huge = await post(
      '/admin/drafts/article/new-drafter',
      editor,
      { csrf: 'd1', baseVersion: '0', ...fields({ body: 'x'.repeat(90_000) }) },
      'js=1',
    );
    expect(huge.statusCode).toBe(413);
    expect((await desk.drafts.getDraft('article', 'new-drafter'))?.values.title).toBe('Half written');
  });

  it('a publish refused for a body too large to keep as a draft says the text is not kept, beside the size message', async () => {
    const editor = await signIn.as(['editor'], 'd3', 'writer@example.org', 'big');
    const r = await post('/admin/articles/save', editor, {
      csrf: 'd3',
      key: 'new-big',
      baseVersion: '0',
      ...fields({ body: 'x'.repeat(90_000) }),
    });
    expect(r.statusCode).toBe(400);
    expect(r.body).toMatch(/id="e-body">[^<]*50000/);
    expect(r.body).toContain('Not kept as a draft either (more than 80000 characters in all): copy your text before you leave this page.');
    expect(await desk.drafts.getDraft('article', 'new-big')).toBeUndefined();
  });

  it('an autosave without the CSRF token is refused and keeps nothing', async () => {
    const editor = await signIn.as(['editor'], 'd2');
    const r = await post('/admin/drafts/article/new-nocsrf', editor, { baseVersion: '0', ...fields({}) }, 'js=1');
    expect(r.statusCode).toBe(403);
    expect(await desk.drafts.getDraft('article', 'new-nocsrf')).toBeUndefined();
  });
});
