import { randomUUID } from 'node:crypto';
import { ContentError, parseContent } from '../../lambdas/core/content/parse';
import { pickWinner, restDueAt, testGroup } from '../../lambdas/core/subject-test';

describe('subject test: who is in which half', () => {
  const readers = Array.from({ length: 20_000 }, () => randomUUID());

  it('puts about the test share in the test, split evenly between the two subjects (20 % → 10 % + 10 %)', () => {
    const groups = readers.map((id) => testGroup('issue-7', id, 20));
    const a = groups.filter((g) => g === 'a').length / readers.length;
    const b = groups.filter((g) => g === 'b').length / readers.length;
    // 20,000 readers: the standard deviation of a 10 % share is 0.2 %; 1 % is five of them.
    expect(Math.abs(a - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(b - 0.1)).toBeLessThan(0.01);
  });

  it('gives a reader the same group on every call (a retried planner run puts nobody in the other half)', () => {
    for (const id of readers.slice(0, 200)) expect(testGroup('issue-7', id, 20)).toBe(testGroup('issue-7', id, 20));
  });

  it('draws the halves afresh for each issue (the same readers are not always the test)', () => {
    const inTest = (issue: string) => new Set(readers.filter((id) => testGroup(issue, id, 20) !== undefined));
    const one = inTest('issue-7');
    const two = inTest('issue-8');
    const both = [...one].filter((id) => two.has(id)).length;
    // Independent draws: about 20 % of the first test is in the second too, not all of it.
    expect(both / one.size).toBeLessThan(0.3);
  });

  it('puts everyone in the test at 100 % and nobody at 0 %', () => {
    expect(readers.slice(0, 500).every((id) => testGroup('i', id, 100) !== undefined)).toBe(true);
    expect(readers.slice(0, 500).some((id) => testGroup('i', id, 0) !== undefined)).toBe(false);
  });
});

describe('subject test: the winner', () => {
  it('is the subject with more clicks per delivered message, not more clicks', () => {
    // b has fewer clicks but far fewer delivered: 30/100 beats 40/400.
    expect(pickWinner({ a: { delivered: 400, clicks: 40 }, b: { delivered: 100, clicks: 30 } })).toEqual({
      winner: 'b',
      rates: { a: 0.1, b: 0.3 },
    });
    expect(pickWinner({ a: { delivered: 100, clicks: 31 }, b: { delivered: 100, clicks: 30 } }).winner).toBe('a');
  });

  it('is the first subject on a tie, and when nothing was delivered or clicked', () => {
    expect(pickWinner({ a: { delivered: 100, clicks: 10 }, b: { delivered: 200, clicks: 20 } }).winner).toBe('a');
    expect(pickWinner({ a: { delivered: 0, clicks: 0 }, b: { delivered: 0, clicks: 0 } }).winner).toBe('a');
    // Clicks without a delivery report yet (events late) count as no rate, not as infinity.
    expect(pickWinner({ a: { delivered: 0, clicks: 5 }, b: { delivered: 10, clicks: 1 } }).winner).toBe('b');
  });

  it('sends the rest the wait after the test was queued', () => {
    expect(restDueAt({ waitMinutes: 240 }, new Date('2026-12-03T07:00:00Z')).toISOString()).toBe('2026-12-03T11:00:00.000Z');
  });
});

describe('subject test: the issue front matter field', () => {
  const issue = (extra: string[]) =>
    [
      '---',
      'type: issue',
      'id: sample-brief-001',
      'newsletter: Sample Brief',
      'number: 1',
      'title: The first issue',
      'summary: The editor introduces the issue.',
      'preheader: What is inside, in one line.',
      'date: 2026-12-03',
      'articles: [first-article, second-article]',
      ...extra,
      '---',
      '',
    ].join('\n');
  const parse = (extra: string[]) => parseContent('issues/001.md', issue(extra), new Date('2026-12-01T09:00:00Z'));

  it('reads two subjects with the default share (20 %) and wait (4 h)', () => {
    const parsed = parse(['subjectTest:', '  subjects:', '    - EU and Japan sign a pact', '    - What the pact means for shipping']);
    expect(parsed).toMatchObject({
      subjectTest: { subjects: ['EU and Japan sign a pact', 'What the pact means for shipping'], sharePercent: 20, waitMinutes: 240 },
    });
  });

  it('reads a share and a wait given in hours', () => {
    const parsed = parse(['subjectTest:', '  subjects: [One subject, Another subject]', '  share: 10', '  waitHours: 1.5']);
    expect(parsed).toMatchObject({ subjectTest: { sharePercent: 10, waitMinutes: 90 } });
  });

  it.each([
    ['one subject only', ['subjectTest:', '  subjects: [Only one]'], /subjectTest\.subjects/],
    ['three subjects', ['subjectTest:', '  subjects: [One, Two, Three]'], /subjectTest\.subjects/],
    ['the same subject twice', ['subjectTest:', '  subjects: [Same, Same]'], /subjectTest\.subjects\.1: is the same as the first subject/],
    [
      'a header-injection attempt in a subject',
      ['subjectTest:', '  subjects: ["Fine", "Bad\\r\\nBcc: x@example.com"]'],
      /subjectTest\.subjects\.1: must not contain line breaks/,
    ],
    ['a share over 50 %', ['subjectTest:', '  subjects: [One, Two]', '  share: 80'], /subjectTest\.share: must be at most 50/],
    [
      'a wait of a minute',
      ['subjectTest:', '  subjects: [One, Two]', '  waitHours: 0.01'],
      /subjectTest\.waitHours: must be at least 0\.25/,
    ],
    ['a misspelt key', ['subjectTest:', '  subject: [One, Two]'], /subjectTest/],
  ])('refuses %s, naming the field', (_what, extra, message) => {
    expect(() => parse(extra)).toThrow(ContentError);
    expect(() => parse(extra)).toThrow(message);
  });
});
