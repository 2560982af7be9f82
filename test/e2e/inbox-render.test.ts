/**
 * The messages as mail clients show them, in real Chromium (Debian's, driven by
 * playwright-core), from the HTML part of the raw message the sender builds:
 *
 * - with every <style> element removed (what Gmail's apps with non-Google accounts and Yahoo
 *   on Android do): topic labels stay apart and keep their pill shape, cards keep their width,
 *   background and padding, because everything the layout needs is inline;
 * - in dark mode (prefers-color-scheme: dark): the declared dark palette applies and text
 *   stays legible;
 * - at 600 px and at a 375 px phone width, without horizontal scrolling.
 *
 * Screenshots go to out/e2e/ (inbox-*.png). Also checked on the HTML itself: Outlook's
 * conditional comments are balanced, and no run of blank lines or indentation is left.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { htmlOf, KINDS, type Kind } from './inbox-messages';

jest.setTimeout(180_000);
const SHOTS = join(__dirname, '..', '..', 'out', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;
const html = {} as Record<Kind, string>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const kind of KINDS) html[kind] = await htmlOf(kind);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** What a client that drops every <style> element keeps of the message. */
const withoutStyles = (h: string) => h.replace(/<style[\s\S]*?<\/style>/gi, '');

/** Open `content` in a fresh page (no network: the messages load nothing remote). */
async function open(content: string, opts: { width: number; dark?: boolean }): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: opts.width, height: 900 },
    colorScheme: opts.dark ? 'dark' : 'light',
    javaScriptEnabled: false,
  });
  await context.route('**/*', (route) => route.abort());
  const page = await context.newPage();
  await page.setContent(content);
  return page;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SHOTS, `inbox-${name}.png`), fullPage: true });
  await page.context().close();
}

/**
 * The few DOM shapes the callbacks below use. They run in the page, where the DOM exists; the
 * project compiles for Node, without DOM types, so they reach the page's globals through
 * globalThis (a closure over a Node-side value would not survive the trip to the browser).
 */
interface El {
  getBoundingClientRect(): Box;
  textContent: string | null;
  innerText: string;
  outerHTML: string;
  parentElement: El | null;
  children: ArrayLike<El>;
  querySelector(selector: string): El | null;
  setAttribute(name: string, value: string): void;
}
interface Css {
  backgroundColor: string;
  color: string;
  display: string;
  fontSize: string;
  paddingLeft: string;
  borderTopLeftRadius: string;
}
interface Win {
  getComputedStyle(e: El): Css;
  document: { documentElement: { scrollWidth: number } };
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The topic labels of each card, grouped by the element that holds them. */
async function topicLabels(page: Page) {
  return page.$$eval('span.topic', (spans: El[]) =>
    spans.map((s) => {
      const r = s.getBoundingClientRect();
      const cs = (globalThis as unknown as Win).getComputedStyle(s);
      return {
        text: s.textContent ?? '',
        group: Array.from(s.parentElement!.parentElement!.parentElement!.parentElement!.children).indexOf(
          s.parentElement!.parentElement!.parentElement!,
        ),
        holder: s.parentElement!.outerHTML.length,
        box: { x: r.x, y: r.y, width: r.width, height: r.height },
        background: cs.backgroundColor,
        paddingLeft: parseFloat(cs.paddingLeft),
        radius: parseFloat(cs.borderTopLeftRadius),
        display: cs.display,
      };
    }),
  );
}

/** Horizontal gap between two labels on the same line (negative: they overlap). */
const gap = (a: Box, b: Box) => (a.x < b.x ? b.x - (a.x + a.width) : a.x - (b.x + b.width));
const sameLine = (a: Box, b: Box) => Math.abs(a.y - b.y) < a.height / 2;

/** WCAG contrast ratio of two `rgb(...)` colours. */
function contrast(fg: string, bg: string): number {
  const lum = (c: string) => {
    const [r, g, b] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The first non-transparent background behind an element. */
async function backgroundBehind(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el: El) => {
    for (let e: El | null = el; e; e = e.parentElement) {
      const bg = (globalThis as unknown as Win).getComputedStyle(e).backgroundColor;
      if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  });
}

describe('the digest with every <style> element removed', () => {
  it('keeps topic labels apart, each a pill of its own, and never run together', async () => {
    const page = await open(withoutStyles(html.digest), { width: 600 });
    const labels = await topicLabels(page);
    expect(labels.length).toBeGreaterThan(5);
    for (const l of labels) {
      expect(l.display).toBe('inline-block');
      expect(l.background).not.toBe('rgba(0, 0, 0, 0)');
      expect(l.paddingLeft).toBeGreaterThanOrEqual(6);
      expect(l.radius).toBeGreaterThan(0);
    }
    // Neighbours in one card: on the same line there is space between them.
    let pairs = 0;
    for (let i = 1; i < labels.length; i++) {
      const [a, b] = [labels[i - 1], labels[i]];
      if (a.holder !== b.holder || a.group !== b.group || !sameLine(a.box, b.box)) continue;
      pairs++;
      expect({ between: `${a.text} | ${b.text}`, gap: gap(a.box, b.box) >= 4 }).toEqual({ between: `${a.text} | ${b.text}`, gap: true });
    }
    expect(pairs).toBeGreaterThan(0);
    // The text a reader (or a screen reader) gets never glues two labels into one word.
    const text = await page.$eval('body', (b: El) => b.innerText);
    expect(text).not.toMatch(/DIPLOMACYDEFENCE|DiplomacyDefence/i);
    await page.context().close();
  });

  it('keeps the cards in shape: 600 px wide, centred, white with padded text, a 24 px lead headline and 19 px others', async () => {
    const page = await open(withoutStyles(html.digest), { width: 800 });
    const cards = await page.$$eval('div.card', (divs: El[]) =>
      divs.map((d) => {
        const r = d.getBoundingClientRect();
        const text = d.querySelector('td[align="left"]');
        return {
          x: r.x,
          width: r.width,
          background: (globalThis as unknown as Win).getComputedStyle(d).backgroundColor,
          paddingLeft: text ? parseFloat((globalThis as unknown as Win).getComputedStyle(text).paddingLeft) : 0,
        };
      }),
    );
    expect(cards.length).toBeGreaterThanOrEqual(6); // the intro and five stories
    for (const c of cards) {
      expect(c.width).toBe(600);
      expect(c.x).toBe(100);
      expect(c.background).toBe('rgb(255, 255, 255)');
      expect(c.paddingLeft).toBe(24);
    }
    const headline = await page.$eval('div.card h2', (h: El) => (globalThis as unknown as Win).getComputedStyle(h).fontSize);
    expect(headline).toBe('22px');
    // The lead story's headline is larger than the others'.
    const stories = await page.$$eval('div.card h2', (hs: El[]) =>
      Array.from(hs)
        .slice(1)
        .map((h) => (globalThis as unknown as Win).getComputedStyle(h).fontSize),
    );
    expect(stories[0]).toBe('24px');
    expect(new Set(stories.slice(1))).toEqual(new Set(['19px']));
    await page.context().close();
    await shot(await open(withoutStyles(html.digest), { width: 600 }), 'digest-no-styles');
  });
});

describe('every kind, as clients show it', () => {
  it.each(KINDS)('the %s fits a 375 px phone without sideways scrolling, and 600 px', async (kind) => {
    const phone = await open(html[kind], { width: 375 });
    const width = await phone.evaluate(() => (globalThis as unknown as Win).document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await shot(phone, `${kind}-375`);
    await shot(await open(html[kind], { width: 600 }), `${kind}-600`);
  });

  it.each(KINDS)('the %s declares light and dark support and is legible in forced dark mode', async (kind) => {
    expect(html[kind]).toContain('<meta name="color-scheme" content="light dark">');
    expect(html[kind]).toContain('<meta name="supported-color-schemes" content="light dark">');
    expect(html[kind]).toMatch(/@media \(prefers-color-scheme: dark\)/);
    const page = await open(html[kind], { width: 600, dark: true });
    const bodyBg = await page.$eval('body', (b: El) => (globalThis as unknown as Win).getComputedStyle(b).backgroundColor);
    expect(contrast(bodyBg, 'rgb(0, 0, 0)')).toBeLessThan(1.5); // the page really went dark
    // Every piece of text on a card or the footer band: at least 4.5:1 against what is behind it.
    const texts = await page.$$eval(
      'div.card td[align="left"] > div, div.band td[align="left"] > div, div.card a, div.band a',
      (els: El[]) =>
        els.map((e, i) => {
          e.setAttribute('data-probe', String(i));
          return { i, color: (globalThis as unknown as Win).getComputedStyle(e).color, text: (e.textContent ?? '').trim().slice(0, 40) };
        }),
    );
    expect(texts.length).toBeGreaterThan(2);
    for (const t of texts.filter((x) => x.text)) {
      const bg = await backgroundBehind(page, `[data-probe="${t.i}"]`);
      const ratio = contrast(t.color, bg);
      expect({ text: t.text, ratio: ratio >= 4.5 }).toEqual({ text: t.text, ratio: true });
    }
    await shot(page, `${kind}-dark`);
  });
});

describe('the HTML itself', () => {
  it.each(KINDS)("the %s keeps Outlook's conditional comments balanced and has no blank lines or indentation", (kind) => {
    const h = html[kind];
    const opened = (h.match(/<!--\[if [^\]]+\]>/g) ?? []).length;
    const closed = (h.match(/<!\[endif\]-->/g) ?? []).length;
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBe(closed);
    expect(h).not.toMatch(/\n[ \t\r]*\n/);
    expect(h).not.toMatch(/\n[ \t]+</);
  });

  it.each(KINDS)('the %s carries its layout inline: no element depends on a class for spacing or colour', (kind) => {
    const h = html[kind];
    for (const m of h.matchAll(/<span class="topic[^"]*"( style="[^"]*")?/g))
      expect(m[1]).toMatch(/display: inline-block;.*padding: 2px 8px;.*background-color:/);
    for (const m of h.matchAll(/<ul class="keypoints"( style="[^"]*")?/g)) expect(m[1]).toMatch(/padding: 0 0 0 20px/);
  });
});
