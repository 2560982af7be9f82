/**
 * Bench section `render-and-MIME`, and the sample digest the other sections and tests use.
 *
 * render-and-MIME: what one sender core achieves per recipient with the production route
 * (Handlebars on the build-time-compiled MJML, then the prepared MIME skeleton), against
 * rendering MJML for every recipient, which is what compiling at build time avoids; the two
 * run in BENCH_RENDER_ROUNDS (10) alternating slices, and the median slice is the verdict.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import type { Article, Issue } from '../../lambdas/core/model';
import { digestViewModel, prepareDigest, type DigestRecipient } from '../../lambdas/core/render';
import { parseContent } from '../../lambdas/core/content/parse';
import { parseSigningKeys } from '../../lambdas/core/tokens';
import { prepareDigestCampaign } from '../../lambdas/usecases/digest-campaign';
import { SAMPLE_ISSUE_ID, sampleIssueFiles } from '../../lib/local/sample-content';
import { mjmlOptions, TEMPLATES_DIR } from '../build-templates';
import { fmt, forceGc, verdict } from './shared';

/** The sample digest: the first EU–Japan Security Brief as shipped under content/. */
export function sampleIssue(): { issue: Issue; articles: Article[] } {
  const now = new Date('2024-11-04T07:00:00Z');
  const items = sampleIssueFiles().map((f) => parseContent(f.name, f.text, now));
  const issue = items.find((i): i is Issue => i.kind === 'issue' && i.id === SAMPLE_ISSUE_ID);
  if (!issue) throw new Error(`bench: ${SAMPLE_ISSUE_ID} not found under content/`);
  const byId = new Map(items.filter((i): i is Article => i.kind === 'article').map((a) => [a.id, a]));
  return { issue, articles: issue.articleIds.map((id) => byId.get(id)!) };
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

async function renderAndMime(): Promise<void> {
  const { issue, articles } = sampleIssue();
  const N = Number(process.env.BENCH_RECIPIENTS ?? 20_000);
  const MJML_N = Number(process.env.BENCH_MJML_RECIPIENTS ?? 100);
  const ROUNDS = Math.max(1, Number(process.env.BENCH_RENDER_ROUNDS ?? 10));

  // (a) the production route, exactly what the sender runs: the campaign is prepared once,
  // then per recipient two signed tokens, the template fill and the MIME message.
  const keys = parseSigningKeys(JSON.stringify({ current: 'k1', k1: 'bench-signing-key-0123456789abcdef0123456789' }));
  const campaign = await prepareDigestCampaign(
    issue,
    articles,
    {
      senderEmail: 'brief@briefing.example.org',
      senderName: issue.newsletter,
      publicBaseUrl: 'https://briefing.example.org',
      configurationSet: 'briefing-events',
      organisationName: 'Bench Publishers',
      postalAddress: '1 Bench Street, 1000 Brussels, Belgium',
    },
    keys,
  );
  const now = new Date();
  const one = (i: number) =>
    campaign.compose({ subscriberId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, email: `reader${i}@example.com` }, now);
  const sample = one(0);
  const sampleParts = prepareDigest(issue, articles).render(recipient(0));
  for (let i = 0; i < 2_000; i++) one(i); // warm-up: let the JIT settle before timing

  // (b) MJML per recipient: Handlebars on the MJML source, then mjml2html, as a run-time MJML design would.
  const mjmlTemplate = Handlebars.compile(inlinedMjmlSource(), { strict: true });
  const view = digestViewModel(issue, articles);
  const options = mjmlOptions(path.join(TEMPLATES_DIR, 'digest.mjml'));
  const mjmlOne = async (i: number) => {
    const { html } = await mjml2html(mjmlTemplate({ ...view, recipient: recipient(i) }), options);
    if (!html) throw new Error('mjml produced no html');
  };
  for (let i = 0; i < 3; i++) await mjmlOne(i); // warm-up

  // The two routes run in alternating slices, each after a forced collection (so neither pays
  // for the other's garbage): the shared machine's speed drifts within seconds, and one slice
  // of each, back to back, put the ratio anywhere from 188x to 406x across runs.
  const gc = forceGc();
  let bytes = 0;
  let fastSeconds = 0;
  let mjmlSeconds = 0;
  const sliceRatios: number[] = [];
  for (let round = 0, i = 0, j = 0; round < ROUNDS; round++) {
    const fastEnd = Math.round((N * (round + 1)) / ROUNDS);
    const mjmlEnd = Math.round((MJML_N * (round + 1)) / ROUNDS);
    const fastCount = fastEnd - i;
    const mjmlCount = mjmlEnd - j;
    gc();
    const t0 = performance.now();
    for (; i < fastEnd; i++) bytes += one(i).length; // each Buffer is dropped at once: memory stays flat
    const fast = (performance.now() - t0) / 1000;
    gc();
    const t1 = performance.now();
    for (; j < mjmlEnd; j++) await mjmlOne(j);
    const mjml = (performance.now() - t1) / 1000;
    fastSeconds += fast;
    mjmlSeconds += mjml;
    sliceRatios.push(fastCount / fast / (mjmlCount / mjml));
  }
  const fastRate = N / fastSeconds;
  const mjmlRate = MJML_N / mjmlSeconds;
  sliceRatios.sort((a, b) => a - b);
  const ratio = sliceRatios[Math.floor((sliceRatios.length - 1) / 2)]; // the median slice: the verdict
  const pass = (ok: boolean) => verdict(ok, false);
  const rows: [string, string][] = [
    ['prepared render + MIME (msg/s, one core)', `${fmt(fastRate)}  (${fmt(N)} messages in ${fmt(fastSeconds, 2)} s, ${ROUNDS} slices)`],
    [
      'MJML render per recipient (msg/s)',
      `${fmt(mjmlRate, 1)}  (${fmt(MJML_N)} renders in ${fmt(mjmlSeconds, 2)} s, ${ROUNDS} slices between them)`,
    ],
    [
      'ratio, median of the rounds',
      `${fmt(ratio)}x  (rounds from ${fmt(sliceRatios[0])}x to ${fmt(sliceRatios[sliceRatios.length - 1])}x; all slices together ${fmt(fastRate / mjmlRate)}x)`,
    ],
    ['target: >= 10,000 msg/s', pass(fastRate >= 10_000)],
    ['target: >= 200x MJML', pass(ratio >= 200)],
    ['HTML part size', `${fmt(Buffer.byteLength(sampleParts.html) / 1024, 1)} KB (Gmail clips at ~102 KB)`],
    ['text part size', `${fmt(Buffer.byteLength(sampleParts.text) / 1024, 1)} KB`],
    ['raw message size', `${fmt(sample.length / 1024, 1)} KB (average ${fmt(bytes / N / 1024, 1)} KB)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nrender-and-MIME: sample issue ${issue.id}, ${articles.length} articles`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

export const RENDER_SECTIONS = { 'render-and-MIME': renderAndMime };
