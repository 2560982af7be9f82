/**
 * The subscribe page's text comes from the newsletter's settings (content/<newsletter>/topics.md),
 * in both delivery modes, in real Chromium against `npm start` on a fresh data folder (so this
 * also proves `npm start` seeds the sample topics before anything else is published). Saved as
 * screenshots under out/e2e/ at desktop (1280 px) and phone (390 px) width.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { sampleSettingsFile } from '../../lib/local/sample-content';
import { digestWording } from '../../lambdas/core/topics';
import { parseSettingsFile } from '../../lambdas/core/content/topics-file';
import { startNpmStart } from './npm-start';
import type { DigestDelivery } from '../../lambdas/core/local-time';

jest.setTimeout(600_000);
const SHOTS = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SETTINGS = parseSettingsFile('topics.md', sampleSettingsFile().text);

let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(() => browser?.close());

/** `npm start` on free ports and a fresh data folder, with `extra` in its environment; resolves once it is running. */
async function startLocal(extra: Record<string, string>): Promise<{ base: string; stop: () => Promise<void> }> {
  const local = await startNpmStart({ prefix: 'briefing-e2e-settings-', env: extra });
  try {
    expect(local.log()).toContain('published the sample topics and page text');
  } catch (e) {
    await local.stop();
    throw e;
  }
  return local;
}

/** Schedule mode runs on a schedule other than the default Monday: the page must follow it, not the text. */
const THURSDAY_TOKYO = { BRIEFING_SCHEDULE: '0 18 * * THU', BRIEFING_TIME_ZONE: 'Asia/Tokyo' };

const MODES: { mode: DigestDelivery; env: Record<string, string>; localTime?: string; schedule?: string }[] = [
  { mode: 'schedule', env: THURSDAY_TOKYO, schedule: 'on Thursdays at 18:00, Asia/Tokyo time' },
  { mode: 'local-time', env: { BRIEFING_DIGEST_DELIVERY: 'local-time', BRIEFING_DIGEST_LOCAL_TIME: '07:30' }, localTime: '07:30' },
];

describe.each(MODES)('the subscribe page in $mode mode', ({ mode, env, localTime, schedule }) => {
  it("shows the settings' blurb, its digest wording for this mode and the topics with their descriptions (1280 px and 390 px)", async () => {
    const local = await startLocal(env);
    try {
      for (const width of [1280, 390]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(`${local.base}/`);
        await expect(page.locator('main > p').first().textContent()).resolves.toBe(SETTINGS.blurb);
        await expect(page.locator('label[for=digest]').textContent()).resolves.toBe(digestWording(SETTINGS, mode, localTime, schedule));
        const labels = await page.locator('.topics label').allTextContents();
        expect(labels).toEqual(SETTINGS.topics.map((t) => `${t.label}${t.description}`));
        // Nothing may overflow a phone screen sideways.
        expect(
          await page.evaluate(
            () =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
          ),
        ).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(SHOTS, `subscribe-settings-${mode}-${width}.png`), fullPage: true });
        await page.close();
      }
    } finally {
      await local.stop();
    }
  });
});
