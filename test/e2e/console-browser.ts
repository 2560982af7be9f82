/**
 * The console's browser harness: `npm start` once (npm-start.ts), Debian's Chromium through
 * playwright-core, sign-in through the local provider's own pages with the login npm start
 * prints, and `check(name)`: the current page saved at 1280 and 390 px wide as
 * out/e2e/console-<name>-<width>.png and checked at each width with axe-core, failing with the
 * list of serious and critical violations (every violation is kept in console-<name>-axe.json),
 * a page wider than the window, or anything the page's own Content-Security-Policy blocked.
 *
 * axe-core alone (no wrapper): its axe.min.js is evaluated in the page through the DevTools
 * protocol, which the console's strict CSP (no script at all) does not apply to, so the pages
 * are checked exactly as served. A script tag (page.addScriptTag) would be refused by that CSP,
 * and turning the CSP off for the check would hide what it blocks.
 *
 * A new console page joins the journey (console-journey.test.ts) with a step: open or reach it,
 * assert what it shows, `check('<name>')`.
 */
import { readOwnerTotpSecret, totpOf, TOTP_PERIOD, TOTP_WINDOW } from '../../lib/local/totp';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AxeResults, Result } from 'axe-core';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { startNpmStart, type NpmStart } from './npm-start';

export const SHOTS = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Desktop and phone. */
export const WIDTHS = [1280, 390] as const;
const FAILING_IMPACTS = new Set(['serious', 'critical']);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Login {
  email: string;
  password: string;
}

export interface ConsoleBrowser {
  local: NpmStart;
  page: Page;
  /** The console's Home, as npm start prints it (`http://localhost:<port>/admin/`). */
  consoleUrl: string;
  /** The local OpenID Connect provider (its issuer URL), as npm start prints it. */
  issuer: string;
  /** The seeded owner's login, as npm start prints it. */
  login: Login;
  /** Open `path` (from the console's host, e.g. `/admin/`) and `check(name)` the page it ends on. */
  visit(name: string, path: string): Promise<Response | null>;
  /** Screenshots of the current page (of `page`, or of another tab) at each width, axe-core at each width, and the other checks above. */
  check(name: string, on?: Page): Promise<void>;
  /** Screenshots only: for a page left out of `check`, with the reason beside the call. */
  shoot(name: string, on?: Page): Promise<void>;
  /** Fill the provider's sign-in form with `login` and send it (see submitSignIn). */
  submitSignIn(login?: Login): Promise<void>;
  /** From no session to Home: open the console, sign in at the provider, wait for Home. */
  signIn(): Promise<void>;
  /**
   * Answer the browser's next request for `path` (on the console's host) with 204 No Content,
   * on which a browser stays on the page that asked: a page that moves on by itself (the
   * callback's "Signed in") can be checked. `requested` settles when the page has asked.
   */
  stayOnNext(path: string): Promise<{ requested: Promise<void> }>;
  close(): Promise<void>;
}

/**
 * The provider's sign-in, as a user does it: the one place that knows the provider's form. A
 * further step (a second factor) is added here, and every sign-in of the journey follows.
 * Resolves once the browser has the provider's answer (the console's callback, or the form again
 * with its message).
 */
export async function submitSignIn(page: Page, login: Login, nextCode: () => Promise<string>): Promise<void> {
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  const answered = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await answered;
  // The right password leads to the second factor (the form again, with its message, otherwise).
  if ((await page.getByLabel('Code').count()) === 0) return;
  await page.getByLabel('Code').fill(await nextCode());
  const verified = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await page.getByRole('button', { name: 'Verify' }).click();
  await verified;
}

/**
 * The seeded owner's codes, as their authenticator app shows them (the secret npm start keeps in
 * its data folder). The provider takes each step's code once: a second sign-in within one step
 * takes the next step's code (accepted one step early), and a third waits for the clock to reach
 * the step before it.
 */
export function ownerCodes(dataDir: string, email: string): () => Promise<string> {
  let last = -1;
  return async () => {
    const secret = readOwnerTotpSecret(dataDir);
    if (!secret) throw new Error(`npm start kept no second-factor secret in ${dataDir}`);
    const stepNow = () => Math.floor(Date.now() / 1000 / TOTP_PERIOD);
    const step = Math.max(stepNow(), last + 1);
    while (stepNow() < step - TOTP_WINDOW) await new Promise((r) => setTimeout(r, 1000));
    last = step;
    return totpOf(email, secret).generate({ timestamp: step * TOTP_PERIOD * 1000 });
  };
}

/** What npm start prints for the console: its URL, the seeded login and the provider. */
function printedConsole(log: string): { consoleUrl: string; login: Login; issuer: string } {
  const m = /^\s*Console\s+(\S+)\s+\(sign in as (\S+) \/ (\S+); provider (\S+)\)/m.exec(log);
  if (!m) throw new Error(`npm start printed no "Console <url> (sign in as <email> / <password>; provider <url>)" line:\n${log}`);
  return { consoleUrl: m[1], login: { email: m[2], password: m[3] }, issuer: m[4] };
}

const isLocal = (url: URL) => ['localhost', '127.0.0.1'].includes(url.hostname) || url.protocol === 'data:';

function describeViolations(width: number, violations: Result[]): string[] {
  return violations
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? ''))
    .map((v) => `  ${width} px: ${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(' ')).join(', ')} (${v.helpUrl})`);
}

export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(SHOTS, { recursive: true });
  const local = await startNpmStart({ prefix: 'briefing-e2e-console-', logFile: join(SHOTS, 'console-npm-start.log') });
  let browser: Browser | undefined;
  try {
    const { consoleUrl, login, issuer } = printedConsole(local.log());
    const codes = ownerCodes(local.dataDir, login.email);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: 900 } });
    // Nothing here may need the internet (a font or script from elsewhere would show as missing, not hang the run).
    await context.route(
      (url) => !isLocal(url),
      (route) => route.abort(),
    );
    // What each tab's own Content-Security-Policy blocked since its last navigation.
    const blocked = new Map<Page, string[]>();
    const watch = (p: Page) => {
      if (blocked.has(p)) return;
      blocked.set(p, []);
      p.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.get(p)!.push(m.text());
      });
      p.on('framenavigated', (f) => void (f === p.mainFrame() && blocked.set(p, [])));
    };
    context.on('page', watch);
    const page = await context.newPage();
    watch(page);

    const shoot = async (name: string, on = page) => {
      for (const width of WIDTHS) {
        await on.setViewportSize({ width, height: 900 });
        await on.screenshot({ path: join(SHOTS, `console-${name}-${width}.png`), fullPage: true });
      }
      await on.setViewportSize({ width: WIDTHS[0], height: 900 });
    };

    const check = async (name: string, on = page) => {
      const problems: string[] = [];
      const found: Record<number, Result[]> = {};
      for (const width of WIDTHS) {
        await on.setViewportSize({ width, height: 900 });
        await on.screenshot({ path: join(SHOTS, `console-${name}-${width}.png`), fullPage: true });
        const scrollWidth = await on.evaluate(
          () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
        );
        if (scrollWidth > width) problems.push(`  ${width} px: the page is ${scrollWidth} px wide (it scrolls sideways)`);
        found[width] = (await runAxe(on)).violations;
        problems.push(...describeViolations(width, found[width]));
      }
      await on.setViewportSize({ width: WIDTHS[0], height: 900 });
      problems.push(...(blocked.get(on) ?? []).map((b) => `  blocked by the page's CSP: ${b}`));
      writeFileSync(join(SHOTS, `console-${name}-axe.json`), JSON.stringify({ url: on.url(), violations: found }, null, 2));
      if (problems.length) throw new Error(`console page "${name}" (${on.url()}) fails its checks:\n${problems.join('\n')}`);
    };

    const desk: ConsoleBrowser = {
      local,
      page,
      consoleUrl,
      issuer,
      login,
      visit: async (name, path) => {
        const res = await page.goto(new URL(path, consoleUrl).href);
        await check(name);
        return res;
      },
      check,
      shoot,
      submitSignIn: (as = login) => submitSignIn(page, as, codes),
      signIn: async () => {
        await page.goto(consoleUrl);
        if (!page.url().startsWith(issuer))
          throw new Error(`opening ${consoleUrl} without a session led to ${page.url()}, not the provider`);
        await submitSignIn(page, login, codes);
        await page.waitForURL(consoleUrl);
      },
      stayOnNext: async (path) => {
        const target = new URL(path, consoleUrl).href;
        await page.route(
          (url) => url.href === target,
          (route) => route.fulfill({ status: 204 }),
          { times: 1 },
        );
        // Playwright's own limit (30 s) bounds the wait: a page that never asks fails with that.
        return { requested: page.waitForRequest((r) => r.url() === target).then(() => undefined) };
      },
      close: async () => {
        await browser?.close();
        await local.stop();
      },
    };
    return desk;
  } catch (e) {
    await browser?.close();
    await local.stop();
    throw e;
  }
}

/** axe-core on the page as it is now (injected once per document). */
async function runAxe(page: Page): Promise<AxeResults> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(() =>
    (globalThis as unknown as { axe: { run(options: object): Promise<AxeResults> } }).axe.run({ resultTypes: ['violations'] }),
  );
}
