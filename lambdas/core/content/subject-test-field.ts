/**
 * The `subjectTest` field of an issue's front matter: two subjects to test on a share of the
 * audience before the rest is sent the better one (core/subject-test.ts).
 *
 *   subjectTest:
 *     subjects:
 *       - EU and Japan sign their first security pact
 *       - What the EU–Japan pact means for Indo-Pacific shipping
 *     share: 20        # percent of the audience in the test, half per subject (default 20)
 *     waitHours: 4     # before the rest is sent the winner (default 4)
 */
import { z } from 'zod';
import { DEFAULT_TEST_SHARE_PERCENT, DEFAULT_TEST_WAIT_MINUTES, type SubjectTest } from '../subject-test';
import { line, required } from './fields';

export const subjectTestField = z
  .strictObject(
    {
      // Full subjects (the issue number is not added): a phone shows 40–60 characters.
      subjects: z.tuple([line(90), line(90)], { error: required('a list of exactly two subjects') }),
      share: z
        .number({ error: required('a percentage') })
        .int('must be a whole percentage')
        .min(2, 'must be at least 2 (1 % a subject)')
        .max(50, 'must be at most 50: the rest of the audience is what the test is for')
        .default(DEFAULT_TEST_SHARE_PERCENT),
      waitHours: z
        .number({ error: required('a number of hours') })
        .min(0.25, 'must be at least 0.25 (15 minutes): clicks need time to come in')
        .max(72, 'must be at most 72')
        .default(DEFAULT_TEST_WAIT_MINUTES / 60),
    },
    { error: required('a mapping with subjects, and optionally share and waitHours') },
  )
  .refine((t) => t.subjects[0] !== t.subjects[1], { path: ['subjects', 1], message: 'is the same as the first subject: nothing to test' })
  .transform((t): SubjectTest => ({
    subjects: [t.subjects[0], t.subjects[1]],
    sharePercent: t.share,
    waitMinutes: Math.round(t.waitHours * 60),
  }));
