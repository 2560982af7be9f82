/**
 * The console's preview and test send against DynamoDB Local and the run's SES emulator, through
 * the console handler with its real session seals and ID token check (test/support/console-tokens.ts),
 * the desk made from the function's environment as on AWS (lambdas/console/desk.ts). The frames
 * hold the message the CLI's `preview` composes (the same use-case, compared byte for byte), a test
 * send arrives at the emulator marked as `send-test` marks it. Tries: 11 addresses, a CR (and a
 * CRLF) header injection in the list, a viewer sending, a send without the CSRF token, a 51st test
 * message in an hour, an unknown
 * issue id, a non-breaking article as an alert: each refused with nothing sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { deskFromEnv, type Desk } from '../../lambdas/console/desk';
import { MESSAGE_FRAME_CSP } from '../../lambdas/console/message-frame';
import { auditPartition } from '../../lambdas/core/audit';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { publish } from '../../lambdas/usecases/publish';
import { previewMessage, TEST_SUBJECT_PREFIX } from '../../lambdas/usecases/test-send';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { walkedClock } from '../support/clocked-runtime';
import { consoleRequests, DESK_MAIL_ENV, testSignIn, type TestSignIn } from '../support/console-tokens';
import { inboxAt } from '../support/inbox';
import { sampleFiles, TEST_KEYS, uniqueDomain } from '../support/pipeline';
import { createTestTables, scanAll, type TestTables } from '../support/tables';

const ALERT_FILE = 'content/eu-japan-security-brief/alerts/north-korea-icbm-test.md';
const ALERT = 'north-korea-icbm-test';
const ARTICLE = 'eu-east-asia-tour-defence-talks';
const SETTINGS = DESK_MAIL_ENV;
const clock = walkedClock();
let tables: TestTables;
let desk: Desk;
let signIn: TestSignIn;
const { get, post } = consoleRequests(() => signIn);

const unescape = (s: string) =>
  s.replace(
    /&(lt|gt|quot|#x27|#x60|#x3D|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#x27': "'", '#x60': '`', '#x3D': '=', amp: '&' })[e]!,
  );

/** The message as the CLI's `preview` composes it, with the console's settings and keys. */
async function cliPreview(what: { issueId: string } | { articleId: string }) {
  const db = dynamoPorts(documentClient(), tables.names);
  return previewMessage(
    {
      content: db.content,
      subscribers: db.subscribers,
      settings: desk.mail!.settings,
      keys: parseSigningKeys(TEST_KEYS),
      clock,
    },
    what,
  );
}

beforeAll(async () => {
  tables = await createTestTables('prev');
  const db = dynamoPorts(documentClient(), tables.names);
  await publish({ content: db.content, clock }, [...sampleFiles(), { name: ALERT_FILE, text: readFileSync(ALERT_FILE, 'utf8') }]);
  // The SES endpoint is the run's emulator (AWS_ENDPOINT_URL_SES, set by the global setup), as npm start sets it.
  desk = deskFromEnv(clock, { CONTENT_TABLE: tables.names.content, DELIVERIES_TABLE: tables.names.deliveries, ...SETTINGS });
  signIn = await testSignIn({ desk, clock }, clock.now());
});

afterAll(async () => {
  await tables?.drop();
});

describe('the preview', () => {
  const page = `/admin/issues/${SAMPLE_ISSUE_ID}/preview`;

  it("frames the issue's real message (the CLI's preview, byte for byte) at 600 and 375 px and dark, under the page's frame-src 'self'", async () => {
    const viewer = await signIn.as(['viewer']);
    const r = await get(page, viewer);
    expect(r.statusCode).toBe(200);
    expect(r.headers?.['content-security-policy']).toContain("frame-src 'self'");
    expect(r.body).not.toMatch(/<script/i);
    const frame = `${page}/message`;
    expect(r.body).toContain(`<iframe src="${frame}" width="600"`);
    expect(r.body).toContain(`<iframe src="${frame}" width="375"`);
    expect(r.body).toContain(`<iframe src="${frame}?scheme=dark" width="375"`);

    const cli = await cliPreview({ issueId: SAMPLE_ISSUE_ID });
    const light = await get(frame, viewer);
    expect(light.statusCode).toBe(200);
    // The message's own document, which may run no script and be framed by the console only.
    expect(light.headers?.['content-security-policy']).toBe(MESSAGE_FRAME_CSP);
    expect(MESSAGE_FRAME_CSP).toMatch(/frame-ancestors 'self'.*; sandbox$/);
    expect(MESSAGE_FRAME_CSP).not.toMatch(/script-src|unsafe-eval/);
    expect(light.body).toBe(cli.message.html);
    expect(light.body).toContain(`<title>${cli.message.subject}</title>`);
    const [article] = await desk.content.getArticles([ARTICLE]);
    expect(light.body).toContain(article.title);

    const dark = await get(frame, viewer, 'scheme=dark');
    expect(dark.headers?.['content-security-policy']).toBe(MESSAGE_FRAME_CSP);
    expect(dark.body).not.toMatch(/prefers-color-scheme:\s*dark/);
    expect(dark.body).toContain('<style>:root{color-scheme:dark}</style></head>');
    expect(dark.body).toContain(article.title);
  });

  it("shows the text part as the CLI writes it, and the CLI's size check", async () => {
    const r = await get(page, await signIn.as(['viewer']));
    const cli = await cliPreview({ issueId: SAMPLE_ISSUE_ID });
    const text = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(r.body!)![1];
    expect(unescape(text)).toBe(cli.message.text);
    expect(r.body).toMatch(/size: message \d+\.\d KB, HTML \d+\.\d KB, text \d+\.\d KB/);
    expect(r.body).toMatch(/OK: the HTML is \d+\.\d KB, under the 90\.0 KB limit/);
    expect(r.body).toContain('OK: one-click unsubscribe');
    // A viewer sees no send form.
    expect(r.body).toContain('Editors and owners can send a test.');
    expect(r.body).not.toContain('action="/admin/issues/');
  });

  it("previews a breaking article's alert; a non-breaking article is refused, an unknown issue answers 404 with the nearest id", async () => {
    const viewer = await signIn.as(['viewer']);
    const cli = await cliPreview({ articleId: ALERT });
    const alert = await get(`/admin/articles/${ALERT}/preview/message`, viewer);
    expect(alert.statusCode).toBe(200);
    expect(alert.body).toBe(cli.message.html);
    expect((await get(`/admin/articles/${ALERT}/preview`, viewer)).body).toContain(`Preview: ${cli.title}`);

    const plain = await get(`/admin/articles/${ARTICLE}/preview`, viewer);
    expect(plain.statusCode).toBe(400);
    expect(plain.body).toContain('is not breaking');
    const unknown = await get('/admin/issues/eu-japan-security-brief-01/preview', viewer);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain(`did you mean &quot;${SAMPLE_ISSUE_ID}&quot;`);
  });
});

describe('a test send', () => {
  const send = `/admin/issues/${SAMPLE_ISSUE_ID}/send-test`;

  it('reaches the two given addresses, marked [Test], and is audited with the addresses masked', async () => {
    const domain = uniqueDomain();
    const editor = await signIn.as(['editor'], 'e1', 'writer@example.org');
    const r = await post(send, editor, { csrf: 'e1', to: 'list', addresses: `first@${domain}\r\nsecond@${domain}` });
    expect(r.statusCode).toBe(303);
    expect(r.headers?.location).toBe(`/admin/issues/${SAMPLE_ISSUE_ID}/preview?sent=2&failed=0#send-test`);
    const got = await inboxAt(domain);
    expect(got.map((m) => m.destination.to).sort()).toEqual([[`first@${domain}`], [`second@${domain}`]]);
    const cli = await cliPreview({ issueId: SAMPLE_ISSUE_ID });
    for (const m of got) expect(m.subject).toBe(`${TEST_SUBJECT_PREFIX}${cli.message.subject}`);
    expect((await get(`/admin/issues/${SAMPLE_ISSUE_ID}/preview`, editor, 'sent=2&failed=0')).body).toContain('Test sent to 2 addresses.');

    const audit = (await scanAll(tables.names.deliveries)).filter(
      (i) => i.campaignId === auditPartition(clock.now()) && i.action === 'send-test',
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ who: 'writer@example.org', role: 'editor', target: `digest ${SAMPLE_ISSUE_ID}` });
    expect(audit[0].detail).toBe(`sent to f***@${domain}, s***@${domain}`);
    expect(JSON.stringify(audit[0])).not.toContain(`first@${domain}`);
  });

  it("to yourself: the signed-in editor's own address", async () => {
    const domain = uniqueDomain();
    const owner = await signIn.as(['owner'], 'o1', `boss@${domain}`);
    const r = await post(send, owner, { csrf: 'o1', to: 'me', addresses: '' });
    expect(r.statusCode).toBe(303);
    expect((await inboxAt(domain)).map((m) => m.destination.to)).toEqual([[`boss@${domain}`]]);
  });

  describe('bad input: refused with the reason in the page, nothing sent', () => {
    it('11 addresses: refused, the list kept as typed', async () => {
      const domain = uniqueDomain();
      const typed = Array.from({ length: 11 }, (_, i) => `p${i}@${domain}`).join('\n');
      const r = await post(send, await signIn.as(['editor'], 'e2'), { csrf: 'e2', to: 'list', addresses: typed });
      expect(r.statusCode).toBe(400);
      expect(r.body).toContain('The list: 11 addresses; a test goes to at most 10');
      expect(r.body).toContain(`>${typed}</textarea>`);
      expect(await inboxAt(domain)).toEqual([]);
    });

    it.each([
      [
        'a bare CR inside the line',
        (a: string, b: string) => `ok@${a}\rBcc: victim@${b}`,
        /Line 1: invalid email address .*control character/,
      ],
      [
        'a CRLF: the header on a line of its own',
        (a: string, b: string) => `ok@${a}\r\nBcc: victim@${b}`,
        /Line 2: invalid email address &quot;Bcc: victim@/,
      ],
    ])('a header injection (%s): refused, neither address gets anything', async (_name, list, message) => {
      const [a, b] = [uniqueDomain(), uniqueDomain()];
      const r = await post(send, await signIn.as(['editor'], 'e3'), { csrf: 'e3', to: 'list', addresses: list(a, b) });
      expect(r.statusCode).toBe(400);
      expect(r.body).toMatch(message);
      expect(r.body).toContain('Nothing was sent.');
      expect(await inboxAt(a)).toEqual([]);
      expect(await inboxAt(b)).toEqual([]);
    });

    it('a viewer sending a test: 403 and audited as refused', async () => {
      const domain = uniqueDomain();
      const r = await post(send, await signIn.as(['viewer'], 'v1', 'reader@example.org'), {
        csrf: 'v1',
        to: 'list',
        addresses: `x@${domain}`,
      });
      expect(r.statusCode).toBe(403);
      expect(await inboxAt(domain)).toEqual([]);
      const refused = (await scanAll(tables.names.deliveries)).filter((i) => i.action === 'refused' && i.who === 'reader@example.org');
      expect(refused.map((i) => i.target)).toEqual([`POST ${send}`]);
    });

    it('past 50 test messages in an hour from one editor: refused with when it may send again, nothing sent; another editor still may', async () => {
      const flood = await signIn.as(['editor'], 'f1', 'flood@example.org', 'flood');
      const ten = (d: string) => Array.from({ length: 10 }, (_, i) => `p${i}@${d}`).join('\n');
      // Within the hour of the run's clock: the counter is per clock hour.
      for (let i = 0; i < 5; i++)
        expect((await post(send, flood, { csrf: 'f1', to: 'list', addresses: ten(uniqueDomain()) })).statusCode).toBe(303);
      const domain = uniqueDomain();
      const r = await post(send, flood, { csrf: 'f1', to: 'list', addresses: `one@${domain}` });
      expect(r.statusCode).toBe(429);
      expect(r.body).toContain('this would pass the 50 test messages one editor may send in an hour');
      expect(r.body).toContain(`>one@${domain}</textarea>`);
      expect(await inboxAt(domain)).toEqual([]);
      const refused = (await scanAll(tables.names.deliveries)).filter((i) => i.action === 'refused' && i.who === 'flood@example.org');
      expect(refused.map((i) => i.detail)).toEqual(['over 50 test messages this hour']);
      const other = uniqueDomain();
      expect(
        (
          await post(send, await signIn.as(['editor'], 'f2', 'calm@example.org', 'calm'), {
            csrf: 'f2',
            to: 'list',
            addresses: `x@${other}`,
          })
        ).statusCode,
      ).toBe(303);
    });

    it('no CSRF token: 403', async () => {
      const domain = uniqueDomain();
      const r = await post(send, await signIn.as(['editor'], 'e4'), { to: 'list', addresses: `x@${domain}` });
      expect(r.statusCode).toBe(403);
      const wrong = await post(send, await signIn.as(['editor'], 'e4'), { csrf: 'e5', to: 'list', addresses: `x@${domain}` });
      expect(wrong.statusCode).toBe(403);
      expect(await inboxAt(domain)).toEqual([]);
    });
  });
});
