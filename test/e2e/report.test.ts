/**
 * What landed, seen in real Chromium: a local send of the sample issue through the real
 * pipeline (DynamoDB Local, the SES emulator, the in-process queue, the real handlers), clicks
 * on tracked links from the sent mail by real HTTP GETs to the local API, then the `stats`
 * table and the HTML report, opened in Chromium with its charts drawn, saved as
 * out/e2e/report.png (and the stats as out/e2e/report-stats.txt).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { chromium, type Browser } from 'playwright-core';
import { campaignStats, formatStats } from '../../lambdas/usecases/campaign-stats';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { systemClock } from '../../lambdas/wiring';
import { reportHtml } from '../../lib/ops/stats-report';
import { chartJsSource } from '../../bin/cli/stats';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { sampleFiles, startPipeline, uniqueDomain } from '../support/pipeline';

const OUT = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ISSUE = 'eu-japan-security-brief-001';
const READERS = 12;

let p: Awaited<ReturnType<typeof startPipeline>>;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  // The integration project's emulators, started for this file alone (the e2e project has none).
  await globalSetup();
  p = await startPipeline();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await p?.stop();
  await globalTeardown();
});

/** The tracked article links (path only) in the first HTML part sent, in order. */
async function trackedPaths(): Promise<string[]> {
  const mail = await simpleParser(p.recorder.raws()[0]);
  return [...(mail.html as string).matchAll(/href="https?:\/\/[^/"]+(\/r\/[^"]+)"/g)].map((m) => m[1]);
}

it('a local send, clicks through the redirect, the stats and the report with its charts in Chromium', async () => {
  const domain = uniqueDomain();
  await publish({ content: p.content, clock: systemClock }, sampleFiles());
  for (let i = 0; i < READERS; i++) await addSubscriber(operator(p.subscriptions, systemClock), { email: `reader${i}@${domain}` });
  expect(await p.planner({ issueId: ISSUE })).toMatchObject({ status: 'queued', recipients: READERS });
  await p.queue.drain(120_000);

  // The SES emulator sends no delivery or bounce events: write on the ledger what SES's events
  // would (the ses-events handler's own port), two readers bounced, one complained.
  const entries = await p.ledger.list(ISSUE);
  expect(entries.filter((d) => d.status === 'sent')).toHaveLength(READERS);
  const at = new Date().toISOString();
  for (const [i, d] of entries.entries()) {
    const fields =
      i === 0
        ? { bouncedAt: at, bounceType: 'Permanent/General' }
        : i === 1
          ? { bouncedAt: at, bounceType: 'Transient/MailboxFull' }
          : { deliveredAt: at, ...(i === 2 ? { complainedAt: at } : {}) };
    await p.deliveryEvents.record(ISSUE, d.subscriberId, fields);
  }

  // Real clicks: GETs on the links in the sent mail; one HEAD, as a scanner would, counts nothing.
  const paths = await trackedPaths();
  expect(paths.length).toBeGreaterThan(3);
  const clicks = [paths[0], paths[0], paths[0], paths[paths.length - 1], paths[1]];
  for (const path of clicks) {
    const res = await fetch(`${p.http.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^https:\/\//);
  }
  expect((await fetch(`${p.http.url}${paths[0]}`, { method: 'HEAD', redirect: 'manual' })).status).toBe(302);

  const stats = await campaignStats({ ledger: p.ledger, clicks: p.clicks, content: p.content }, ISSUE);
  expect(stats).toMatchObject({ sent: READERS, delivered: READERS - 2, bounced: 2, complained: 1, totalClicks: clicks.length });
  const table = formatStats(stats);
  writeFileSync(join(OUT, 'report-stats.txt'), `${table}\n`);

  const file = join(OUT, 'report.html');
  writeFileSync(file, reportHtml({ stats, chartJs: chartJsSource(), generatedAt: new Date() }));
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-charts="drawn"]');
  expect(errors).toEqual([]);
  // Each chart drew something: a canvas with non-blank pixels.
  for (const id of ['sends', 'clicks', 'bounces']) {
    const inked = await page.$eval(`#${id}`, (el) => {
      const c = el as unknown as {
        getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        width: number;
        height: number;
      };
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
  }
  const top = stats.articles.reduce((a, b) => (b.clicks > a.clicks ? b : a));
  expect(await page.textContent('#articles')).toContain(top.title);
  expect(
    await page.$$eval('#articles td.clicks', (tds: { textContent: string | null }[]) => tds.map((td) => Number(td.textContent))),
  ).toEqual(stats.articles.map((a) => a.clicks));
  await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
  await page.close();
});
