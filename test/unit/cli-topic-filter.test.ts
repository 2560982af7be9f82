/**
 * `subscribers list|search|count --topic`: a misspelt topic would match nobody and print "0
 * subscriber(s)" as if that were the audience. It is refused with the topics published and a
 * did-you-mean, before the table is read (the strict target throws on any other read).
 */
import { runCli, strictTarget } from '../support/cli-in-process';
import type { Target } from '../../bin/cli/target';

// Nothing published: the built-in topics apply (china among them).
const target = strictTarget({ content: { getSettings: () => Promise.resolve(undefined) } as unknown as Target['content'] });

it.each([['count'], ['list'], ['search', 'ann']])(
  'mistake: subscribers %s --topic chna is refused with "did you mean china", reading no reader',
  async (...cmd) => {
    await expect(runCli(target, 'subscribers', ...cmd, '--topic', 'chna')).rejects.toThrow(
      /--topic: unknown topic "chna" \(did you mean "china"\?\)/,
    );
  },
);
