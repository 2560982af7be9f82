/**
 * Benchmarks. `npm run bench` runs every section; `npm run bench -- --section <name>` runs one.
 *
 * Sections are plain async functions registered in {@link SECTIONS}, so more can be added
 * (planner paging, ledger claims, ...) without touching the others.
 *
 * render-and-MIME: what one sender core achieves per recipient with the production route
 * (Handlebars on the build-time-compiled MJML, then the prepared MIME skeleton), against
 * rendering MJML for every recipient, which is what compiling at build time avoids.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import type { Article, Issue } from '../lambdas/core/model';
import { digestViewModel, prepareDigest, type DigestRecipient } from '../lambdas/core/render';
import { prepareMessage } from '../lambdas/core/mime';
import { mjmlOptions, TEMPLATES_DIR } from './build-templates';

/** A realistic 5-article issue, modelled on the first EU–Japan Security Brief. */
export function sampleIssue(): { issue: Issue; articles: Article[] } {
  const base = { kind: 'article' as const, date: '2024-11-01', priority: 'normal' as const, body: '', publishedAt: '2024-11-01T09:00:00Z' };
  const articles: Article[] = [
    {
      ...base,
      id: 'eu-japan-security-defence-partnership',
      title: 'EU and Japan sign their first security and defence partnership',
      summary:
        'Meeting in Tokyo on 1 November 2024, Japan’s foreign minister and the EU’s High Representative announced a security and defence partnership — the first security agreement the EU has concluded with any country in the Indo-Pacific. Both sides framed it as a response to a security picture in which events in Europe and in East Asia can no longer be treated apart.',
      keyPoints: [
        'The EU’s first security agreement with an Indo-Pacific country.',
        'The joint statement calls the security of Europe and the Indo-Pacific “closely interconnected and interdependent”.',
        'Regular working-level dialogues on security and defence are to follow.',
      ],
      topics: ['diplomacy', 'defence-industry'],
      source: { name: 'Kyodo News', url: 'https://english.kyodonews.net/news/2024/11/eu-japan-security-partnership.html' },
    },
    {
      ...base,
      id: 'joint-exercises-and-maritime-security',
      title: 'Joint exercises at sea are part of the plan',
      summary:
        'The partnership foresees joint military exercises, including naval exercises with other countries, and closer work on maritime security. The EU’s foreign policy chief later stressed maritime security and cyber and hybrid threats as the areas where cooperation will deepen first.',
      keyPoints: ['Joint naval exercises, also with third countries.', 'Maritime security named as a first priority.', 'Cyber and hybrid threats close behind.'],
      topics: ['maritime-security', 'cyber'],
      source: { name: 'Reuters', url: 'https://www.reuters.com/world/asia-pacific/eu-japan-maritime-2024-11-01/' },
    },
    {
      ...base,
      id: 'defence-industry-space-cyber',
      title: 'Defence industries, space and cyber: where the cooperation goes next',
      summary:
        'Beyond exercises, the two sides want their defence industries to work together and to exchange defence-industry information, and they plan cooperation on cybersecurity and on space defence. Japan has relaxed its long-standing limits on arms exports and is building a next-generation fighter with the United Kingdom and Italy.',
      keyPoints: [
        'Industrial collaboration and information exchange between defence industries.',
        'Planned cooperation on cybersecurity and space defence.',
        'Japan’s looser export rules make joint projects easier.',
      ],
      topics: ['defence-industry', 'space', 'cyber'],
      source: { name: 'Nikkei Asia', url: 'https://asia.nikkei.com/Politics/Defense/EU-Japan-defence-industry' },
    },
    {
      ...base,
      id: 'intelligence-sharing-talks',
      title: 'Talks to begin on sharing classified information',
      summary:
        'The EU and Japan will explore an agreement on the security of information, the legal basis they need before intelligence can be shared. They also committed to work together towards the goals of nuclear disarmament.',
      keyPoints: ['An information-security agreement is to be explored.', 'Shared commitment to nuclear disarmament goals.'],
      topics: ['intelligence-sharing', 'nuclear-disarmament'],
      source: { name: 'The Japan Times', url: 'https://www.japantimes.co.jp/news/2024/11/01/japan/politics/eu-japan-intelligence/' },
    },
    {
      ...base,
      id: 'threat-picture-north-korea-russia',
      title: 'Why now: North Korea’s missile test and its ties with Russia',
      summary:
        'The talks came just after North Korea tested what is believed to be a new ICBM-class ballistic missile. Both sides are worried by Pyongyang’s military cooperation with Moscow, including North Korean troops sent to Russia and exchanges of weapons, and they reaffirmed their support for Ukraine.',
      keyPoints: [
        'A suspected new ICBM-class missile test preceded the talks.',
        'North Korean troops in Russia and arms exchanges were named as threats.',
        'Support for Ukraine was reaffirmed.',
      ],
      topics: ['north-korea', 'russia', 'ukraine'],
      source: { name: 'Associated Press', url: 'https://apnews.com/article/japan-eu-security-north-korea-russia' },
    },
  ];
  const issue: Issue = {
    kind: 'issue',
    id: 'eu-japan-security-brief-001',
    newsletter: 'EU–Japan Security Brief',
    number: 1,
    title: 'A first security pact for the EU in the Indo-Pacific',
    summary:
      'This week the EU and Japan agreed a security and defence partnership. Here is what they signed, what it covers, and why it came now.',
    preheader: 'What the EU–Japan security and defence partnership covers, and why it came now.',
    date: '2024-11-01',
    articleIds: articles.map((a) => a.id),
    publishedAt: '2024-11-01T09:00:00Z',
  };
  return { issue, articles };
}

/** The i-th benchmark recipient: distinct address and tokens, as in a real campaign. */
function recipient(i: number): DigestRecipient {
  const token = `tok${i.toString(36).padStart(8, '0')}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1ieXRlcw`;
  return {
    email: `reader${i}@example.com`,
    unsubscribeUrl: `https://briefing.example.org/unsubscribe?token=${token}`,
    preferencesUrl: `https://briefing.example.org/preferences?token=${token}`,
    reason: 'You receive this because you subscribed to the EU–Japan Security Brief on briefing.example.org.',
  };
}

/**
 * The MJML source with its includes inlined, so Handlebars can fill it before MJML runs
 * (the per-recipient MJML route).
 */
export function inlinedMjmlSource(file = path.join(TEMPLATES_DIR, 'digest.mjml')): string {
  const dir = path.dirname(file);
  return readFileSync(file, 'utf8').replace(/<mj-include\s+path="([^"]+)"\s*\/>/g, (_m, p: string) =>
    inlinedMjmlSource(path.resolve(dir, p)),
  );
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function renderAndMime(): Promise<void> {
  const { issue, articles } = sampleIssue();
  const N = Number(process.env.BENCH_RECIPIENTS ?? 20_000);
  const MJML_N = Number(process.env.BENCH_MJML_RECIPIENTS ?? 30);

  // (a) the production route: prepare once per campaign, then per recipient.
  const digest = prepareDigest(issue, articles);
  const build = await prepareMessage({
    from: { name: issue.newsletter, address: 'brief@briefing.example.org' },
    subject: digest.subject,
    listId: { id: `${issue.id}.briefing.example.org`, name: issue.newsletter },
    configurationSet: 'briefing-events',
  });
  const one = (i: number) => {
    const r = recipient(i);
    const { html, text } = digest.render(r);
    return build({ to: r.email, unsubscribeUrl: r.unsubscribeUrl, html, text });
  };
  const sample = one(0);
  const sampleParts = digest.render(recipient(0));
  for (let i = 0; i < 2_000; i++) one(i); // warm-up: let the JIT settle before timing
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) bytes += one(i).length; // each Buffer is dropped at once: memory stays flat
  const fastSeconds = (performance.now() - t0) / 1000;
  const fastRate = N / fastSeconds;

  // (b) MJML per recipient: Handlebars on the MJML source, then mjml2html, as a run-time MJML design would.
  const mjmlTemplate = Handlebars.compile(inlinedMjmlSource(), { strict: true });
  const view = digestViewModel(issue, articles);
  const options = mjmlOptions(path.join(TEMPLATES_DIR, 'digest.mjml'));
  for (let i = 0; i < 3; i++) await mjml2html(mjmlTemplate({ ...view, recipient: recipient(i) }), options); // warm-up
  const t1 = performance.now();
  for (let i = 0; i < MJML_N; i++) {
    const filled = mjmlTemplate({ ...view, recipient: recipient(i) });
    const { html } = await mjml2html(filled, options);
    if (!html) throw new Error('mjml produced no html');
  }
  const mjmlRate = MJML_N / ((performance.now() - t1) / 1000);

  const ratio = fastRate / mjmlRate;
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const rows: [string, string][] = [
    ['prepared render + MIME (msg/s, one core)', `${fmt(fastRate)}  (${fmt(N)} messages in ${fmt(fastSeconds, 2)} s)`],
    ['MJML render per recipient (msg/s)', `${fmt(mjmlRate, 1)}  (${fmt(MJML_N)} renders)`],
    ['ratio', `${fmt(ratio)}x`],
    ['target: >= 10,000 msg/s', pass(fastRate >= 10_000)],
    ['target: >= 200x MJML', pass(ratio >= 200)],
    ['HTML part size', `${fmt(Buffer.byteLength(sampleParts.html) / 1024, 1)} KB (Gmail clips at ~102 KB)`],
    ['text part size', `${fmt(Buffer.byteLength(sampleParts.text) / 1024, 1)} KB`],
    ['raw message size', `${fmt(sample.length / 1024, 1)} KB (average ${fmt(bytes / N / 1024, 1)} KB)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nrender-and-MIME: sample issue ${issue.id}, ${articles.length} articles`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  if (fastRate < 10_000 || ratio < 200) process.exitCode = 1;
}

/** Benchmark sections by name; each runs on its own with `--section <name>`. */
export const SECTIONS: Record<string, () => Promise<void>> = {
  'render-and-MIME': renderAndMime,
};

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--section');
  const wanted = at >= 0 ? argv[at + 1] : undefined;
  if (at >= 0 && (!wanted || !SECTIONS[wanted])) {
    console.error(`unknown section ${JSON.stringify(wanted ?? '')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (!wanted || wanted === name) await run();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
