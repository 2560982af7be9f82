/**
 * The whole reader journey in real Chromium against `npm start` (DynamoDB Local, the SES
 * emulator, the local HTTP server), started once as a child process on free ports with a
 * fresh data folder: subscribe on the page, find the confirmation in the SES emulator, open
 * it, confirm, change a preference, receive the next digest (published and sent with the
 * CLI), follow its unsubscribe link, unsubscribe, and receive no further digest.
 *
 * Every page is saved as a screenshot under out/e2e/ (also at phone width for the subscribe
 * page), and so are the three messages, rendered from the HTML the emulator received.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startNpmStart, type NpmStart } from './npm-start';

const run = promisify(execFile);

// Every wait below ends on a positive signal (a page, a message, a line of output); these
// limits only catch a hang. On a loaded machine one CLI run alone (tsx compiling, then the
// command) takes half a minute, and a test runs two of them and then waits for mail: the
// two-minute default of the project is too short for that, though nothing is wrong.
jest.setTimeout(600_000);
const SHOTS = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let local: NpmStart;
let env: NodeJS.ProcessEnv;
let base: string;
let sesBase: string;
let dataDir: string;
let contentDir: string;
let context: BrowserContext;
let page: Page;
const reader = `reader.${Date.now().toString(36)}@Example.ORG`;
const stored = reader.replace('@Example.ORG', '@example.org');

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

async function inbox(to: string): Promise<StoredEmail[]> {
  const res = await fetch(`${sesBase}/store`);
  const data = (await res.json()) as { emails: StoredEmail[] };
  return data.emails.filter((m) => m.destination.to.some((t) => t.toLowerCase() === to.toLowerCase()));
}

/** Wait for a message to `to` whose subject matches. */
async function waitForMail(to: string, subject: RegExp, timeoutMs = 120_000): Promise<StoredEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await inbox(to)).find((m) => subject.test(m.subject));
    if (hit) return hit;
    if (Date.now() > deadline)
      throw new Error(`no message "${subject}" to ${to}; inbox: ${JSON.stringify((await inbox(to)).map((m) => m.subject))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The link that follows `label` on its own line in a text part. */
function linkAfter(text: string, label: RegExp): string {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => label.test(l));
  const url = lines.slice(i + 1).find((l) => /^https?:\/\//.test(l.trim()));
  if (i < 0 || !url) throw new Error(`no link after ${label} in:\n${text}`);
  return url.trim();
}

async function shot(name: string, p: Page = page) {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Render a message's HTML part in a tab of its own and save it. */
async function shotMail(name: string, mail: StoredEmail) {
  const tab = await context.newPage();
  await tab.setViewportSize({ width: 700, height: 900 });
  await tab.setContent(mail.body.html ?? '<p>(no HTML part)</p>');
  await shot(name, tab);
  await tab.close();
}

async function cli(...args: string[]) {
  const { stdout } = await run('npx', ['tsx', 'bin/cli.ts', ...args], { env, cwd: join(__dirname, '..', '..'), timeout: 300_000 });
  return stdout;
}

/** Write new issues (the sample's articles, later dates) and publish them with one CLI run. */
async function publishIssues(...numbers: number[]) {
  const sample = readFileSync('content/eu-japan-security-brief/issues/001.md', 'utf8');
  const files = numbers.map((n) => {
    const file = join(contentDir, `issue-${n}.md`);
    writeFileSync(
      file,
      sample
        .replace(/^id: .*$/m, `id: e2e-issue-${n}`)
        .replace(/^number: .*$/m, `number: ${n}`)
        .replace(/^date: .*$/m, `date: 2030-01-0${n}`),
    );
    return file;
  });
  await cli('publish', ...files);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  local = await startNpmStart({ prefix: 'briefing-e2e-', logFile: join(SHOTS, 'npm-start.log') });
  ({ env, base, sesBase, dataDir } = local);
  contentDir = join(dataDir, 'content');
  mkdirSync(contentDir);

  context = await chromium.launchPersistentContext(join(dataDir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1024, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  // Ends npm start's whole process group, keeps what it printed with the screenshots, removes the data folder.
  await local?.stop();
});

describe('a reader in Chromium', () => {
  let digestMail: StoredEmail;

  it('subscribes on the page (phone and desktop) and lands on "check your inbox"', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${base}/`);
    await shot('01-subscribe-phone');
    // Nothing on the page may overflow a phone screen sideways.
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1024, height: 800 });
    await shot('02-subscribe');
    expect(await page.getAttribute('html', 'lang')).toBe('en');

    await page.getByLabel('Email address').fill(reader);
    await page.getByLabel('Cyber').check();
    await page.getByLabel('Your time zone').selectOption('Europe/Brussels');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${base}/check-inbox`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your inbox');
    await shot('03-check-inbox');
  });

  it('finds the confirmation in the SES emulator, opens it, and confirms with the button', async () => {
    const mail = await waitForMail(stored, /^Confirm your subscription/);
    await shotMail('04-mail-confirmation', mail);
    const link = linkAfter(mail.body.text!, /press the button/i);
    await page.goto(link);
    await shot('05-confirm');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Confirm your subscription');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are subscribed');
    await shot('06-confirmed');
    await shotMail('07-mail-welcome', await waitForMail(stored, /^Welcome to/));

    // The same link a second time: a clear page, nothing changes.
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are already subscribed');
  });

  it('receives the next digest', async () => {
    // Both issues now, in one CLI run; each is sent by id when its turn comes.
    await publishIssues(2, 3, 4);
    const out = await cli('send-digest', '--issue', 'e2e-issue-2');
    expect(out).toMatch(/queued \d+ recipient/);
    digestMail = await waitForMail(stored, / · No\. 2$/);
    await shotMail('08-mail-digest', digestMail);
  });

  it('opens the preferences link from the digest and saves a change', async () => {
    await page.goto(linkAfter(digestMail.body.text!, /^Manage your preferences/));
    await shot('09-preferences');
    await expect(page.getByLabel('Cyber').isChecked()).resolves.toBe(true);
    await page.getByLabel('Breaking alerts').check();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Saved');
    await expect(page.getByLabel('Breaking alerts').isChecked()).resolves.toBe(true);
    await shot('10-preferences-saved');
  });

  it("follows the digest's unsubscribe link and unsubscribes with the button", async () => {
    await page.goto(linkAfter(digestMail.body.text!, /^Unsubscribe:/));
    await shot('11-unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are unsubscribed');
    await shot('12-unsubscribed');
  });

  it('receives no further digest', async () => {
    expect(await cli('send-digest', '--issue', 'e2e-issue-3')).toMatch(/queued \d+ recipient/);
    // The CLI returns once the queue is drained: anything for this reader would be in the store now.
    expect((await inbox(stored)).map((m) => m.subject).filter((s) => / · No\. 3$/.test(s))).toEqual([]);
    expect((await inbox(stored)).filter((m) => / · No\. 2$/.test(m.subject))).toHaveLength(1);
  });

  it('comes back with "Subscribe again" from its own preferences link: nothing to confirm, and the next digest arrives', async () => {
    await page.goto(linkAfter(digestMail.body.text!, /^Manage your preferences/));
    await expect(page.getByRole('button', { name: 'Subscribe again' }).isVisible()).resolves.toBe(true);
    await shot('13-preferences-unsubscribed');
    await page.getByRole('button', { name: 'Subscribe again' }).click();
    await expect(page.locator('dd').nth(1).textContent()).resolves.toBe('Subscribed');
    expect(await cli('send-digest', '--issue', 'e2e-issue-4')).toMatch(/queued \d+ recipient/);
    expect((await inbox(stored)).filter((m) => / · No\. 4$/.test(m.subject))).toHaveLength(1);
  });

  it("refuses a sign-up form posted from another site's page with a clear 403 page, and sends nothing", async () => {
    // The bad input: a page on another origin whose form posts to /subscribe as soon as it loads.
    const victim = `victim.${Date.now().toString(36)}@example.org`;
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><form id="f" method="post" action="${base}/subscribe"><input name="email" value="${victim}"><input name="digest" value="yes"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const answered = page.waitForResponse((r) => r.url() === `${base}/subscribe`);
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const res = await answered;
      expect(res.status()).toBe(403);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This form was sent from another site');
      await shot('14-cross-site-refused');
    } finally {
      evil.close();
    }
    // Everything the sign-up could have caused has happened once npm start says it has settled.
    expect((await fetch(`${base}/_local/settled`)).status).toBe(200);
    expect(await inbox(victim)).toEqual([]);
  });

  it('shows a clear page for a broken link and for an unknown page', async () => {
    await page.goto(`${base}/confirm?token=v1.k1.broken`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This link does not work');
    await shot('15-error-bad-link');
    await page.goto(`${base}/nowhere`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
  });
});
