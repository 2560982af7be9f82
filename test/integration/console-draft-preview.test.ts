/**
 * The preview as you type (pages/draft-preview.ts, usecases/preview-draft.ts) against real tables
 * in DynamoDB Local, through the console handler: what an editor typed and autosaved is composed
 * as readers would get it once published — the same bytes the CLI's `preview` gives after the
 * publish — while nothing is stored. Tries: a malformed date and a missing article in a draft
 * (listed, nothing composed), script typed into a title (escaped; the frame runs none), a viewer
 * asking for a draft's preview (403), an article in no issue (shown in a sample issue, said so).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { MESSAGE_FRAME_CSP } from '../../lambdas/console/message-frame';
import { formValues } from '../../lambdas/core/content/form';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { publish } from '../../lambdas/usecases/publish';
import { previewMessage } from '../../lambdas/usecases/test-send';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, DESK_MAIL_ENV, testSignIn, type TestSignIn } from '../support/console-tokens';
import { sampleFiles, TEST_KEYS } from '../support/pipeline';
import { createTestTables, type TestTables } from '../support/tables';

const SETTINGS = DESK_MAIL_ENV;
const ARTICLE = 'eu-east-asia-tour-defence-talks';
const clock = walkedClock();
let tables: TestTables;
let db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);

beforeAll(async () => {
  tables = await createTestTables('draftprev');
  db = dynamoPorts(documentClient(), tables.names);
  await publish({ content: db.content, clock }, sampleFiles());
  desk = deskFromEnv(clock, { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries, ...SETTINGS });
  signIn = await testSignIn({ desk, clock }, clock.now());
});

afterAll(async () => {
  await tables?.drop();
});

const issueFields = async (extra: Record<string, string>) => ({
  ...formValues('issue', await db.content.getIssue(SAMPLE_ISSUE_ID)),
  ...extra,
});
const frameOf = (kind: string, key: string) => `/admin/drafts/${kind}/${key}/preview/message`;

describe('the preview as you type', () => {
  it("the editor frames the draft's message; an autosaved title is in it at once, and it is the message the publish then makes", async () => {
    const editor = await signIn.as(['editor'], 'p1', 'writer@example.org');
    const page = await get(`/admin/issues/${SAMPLE_ISSUE_ID}/edit`, editor);
    expect(page.body).toContain(`<iframe id="preview-frame" src="${frameOf('issue', SAMPLE_ISSUE_ID)}"`);

    const before = await get(frameOf('issue', SAMPLE_ISSUE_ID), editor);
    expect(before.statusCode).toBe(200);
    expect(before.headers?.['content-security-policy']).toBe(MESSAGE_FRAME_CSP);
    expect(before.body).not.toContain('Typed a moment ago');

    const form = await issueFields({ title: 'Typed a moment ago', editorsNote: 'A note typed in the console.' });
    const kept = await post(`/admin/drafts/issue/${SAMPLE_ISSUE_ID}`, editor, { csrf: 'p1', baseVersion: '1', ...form }, 'js=1');
    expect(kept.statusCode).toBe(204);
    const typed = await get(frameOf('issue', SAMPLE_ISSUE_ID), editor);
    expect(typed.body).toContain('Typed a moment ago');
    expect(typed.body).toContain('A note typed in the console.');
    const text = await get(frameOf('issue', SAMPLE_ISSUE_ID), editor, 'view=text');
    expect(text.body).toContain('A note typed in the console.');
    // Nothing is stored by a preview.
    expect((await db.content.getIssue(SAMPLE_ISSUE_ID))?.title).not.toBe('Typed a moment ago');

    // Published as typed, the CLI's preview of the stored issue is the same message, byte for byte.
    const saved = await post('/admin/issues/save', editor, { csrf: 'p1', key: SAMPLE_ISSUE_ID, baseVersion: '1', ...form });
    expect(saved.statusCode).toBe(303);
    const cli = await previewMessage(
      {
        content: db.content,
        subscribers: db.subscribers,
        settings: desk.mail!.settings,
        keys: parseSigningKeys(TEST_KEYS),
        clock,
      },
      { issueId: SAMPLE_ISSUE_ID },
    );
    expect(typed.body).toBe(cli.message.html);
  });

  it('a malformed date and a missing article are listed in the frame and on the page, and nothing is composed', async () => {
    const editor = await signIn.as(['editor'], 'p2', 'ed@example.org', 'bad-date');
    const form = await issueFields({ date: '6 Dec 2026' });
    await post('/admin/drafts/issue/new-bad-date', editor, { csrf: 'p2', baseVersion: '0', ...form, id: 'draft-with-bad-date' }, 'js=1');
    const frame = await get(frameOf('issue', 'new-bad-date'), editor);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers?.['content-security-policy']).toBe(MESSAGE_FRAME_CSP);
    expect(frame.body).toMatch(/<li>date: [^<]*YYYY-MM-DD/);
    const full = await get('/admin/drafts/issue/new-bad-date/preview', editor);
    expect(full.body).toContain('cannot be composed yet');

    const other = await signIn.as(['editor'], 'p2', 'ed@example.org', 'missing');
    const missing = await issueFields({ articles: `${ARTICLE}\nno-such-story`, lead: '' });
    await post('/admin/drafts/issue/new-missing', other, { csrf: 'p2', baseVersion: '0', ...missing, id: 'draft-missing' }, 'js=1');
    expect((await get(frameOf('issue', 'new-missing'), other)).body).toContain('articles: no such article: no-such-story');
  });

  it('script typed into a title is text in the message, the problems and the text part; the frame runs none', async () => {
    const editor = await signIn.as(['editor'], 'p3', 'ed@example.org', 'xss');
    const form = await issueFields({ id: 'xss-draft', title: '<script>alert(1)</script> & <img src=x onerror=alert(2)>' });
    await post('/admin/drafts/issue/new-xss', editor, { csrf: 'p3', baseVersion: '0', ...form }, 'js=1');
    for (const q of ['', 'view=text', 'scheme=dark']) {
      const r = await get(frameOf('issue', 'new-xss'), editor, q);
      expect(r.body).toContain('alert(1)');
      expect(r.body).not.toMatch(/<script|<img src=x/i);
      expect(r.headers?.['content-security-policy']).toMatch(/; sandbox$/);
    }
    const page = await get('/admin/drafts/issue/new-xss/preview', editor);
    expect(page.body).not.toMatch(/<script>alert|<img src=x/i);
  });

  it('an article in no issue is shown alone in a sample issue, and the page says so; in the latest issue, in that issue', async () => {
    const editor = await signIn.as(['editor'], 'p4');
    const stored = (await db.content.getArticles([ARTICLE]))[0];
    const inIssue = { ...formValues('article', stored), title: 'A headline typed now' };
    await post(`/admin/drafts/article/${ARTICLE}`, editor, { csrf: 'p4', baseVersion: String(stored.version), ...inIssue }, 'js=1');
    const latest = await db.content.latestIssue();
    const framed = await get(frameOf('article', ARTICLE), editor);
    expect(framed.body).toContain('A headline typed now');
    expect(framed.body).toContain(latest!.title);
    expect((await get(`/admin/drafts/article/${ARTICLE}/preview`, editor)).body).not.toContain('sample issue');

    const alone = { ...formValues('article', stored), id: 'not-in-any-issue', title: 'A story of its own' };
    const alone2 = await signIn.as(['editor'], 'p4', 'ed@example.org', 'alone');
    await post('/admin/drafts/article/new-alone', alone2, { csrf: 'p4', baseVersion: '0', ...alone }, 'js=1');
    const page = await get('/admin/drafts/article/new-alone/preview', alone2);
    expect(page.body).toContain('A story of its own');
    expect(page.body).toContain(`The latest issue (${latest!.id}) does not name this article`);
  });

  it("a viewer may not read a draft's preview (403); a new item with nothing typed says so", async () => {
    const viewer = await signIn.as(['viewer']);
    expect((await get(frameOf('issue', SAMPLE_ISSUE_ID), viewer)).statusCode).toBe(403);
    const editor = await signIn.as(['editor'], 'tok', 'ed@example.org', 'nobody-typed');
    expect((await get(frameOf('article', 'new-nobody-typed'), editor)).body).toContain('nothing typed yet');
    // Another editor's new draft is theirs: not previewed, not written (mistake: guessable keys shared by all).
    expect((await get(frameOf('issue', 'new-xss'), editor)).statusCode).toBe(404);
    const planted = await post(
      '/admin/drafts/issue/new-xss',
      editor,
      { csrf: 'tok', baseVersion: '0', ...(await issueFields({})) },
      'js=1',
    );
    expect(planted.statusCode).toBe(404);
  });
});
