/** An issue's `sendAt`: read with its offset, stored in UTC, refused without one, unreal, past or too far ahead. */
import { ContentError, parseContent } from '../../lambdas/core/content/parse';
import { describeSendAt, MAX_SEND_AHEAD_DAYS, readSendAt } from '../../lambdas/core/content/send-at';
import type { Issue } from '../../lambdas/core/model';

const now = new Date('2026-11-30T12:00:00Z');

const issueFile = (sendAtLine: string | undefined) =>
  [
    '---',
    'type: issue',
    'id: brief-007',
    'newsletter: Sample Brief',
    'number: 7',
    'title: The seventh issue',
    'summary: The editor introduces the issue.',
    'preheader: What is inside, in one line.',
    'date: 2026-12-03',
    'articles: [first-article]',
    ...(sendAtLine === undefined ? [] : [sendAtLine]),
    '---',
    '',
  ].join('\n');

const parse = (line?: string) => parseContent('issues/brief-007.md', issueFile(line), now) as Issue;

function refusal(line: string): ContentError {
  try {
    parse(line);
  } catch (e) {
    if (e instanceof ContentError) return e;
    throw e;
  }
  throw new Error(`${line} was accepted`);
}

describe('sendAt in an issue', () => {
  it('reads a time with an offset (unquoted, as YAML gives it) and stores the instant in UTC', () => {
    expect(parse('sendAt: 2026-12-03T07:00:00+01:00').sendAt).toBe('2026-12-03T06:00:00.000Z');
  });

  it('reads a quoted time with an offset the same way', () => {
    expect(parse("sendAt: '2026-12-03T07:00:00+01:00'").sendAt).toBe('2026-12-03T06:00:00.000Z');
  });

  it('reads Z, and a time without seconds', () => {
    expect(parse('sendAt: 2026-12-03T06:00:00Z').sendAt).toBe('2026-12-03T06:00:00.000Z');
    expect(parse('sendAt: "2026-12-03T07:30-05:00"').sendAt).toBe('2026-12-03T12:30:00.000Z');
  });

  it('leaves sendAt out of an issue that has none', () => {
    expect(parse()).not.toHaveProperty('sendAt');
  });

  it('refuses a time without an offset (YAML would read it as UTC), naming the file and the field', () => {
    const e = refusal('sendAt: 2026-12-03T07:00:00');
    expect(e.message).toMatch(/^issues\/brief-007\.md:11: sendAt: must give its offset from UTC/);
  });

  it('refuses a date without a time', () => {
    expect(refusal('sendAt: 2026-12-03').message).toMatch(/sendAt: must give its offset from UTC/);
  });

  it('refuses garbage, a number and an impossible date or hour', () => {
    expect(refusal('sendAt: next thursday').message).toMatch(/sendAt: must be a date-time with its offset from UTC/);
    expect(refusal('sendAt: 12').message).toMatch(/sendAt: must be a date-time with its offset/);
    expect(refusal('sendAt: "2026-02-30T07:00:00+01:00"').message).toMatch(/sendAt: is not a real date and time/);
    expect(refusal('sendAt: "2026-12-03T24:00:00+01:00"').message).toMatch(/sendAt: is not a real date and time/);
    expect(refusal('sendAt: "2026-12-03T07:00:00+25:00"').message).toMatch(/sendAt: is not a real date and time/);
  });

  it('refuses a time in the past at publish time, and the very moment of publishing', () => {
    expect(refusal('sendAt: 2026-11-30T12:59:00+01:00').message).toMatch(/^issues\/brief-007\.md:11: sendAt: is in the past/);
    expect(refusal('sendAt: 2026-11-30T12:00:00Z').message).toMatch(/sendAt: is in the past/);
  });

  it(`refuses a time more than ${MAX_SEND_AHEAD_DAYS} days ahead (a wrong year), and accepts one just inside`, () => {
    expect(refusal('sendAt: 2027-12-03T07:00:00+01:00').message).toMatch(/sendAt: is more than 366 days ahead/);
    const inside = new Date(now.getTime() + (MAX_SEND_AHEAD_DAYS * 86_400_000 - 60_000)).toISOString();
    expect(parse(`sendAt: ${inside}`).sendAt).toBe(inside);
  });

  it('lists a sendAt problem (of form, or of timing) together with the other problems of the file', () => {
    expect(
      refusal('sendAt: 2026-12-03T07:00:00\nsignOff: ""')
        .problems.map((p) => p.path)
        .sort(),
    ).toEqual(['sendAt', 'signOff']);
    expect(
      refusal('sendAt: 2026-11-01T07:00:00+01:00\nsignOff: ""')
        .problems.map((p) => p.path)
        .sort(),
    ).toEqual(['sendAt', 'signOff']);
  });
});

describe('readSendAt and describeSendAt', () => {
  it('accepts a space for T and refuses trailing text', () => {
    expect(readSendAt('2026-12-03 07:00:00+01:00')).toEqual({ at: new Date('2026-12-03T06:00:00Z') });
    expect('problem' in readSendAt('2026-12-03T07:00:00+01:00 please')).toBe(true);
  });

  it('says the time in UTC and in the deploy time zone', () => {
    expect(describeSendAt('2026-12-03T06:00:00.000Z', 'Europe/Brussels')).toBe(
      'scheduled for 2026-12-03 06:00 UTC (Thu 3 Dec 2026 07:00 Europe/Brussels)',
    );
    expect(describeSendAt('2026-12-03T06:00:00.000Z', 'Asia/Kathmandu')).toBe(
      'scheduled for 2026-12-03 06:00 UTC (Thu 3 Dec 2026 11:45 Asia/Kathmandu)',
    );
  });
});
