/**
 * What an inbox list shows before a message is opened: the subject leads with the news (the
 * From line already names the newsletter), and the preview line is the preheader alone, cut
 * at a word and followed by invisible filler so the body does not run on after it.
 */
import { sampleIssue } from '../../bin/bench';
import type { Article } from '../../lambdas/core/model';
import { digestSubject, PREHEADER_PAD, prepareDigest, previewText } from '../../lambdas/core/render';
import { alertSubject, prepareAlert } from '../../lambdas/core/render/alert';
import { renderConfirmation, renderWelcome } from '../../lambdas/core/render/transactional';
import { parseContent } from '../../lambdas/core/content/parse';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const sampleAlert = () =>
  parseContent(
    'north-korea-icbm-test.md',
    readFileSync(path.join(__dirname, '..', '..', 'content', 'eu-japan-security-brief', 'alerts', 'north-korea-icbm-test.md'), 'utf8'),
    new Date('2024-10-31T12:00:00Z'),
  ) as Article;

const reader = {
  email: 'reader@example.com',
  unsubscribeUrl: 'https://b.example/unsubscribe?token=t1',
  preferencesUrl: 'https://b.example/preferences?token=t2',
  reason: 'You receive this because you subscribed.',
};

/** The text a mail client takes for its preview: the hidden block's visible characters. */
const previewOf = (html: string) => {
  const m = /<div class="preheader" style="display:none;[^"]*">([^<]*)<\/div>/.exec(html);
  if (!m) throw new Error('no hidden preheader block');
  return m[1];
};

describe('subject lines', () => {
  it('a digest leads with the headline and puts the issue number after it, without the newsletter name', () => {
    expect(digestSubject({ title: 'EU and Japan agree first Indo-Pacific security pact', number: 1 })).toBe(
      'EU and Japan agree first Indo-Pacific security pact · No. 1',
    );
  });

  it('the sample digest: the whole subject fits in 60 characters, so a phone shows all of it', () => {
    const { issue, articles } = sampleIssue();
    const { subject } = prepareDigest(issue, articles);
    expect(subject.startsWith(issue.title)).toBe(true);
    expect(subject).not.toContain(issue.newsletter);
    expect(subject.length).toBeLessThanOrEqual(60);
  });

  it('an alert starts with "Breaking:" and the headline, its point within the first 60 characters', () => {
    const alert = sampleAlert();
    const { subject } = prepareAlert(alert, 'EU–Japan Security Brief');
    expect(subject).toBe('Breaking: North Korea tests a suspected new ICBM-class missile');
    expect(subject.slice(0, 60)).toContain('North Korea tests');
    expect(alertSubject({ title: 'Line\r\nBcc: x@example.com' })).toBe('Breaking: Line Bcc: x@example.com');
  });

  it('confirmation and welcome name what to do or what happened first', () => {
    const c = renderConfirmation({
      newsletter: 'Brief',
      email: 'reader@example.org',
      requestedAt: '2026-11-12T08:00:00Z',
      confirmUrl: 'https://b.example/confirm?token=c',
      unsubscribeUrl: reader.unsubscribeUrl,
      expiresAt: new Date('2026-11-30T10:00:00Z'),
    });
    const w = renderWelcome({
      newsletter: 'Brief',
      email: 'reader@example.org',
      subscribedAt: '2026-11-12T08:00:00Z',
      digest: true,
      alerts: false,
      topics: [],
      archiveUrl: 'https://b.example/archive',
      preferencesUrl: reader.preferencesUrl,
      unsubscribeUrl: reader.unsubscribeUrl,
    });
    expect(c.subject).toBe('Confirm your subscription to Brief');
    expect(w.subject).toBe('Welcome to Brief');
  });

  it("folds the confirmation's text part at 72 columns, a long newsletter name too (mistake: its first line ran to 80)", () => {
    const c = renderConfirmation({
      newsletter: 'EU–Japan Security Brief',
      email: 'reader@example.org',
      requestedAt: '2026-11-12T08:00:00Z',
      confirmUrl: 'https://b.example/confirm?token=c',
      unsubscribeUrl: reader.unsubscribeUrl,
      expiresAt: new Date('2026-11-30T10:00:00Z'),
    });
    const prose = c.text.split(/\r?\n/).filter((l) => !/^https?:/.test(l));
    expect(prose.filter((l) => l.length > 72)).toEqual([]);
    expect(c.text).toContain('Please confirm that you want to receive EU–Japan Security Brief at this');
  });
});

describe('preview text', () => {
  it('leaves text that fits as it is', () => {
    expect(previewText('Short and  complete.', 140)).toBe('Short and complete.');
  });

  it('cuts long text at a word boundary and never inside a word', () => {
    const text =
      'The partnership commits both sides to regular dialogues, joint exercises and industry links, and to exploring an agreement on sharing classified information.';
    const out = previewText(text, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.endsWith('…')).toBe(true);
    const words = out.slice(0, -1).split(' ');
    for (const w of words) expect(text.split(' ')).toContain(w);
  });

  it('prefers ending at a whole sentence when one ends within the limit', () => {
    const text =
      'North Korea has tested what is believed to be a new long-range missile. The launch comes on the eve of talks in Tokyo and adds to concern.';
    expect(previewText(text, 110)).toBe('North Korea has tested what is believed to be a new long-range missile.');
  });

  it('the alert preheader is a whole sentence of the summary, not cut mid-word (it was cut at 140 characters)', () => {
    const alert = sampleAlert();
    const { preheader } = prepareAlert(alert, 'Brief');
    expect(preheader).toBe('North Korea has tested what is believed to be a new intercontinental-range ballistic missile.');
  });

  it.each([
    [
      'digest',
      () => {
        const { issue, articles } = sampleIssue();
        return prepareDigest(issue, articles).render(reader).html;
      },
    ],
    ['alert', () => prepareAlert(sampleAlert(), 'Brief').render(reader).html],
    [
      'confirmation',
      () =>
        renderConfirmation({
          newsletter: 'Brief',
          email: 'reader@example.org',
          requestedAt: '2026-11-12T08:00:00Z',
          confirmUrl: 'https://b.example/confirm?token=c',
          unsubscribeUrl: reader.unsubscribeUrl,
          expiresAt: new Date('2026-11-30T10:00:00Z'),
        }).html,
    ],
    [
      'welcome',
      () =>
        renderWelcome({
          newsletter: 'Brief',
          email: 'reader@example.org',
          subscribedAt: '2026-11-12T08:00:00Z',
          digest: true,
          alerts: true,
          topics: ['cyber'],
          archiveUrl: 'https://b.example/archive',
          preferencesUrl: reader.preferencesUrl,
          unsubscribeUrl: reader.unsubscribeUrl,
        }).html,
    ],
  ])('the %s carries a hidden preheader padded with invisible filler, and no text colour on it', (_kind, render) => {
    const html = render();
    const preview = previewOf(html);
    expect(preview.endsWith(PREHEADER_PAD)).toBe(true);
    const text = preview.slice(0, -PREHEADER_PAD.length);
    expect(text.length).toBeGreaterThan(30);
    expect(text.length).toBeLessThanOrEqual(150);
    // A colour on hidden text is what SpamAssassin's HTML_FONT_LOW_CONTRAST scores.
    expect(html).not.toMatch(/<div class="preheader" style="[^"]*color:/);
    // Hidden in every way clients honour: display, height, opacity, overflow, Outlook.
    expect(html).toMatch(/<div class="preheader" style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;/);
  });
});
