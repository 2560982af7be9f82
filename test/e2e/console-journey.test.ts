/**
 * The editor's journey through the console in real Chromium against `npm start` (started once):
 * no session → the local provider's sign-in page → a wrong password refused there → the seeded
 * owner signed in → the "Signed in" step → Home with the owner and the role → a page that does
 * not exist → sign-out (and a second tab's stale sign-out) → signed out, the console sends to
 * sign-in again → a forged callback refused → signed in again (the provider asks anew).
 *
 * Every page is checked by `desk.check` (console-browser.ts): screenshots at 1280 and 390 px
 * under out/e2e/console-<name>-<width>.png, and axe-core at both widths with no serious or
 * critical violation. Each page of the desk joins as a step of the same journey (see below Home).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';

// Every wait ends on a positive signal (a page, a line of output); these limits only catch a hang
// (npm start's first start on a loaded machine takes minutes).
jest.setTimeout(600_000);

let desk: ConsoleBrowser;
const SESSION_COOKIE = 'briefing_console';

beforeAll(async () => {
  desk = await openConsoleBrowser();
});

afterAll(async () => {
  await desk?.close();
});

const heading = () => desk.page.getByRole('heading', { level: 1 }).textContent();
const sessionCookie = async () => (await desk.page.context().cookies(desk.consoleUrl)).find((c) => c.name === SESSION_COOKIE);
/** A link of the console's navigation. */
const nav = (name: string) => desk.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name });
/** The value beside a term of the page's description list. */
const described = (term: string) => desk.page.locator(`dt:text-is("${term}") + dd`).textContent();

describe('an editor in the console', () => {
  it("opens the console with no session and lands on the provider's sign-in page", async () => {
    // The mistake this catches: a console page served without a session.
    const res = await desk.page.goto(desk.consoleUrl);
    expect(desk.page.url().startsWith(`${desk.issuer}/interaction/`)).toBe(true);
    expect(res?.status()).toBe(200);
    await expect(heading()).resolves.toBe('Sign in to the Briefing console');
    await desk.check('sign-in');
  });

  it('is refused at the provider with a wrong password, with the message on the form, and gets no session', async () => {
    await desk.submitSignIn({ email: desk.login.email, password: `${desk.login.password}-wrong` });
    expect(desk.page.url().startsWith(desk.issuer)).toBe(true);
    await expect(desk.page.getByRole('alert').textContent()).resolves.toBe('Wrong email or password.');
    await desk.check('sign-in-refused');
    expect(await sessionCookie()).toBeUndefined();
  });

  it('signs the seeded owner in: the "Signed in" page asks for Home by itself, and its link opens Home', async () => {
    // The callback's page moves on to Home at once (meta refresh): that request is answered with
    // 204, so the page stays to be checked; then its own link is followed, as without the refresh.
    const askedForHome = await desk.stayOnNext('/admin/');
    await desk.submitSignIn();
    await askedForHome.requested;
    expect(new URL(desk.page.url()).pathname).toBe('/admin/callback');
    await expect(heading()).resolves.toBe('Signed in');
    expect(await sessionCookie()).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    await desk.check('signed-in');
    await desk.page.getByRole('link', { name: 'Open the console' }).click();
    await desk.page.waitForURL(desk.consoleUrl);
  });

  it('shows Home with the signed-in owner and the role', async () => {
    await expect(heading()).resolves.toBe('Home');
    await expect(described('Signed in as')).resolves.toBe(desk.login.email);
    await expect(described('Role')).resolves.toBe('owner');
    await desk.check('home');
  });

  // The desk's next pages join here, each as a step of this journey, in the order an editor
  // goes: reach the page as an editor does (a link or a form, not only its URL), assert what it
  // shows, then `await desk.check('<name>')`: issues and articles, preview, send, stats,
  // subscribers, audit log.

  it('lists issues and articles by state, and narrows them by a search', async () => {
    await desk.page.getByRole('link', { name: 'Issues' }).click();
    await expect(heading()).resolves.toBe('Issues');
    await expect(desk.page.getByRole('link', { name: 'EU and Japan agree first Indo-Pacific security pact' }).count()).resolves.toBe(1);
    await desk.check('issues');
    await desk.page.getByLabel('Search by title or id').fill('no-such-words');
    await desk.page.getByRole('button', { name: 'Search' }).click();
    await expect(desk.page.getByText('No issue matches.').count()).resolves.toBe(1);
  });

  it('writes an article: a malformed date is shown beside its field, the text kept; fixed, it is published; the preview follows the typing', async () => {
    await desk.page.goto(new URL('/admin/issues', desk.consoleUrl).href);
    await desk.page.getByRole('link', { name: 'New article' }).click();
    await expect(heading()).resolves.toBe('New article');
    const field = (label: string) => desk.page.getByLabel(label, { exact: true });
    await field('Id').fill('console-journey-note');
    await field('Title').fill('Written in the console');
    await field('Summary').fill('An article written and published from the browser.');
    await field('Topics').fill('maritime-security');
    await field('Source name').fill('Briefing');
    await field('Source URL').fill('https://example.org/source');
    await field('Date').fill('6 Dec 2026');
    await field('Body (Markdown)').fill('The **first** paragraph.');
    await desk.page.getByRole('button', { name: 'Publish' }).click();
    await desk.page.waitForLoadState();
    await expect(desk.page.locator('#e-date').textContent()).resolves.toMatch(/YYYY-MM-DD/);
    await expect(field('Title').inputValue()).resolves.toBe('Written in the console');
    await desk.check('article-refused');
    await field('Date').fill('2026-12-06');
    await desk.page.getByRole('button', { name: 'Publish' }).click();
    await desk.page.waitForURL((u) => u.pathname === '/admin/articles/console-journey-note/edit');
    await expect(desk.page.getByRole('status').first().textContent()).resolves.toBe('Published.');
    await desk.check('article-editor');
    // The preview below the form follows what is typed: the draft is kept, then the frame reloads.
    await field('Title').fill('Retitled while typing');
    await desk.page.frameLocator('#preview-frame').getByText('Retitled while typing').first().waitFor();
    await desk.page.locator('#preview-frame').scrollIntoViewIfNeeded();
    await desk.check('article-preview-as-typed');
    await desk.visit('draft-preview', '/admin/drafts/article/console-journey-note/preview');
    await expect(heading()).resolves.toBe('Preview of your draft: Retitled while typing');
  });

  it('writes an issue naming that article: a missing article is named beside its field; fixed, the issue is published', async () => {
    await desk.page.goto(new URL('/admin/issues', desk.consoleUrl).href);
    await desk.page.getByRole('link', { name: 'New issue' }).click();
    await expect(heading()).resolves.toBe('New issue');
    const field = (label: string) => desk.page.getByLabel(label, { exact: true });
    await field('Id').fill('console-journey-issue');
    await field('Newsletter').fill('EU–Japan Security Brief');
    await field('Number').fill('2');
    await field('Title').fill('Written in the console too');
    await field('Summary').fill('An issue put together in the browser.');
    await field('Preheader').fill('One story, written in the console.');
    await field('Date').fill('2026-12-07');
    await field('Articles').fill('console-journey-nte');
    await desk.page.getByRole('button', { name: 'Publish' }).click();
    await desk.page.waitForLoadState();
    await expect(desk.page.locator('#e-articles').textContent()).resolves.toMatch(/no such article: console-journey-nte/);
    await desk.check('issue-refused');
    await field('Articles').fill('console-journey-note');
    await desk.page.getByRole('button', { name: 'Publish' }).click();
    await desk.page.waitForURL((u) => u.pathname === '/admin/issues/console-journey-issue/edit');
    await expect(desk.page.getByRole('status').first().textContent()).resolves.toBe('Published.');
    await desk.check('issue-editor');
  });

  it('relabels a topic in Settings, where the sender, schedule and delivery are shown read-only', async () => {
    await desk.page.getByRole('link', { name: 'Settings' }).click();
    await expect(heading()).resolves.toBe('Settings');
    await expect(desk.page.getByText('Set by the stack (read-only)').count()).resolves.toBe(1);
    await desk.page.getByLabel('Label').first().fill('Diplomacy and summits');
    await desk.page.getByRole('button', { name: 'Save settings' }).click();
    await desk.page.waitForURL((u) => u.search === '?done=saved');
    await expect(desk.page.getByLabel('Label').first().inputValue()).resolves.toBe('Diplomacy and summits');
    await desk.check('settings');
  });

  it("shows an issue's page and the audit log with what was done", async () => {
    await desk.visit('issue', '/admin/issues/eu-japan-security-brief-001');
    await expect(desk.page.getByRole('heading', { level: 2, name: 'Articles' }).count()).resolves.toBe(1);
    await desk.page.getByRole('link', { name: 'Audit log' }).click();
    await expect(heading()).resolves.toBe('Audit log');
    await expect(desk.page.getByRole('cell', { name: 'article console-journey-note' }).count()).resolves.toBe(1);
    await expect(desk.page.getByRole('cell', { name: 'sign-in', exact: true }).count()).resolves.toBeGreaterThan(0);
    await desk.check('audit');
    await desk.page.getByRole('link', { name: 'Home' }).click();
  });

  it("previews the issue's message (600, 375, dark, text) and sends a test to the signed-in editor", async () => {
    await desk.page.goto(new URL('/admin/issues/eu-japan-security-brief-001', desk.consoleUrl).href);
    await desk.page.getByRole('link', { name: 'Preview the message and send a test' }).click();
    await expect(heading()).resolves.toMatch(/^Preview: /);
    await expect(desk.page.locator('iframe').count()).resolves.toBe(3);
    await expect(
      desk.page.frameLocator('iframe').first().getByText('EU and Japan agree first Indo-Pacific security pact').first().count(),
    ).resolves.toBe(1);
    await desk.check('preview');
    // The form sent with the keyboard (the button focused, Enter), as without a mouse: a pointer
    // click on this tall page, with its three framed messages, sent nothing in headless Chromium.
    const sent = desk.page.waitForURL((u) => u.searchParams.has('sent'));
    await desk.page.getByRole('button', { name: 'Send the test' }).press('Enter');
    await sent;
    await expect(desk.page.getByRole('status').first().textContent()).resolves.toBe(`Test sent to 1 address.`);
  });

  it('schedules the issue through the confirmation that shows the audience, then sends it now; the issue page shows its figures', async () => {
    await desk.page.goto(new URL('/admin/issues/eu-japan-security-brief-001', desk.consoleUrl).href);
    await desk.page.getByRole('link', { name: 'Sending and subject test' }).click();
    await expect(heading()).resolves.toMatch(/^Sending: /);
    await desk.check('send');
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
    await desk.page.getByLabel(/^Send time/).fill(at);
    await desk.page.getByRole('button', { name: 'Schedule…' }).press('Enter');
    await desk.page.waitForURL((u) => u.pathname.endsWith('/send'));
    await expect(heading()).resolves.toMatch(/^Confirm: /);
    await desk.check('send-confirm');
    await desk.page.getByRole('button', { name: 'Schedule it' }).press('Enter');
    await desk.page.waitForURL((u) => u.searchParams.get('done') === 'schedule');
    await expect(desk.page.getByRole('status').first().textContent()).resolves.toMatch(/^Scheduled/);

    await desk.page.getByRole('button', { name: 'Send now…' }).press('Enter');
    await desk.page.waitForURL((u) => u.pathname.endsWith('/send') && !u.searchParams.has('done'));
    await desk.page.getByRole('button', { name: 'Send it now' }).press('Enter');
    await desk.page.waitForURL((u) => u.searchParams.get('done') === 'send');
    // The planner queues it; the page then shows it going or gone, with its figures.
    // Send now hands it to npm start's planner without waiting: the page is read again until it does.
    const figures = desk.page.getByRole('heading', { level: 2, name: 'Figures' });
    for (let i = 0; i < 120 && (await figures.count()) === 0; i++) {
      await desk.page.goto(new URL('/admin/issues/eu-japan-security-brief-001', desk.consoleUrl).href);
      if ((await figures.count()) === 0) await desk.page.waitForTimeout(1000);
    }
    await expect(figures.count()).resolves.toBe(1);
    await desk.check('issue-figures');
  });

  it('imports readers from a pasted CSV with a column-mapping step, then finds one and erases them', async () => {
    await nav('Subscribers').click();
    await expect(heading()).resolves.toBe('Subscribers');
    await desk.check('subscribers');
    await desk.page.getByRole('link', { name: 'Import a CSV' }).click();
    await desk.page
      .getByLabel('CSV text, header row first')
      .fill('Mail,Full name\nreader.one@example.org,Reader One\nnot-an-address,Nobody\n');
    await desk.check('import');
    await desk.page.getByRole('button', { name: 'Next: map the columns' }).click();
    await expect(heading()).resolves.toBe('Map the columns');
    await desk.check('import-mapping');
    await desk.page.getByRole('button', { name: 'Import' }).click();
    await expect(heading()).resolves.toBe('Import report');
    await expect(desk.page.getByText('not-an-address').count()).resolves.toBeGreaterThan(0);
    await desk.check('import-report');

    await nav('Subscribers').click();
    await desk.page.getByLabel('Address, or its start').fill('Reader.One@Example.org');
    await desk.page.getByRole('button', { name: 'Search' }).click();
    await desk.page
      .getByRole('link', { name: /r\S*@example\.org|reader\.one@example\.org/ })
      .first()
      .click();
    await expect(desk.page.getByRole('heading', { level: 2, name: 'Actions' }).count()).resolves.toBe(1);
    await desk.check('reader');
    await desk.page.getByLabel('To erase this reader everywhere, type their address').fill('reader.one@example.org');
    const erased = desk.page.waitForEvent('framenavigated', (f) => f === desk.page.mainFrame());
    await desk.page.getByRole('button', { name: 'Erase' }).click();
    await erased;
    await expect(
      desk.page
        .getByText(/erased/i)
        .first()
        .count(),
    ).resolves.toBe(1);
  });

  it('answers a console address that does not exist with a clear page and a way Home', async () => {
    const res = await desk.visit('not-found', '/admin/nowhere');
    expect(res?.status()).toBe(404);
    await expect(heading()).resolves.toBe('Not found');
    await desk.page.getByRole('link', { name: 'Home' }).click();
    await desk.page.waitForURL(desk.consoleUrl);
  });

  it('signs out: the session ends at the console and at the provider, and the console sends to sign-in again', async () => {
    // A second tab still showing Home, whose sign-out comes after the session has ended.
    const stale = await desk.page.context().newPage();
    await stale.goto(desk.consoleUrl);
    await expect(stale.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Home');

    await desk.page.getByRole('button', { name: 'Sign out' }).click();
    await desk.page.waitForURL((u) => u.href.startsWith(`${desk.issuer}/session/end`));
    expect(await sessionCookie()).toBeUndefined();
    // The provider's sign-out question (lib/local/oidc-provider.ts logoutSource).
    await desk.check('sign-out-question');
    await desk.page.getByRole('button', { name: 'Yes, sign me out' }).click();
    // Back to the console's Home address, which without a session sends to the provider's sign-in.
    await desk.page.waitForURL((u) => u.href.startsWith(`${desk.issuer}/interaction/`));
    await expect(heading()).resolves.toBe('Sign in to the Briefing console');

    // And so does opening the console again: nothing of the session is left.
    await desk.page.goto(desk.consoleUrl);
    expect(desk.page.url().startsWith(`${desk.issuer}/interaction/`)).toBe(true);

    // The stale tab's Sign out: a clear "Signed out" page, no error.
    await stale.getByRole('button', { name: 'Sign out' }).click();
    await expect(stale.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed out');
    await desk.check('signed-out', stale);
    await stale.close();
  });

  it('refuses a forged callback (a code and state it did not ask for) with a clear page', async () => {
    // A sign-in begun (the flow cookie set), then a callback the provider never sent.
    await desk.page.goto(desk.consoleUrl);
    expect(desk.page.url().startsWith(`${desk.issuer}/interaction/`)).toBe(true);
    const res = await desk.visit('sign-in-failed', '/admin/callback?code=forged&state=forged');
    expect(res?.status()).toBe(400);
    await expect(heading()).resolves.toBe('Sign-in failed');
    expect(await sessionCookie()).toBeUndefined();
  });

  it('signs in again after signing out: the provider asks for the password again, and Home follows', async () => {
    await desk.signIn();
    await expect(heading()).resolves.toBe('Home');
    await expect(described('Signed in as')).resolves.toBe(desk.login.email);
  });
});
