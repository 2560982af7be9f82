/** The listings' pure rules (core/find.ts): filters refused with "did you mean", states, page sizes, the table. */
import type { CampaignProgress } from '../../lambdas/core/campaign-status';
import { articleState, formatTable, issueState, parseLimit, parseSubscriberFilter } from '../../lambdas/core/find';

const progress = (p: Partial<CampaignProgress>): CampaignProgress => ({
  campaignId: 'i',
  state: 'queued',
  queued: 2,
  sent: 0,
  failed: 0,
  suppressed: 0,
  skipped: 0,
  throttled: 0,
  reclaimed: 0,
  ...p,
});

describe('subscriber filters', () => {
  it('refuses a misspelt status and names the one meant (mistake: "confimred" listing nobody, silently)', () => {
    expect(() => parseSubscriberFilter({ status: 'confimred' })).toThrow(/unknown status "confimred" \(did you mean "confirmed"\?\)/);
  });

  it('refuses a source that does not exist and lists the real ones (mistake: "form" for the web form)', () => {
    expect(() => parseSubscriberFilter({ source: 'form' })).toThrow(/unknown source "form".*one of web, import, cli, smoke/);
    expect(() => parseSubscriberFilter({ source: 'imprt' })).toThrow(/did you mean "import"/);
  });

  it('refuses an empty prefix or topic (mistake: an empty search that lists everyone)', () => {
    expect(() => parseSubscriberFilter({ prefix: '  ' })).toThrow(/at least one character/);
    expect(() => parseSubscriberFilter({ topic: '' })).toThrow(/--topic needs/);
  });

  it('takes statuses and sources in any capitals, and lower-cases the prefix as keys are', () => {
    expect(parseSubscriberFilter({ status: 'Suppressed', source: 'CLI', prefix: 'Ann@' })).toEqual({
      status: 'suppressed',
      source: 'cli',
      prefix: 'ann@',
    });
  });
});

describe('--limit', () => {
  it.each(['0', '-3', '2.5', 'ten', '1001'])('refuses %s (mistake: a page size that is no page)', (text) => {
    expect(() => parseLimit(text)).toThrow(/--limit must be a whole number from 1 to 1000/);
  });
  it('defaults to 20 and takes a whole number', () => {
    expect(parseLimit(undefined)).toBe(20);
    expect(parseLimit('7')).toBe(7);
  });
});

describe('states', () => {
  it('tells an issue by its sendAt, its counters and its planned mark (mistake: a half-sent issue shown as sent)', () => {
    expect(issueState({}, undefined)).toBe('draft');
    expect(issueState({ sendAt: '2026-12-24T06:00:00.000Z' }, undefined)).toBe('scheduled');
    expect(issueState({ plannedAt: '2026-12-01T00:00:00.000Z' }, undefined)).toBe('sent');
    expect(issueState({}, progress({ planned: 2, sent: 1 }))).toBe('sending');
    expect(issueState({}, progress({ planned: 2, sent: 1, failed: 1 }))).toBe('sent');
    expect(issueState({}, progress({ state: 'done' }))).toBe('sent');
  });

  it('gives an article the most advanced state of its issues, or sent when its alert went', () => {
    expect(articleState({}, [])).toBe('draft');
    expect(articleState({}, ['draft', 'scheduled'])).toBe('scheduled');
    expect(articleState({}, ['sent', 'sending'])).toBe('sent');
    expect(articleState({ alertedAt: '2026-12-01T00:00:00.000Z' }, ['draft'])).toBe('sent');
  });
});

it('pads each column to its widest cell, the last one left as it is', () => {
  expect(
    formatTable(
      ['id', 'title'],
      [
        ['issue-10', 'A'],
        ['i', 'Bb'],
      ],
    ).split('\n'),
  ).toEqual(['id        title', '--------  -----', 'issue-10  A', 'i         Bb']);
});
