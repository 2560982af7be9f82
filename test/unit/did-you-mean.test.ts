import { didYouMean, nearest } from '../../lambdas/core/did-you-mean';

const TOPICS = ['diplomacy', 'defence-industry', 'maritime-security', 'cyber', 'space', 'china', 'russia'];

describe('did you mean', () => {
  it.each([
    ['diplomcy', 'diplomacy'], // a letter left out
    ['defense-industry', 'defence-industry'], // US spelling
    ['Cyber', 'cyber'], // case only
    ['maritime', 'maritime-security'], // the start of it
    ['chnia', 'china'], // two letters swapped
  ])('a slip (%s) gets the name meant (%s)', (typed, meant) => {
    expect(nearest(typed, TOPICS)).toBe(meant);
    expect(didYouMean(typed, TOPICS)).toBe(` (did you mean "${meant}"?)`);
  });

  it.each(['weather', 'sp', '', 'x'])('something unrelated (%j) gets no suggestion', (typed) => {
    expect(nearest(typed, TOPICS)).toBeUndefined();
    expect(didYouMean(typed, TOPICS)).toBe('');
  });

  it('prefers the nearest of two near names', () => {
    expect(nearest('isue-001', ['issue-100', 'issue-001', 'issue-010'])).toBe('issue-001');
  });
});
