/**
 * The public archive in real Chromium: the index and the sample issue's page, at desktop and
 * phone width (375 px), saved under out/e2e/. The API handler is served by the local HTTP
 * server (as `npm start` serves it) on the newsletter's own content files, held in memory:
 * the pages' data paths are covered by test/integration/archive.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { newestFirst } from '../../lambdas/core/archive';
import { parseContent } from '../../lambdas/core/content/parse';
import type { Article, Issue } from '../../lambdas/core/model';
import { makeApiHandler } from '../../lambdas/api/handler';
import { serveHttp } from '../../lib/local/http';

const SHOTS = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONTENT = join(__dirname, '..', '..', 'content', 'eu-japan-security-brief');

const read = (dir: string) =>
  readdirSync(join(CONTENT, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => parseContent(f, readFileSync(join(CONTENT, dir, f), 'utf8'), new Date('2026-11-20T00:00:00Z')));
const articles = read('articles') as Article[];
const sample = read('issues')[0] as Issue;
// The sample issue, sent, and two earlier sent issues so the index shows a list.
const weekBefore = new Date(Date.parse(`${sample.date}T00:00:00Z`) - 7 * 86_400_000).toISOString().slice(0, 10);
const issues: Issue[] = [
  { ...sample, number: sample.number + 1, plannedAt: `${sample.date}T06:00:12Z` },
  {
    ...sample,
    id: 'earlier-issue',
    title: 'Japan’s defence budget and what Europe can learn',
    summary: 'A record budget, a new command structure, and the talks it opens with Brussels.',
    date: weekBefore,
    plannedAt: `${weekBefore}T06:00:09Z`,
  },
];

/** The little of the page's window read here (this project compiles without the DOM types). */
interface PageWindow {
  document: { documentElement: { scrollWidth: number } };
}

let browser: Browser;
let server: Awaited<ReturnType<typeof serveHttp>>;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const handler = makeApiHandler({
    subscribers: {} as never,
    clock: { now: () => new Date() },
    keys: () => Promise.reject(new Error('not used')),
    mail: {
      senderEmail: 'newsletter@example.com',
      senderName: sample.newsletter,
      publicBaseUrl: 'http://localhost',
      organisationName: 'Sample Publishers',
      postalAddress: '1 Sample Street, 1000 Brussels, Belgium',
    },
    archive: {
      getIssue: (id) => Promise.resolve(issues.find((i) => i.id === id)),
      getArticles: (ids) => Promise.resolve(ids.flatMap((id) => articles.filter((a) => a.id === id))),
      sentIssues: (limit) => Promise.resolve(newestFirst(issues).slice(0, limit)),
      // Issues sent before archive snapshots: the page reads the live articles.
      getArchiveSnapshot: () => Promise.resolve(undefined),
    },
  });
  server = await serveHttp(handler, { port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the archive in a browser', () => {
  for (const [width, suffix] of [
    [1024, ''],
    [375, '-375'],
  ] as const) {
    it(`shows the index and an issue page at ${width} px, nothing wider than the screen`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`${server.url}/archive`);
      await page.getByRole('heading', { name: 'All issues' }).waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
      await page.screenshot({ path: join(SHOTS, `archive-index${suffix}.png`), fullPage: true });

      await page.getByRole('link', { name: sample.title }).click();
      await page.waitForURL(/\/archive\/[a-z0-9-]+$/);
      await page.getByLabel('Email address').waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as PageWindow).document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
      await page.screenshot({ path: join(SHOTS, `archive-issue${suffix}.png`), fullPage: true });
      // The first screen and the subscribe box on their own, readable without zooming out.
      await page.screenshot({ path: join(SHOTS, `archive-issue${suffix}-top.png`) });
      await page.locator('#subscribe').screenshot({ path: join(SHOTS, `archive-issue${suffix}-subscribe.png`) });
      await page.close();
    });
  }
});
