/**
 * The import's `name` column refuses what the `email` column and topics.md refuse: a leading
 * spreadsheet formula character and direction controls, per line, saying the line and why.
 */
import { expect } from '@jest/globals';
import { readName } from '../../lambdas/core/subscriber-name';
import { importSubscribers } from '../../lambdas/usecases/subscribers';
import { testDigest as digest } from '../support/address-key';
import { fixedClock, MemorySubscribers } from './fakes';

describe('readName', () => {
  it.each([
    ['a formula', '=HYPERLINK("http://x.example","Ann")', /starts with = .*formula/],
    ['a plus formula', '+1+cmd', /starts with \+ .*formula/],
    ['an @ formula', '@SUM(1+1)', /starts with @ .*formula/],
    ['a minus formula', '-2+3', /starts with - .*formula/],
    // Chosen: refused too, a spreadsheet reads `-cmd|...` as a formula and a real name has no leading dash.
    ['a dash before a letter', '-Ann', /starts with - .*remove the -/],
    ['a formula behind spaces (the name is trimmed before it is stored)', '  =1+1', /starts with =/],
    ['a right-to-left override', 'Ann\u202eevil', /direction control/],
    ['a left-to-right embedding', '\u202aAnn', /direction control/],
    ['a first-strong isolate', 'Ann\u2068x', /direction control/],
    ['a pop directional isolate', 'Ann\u2069', /direction control/],
  ])('refuses %s', (_what, input, problem) => {
    const read = readName(input);
    expect(read).toEqual({ problem: expect.stringMatching(problem) });
  });

  it.each([
    ['a hyphen inside', 'Anne-Marie Dupont'],
    ['an apostrophe', "O'Brien"],
    ['an @ and = inside', 'Ann @ Home = Ann'],
    ['right-to-left letters without controls', 'نور'],
  ])('keeps %s', (_what, input) => {
    expect(readName(input)).toEqual({ name: input });
  });
});

describe('subscribers import: a bad name refuses its line only, with its number', () => {
  it('refuses the formula and the direction control, imports the rest', async () => {
    const subscribers = new MemorySubscribers();
    const csv = 'email,name\nok@example.org,Ann Lee\nformula@example.org,=1+1\nbidi@example.org,"Ann\u202eevil"\nok2@example.org,Bo\n';
    const r = await importSubscribers({ subscribers, clock: fixedClock(), digest }, csv);
    expect(r.imported).toBe(2);
    expect(r.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^name: starts with = .*formula/) },
      { line: 4, message: expect.stringMatching(/^name: has a direction control/) },
    ]);
    // Nothing written for a refused line.
    expect(await subscribers.getByEmail('formula@example.org')).toBeUndefined();
    expect(await subscribers.getByEmail('bidi@example.org')).toBeUndefined();
  });
});
