/**
 * Field rules shared by the content parser (parse.ts) and the front-matter fields kept in their
 * own modules (subject-test-field.ts). Pure.
 */
import { z } from 'zod';

/**
 * Characters refused in one-line fields: C0/C1 controls (a CR or LF would split a mail header
 * or a layout line) and the Unicode line and paragraph separators, which some clients break on.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused
export const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** In the body, newlines and tabs are Markdown; any other control character is not. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused
export const BODY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Error text for a missing value versus a value of the wrong kind. */
export const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/**
 * Direction overrides and isolates (U+202A–U+202E, U+2066–U+2069): they turn the rest of a line
 * around, so a title or a subject would read as another text than the one typed.
 */
export const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/** One line of text for a title, summary, subject or key point: trimmed, bounded, no control or direction characters. */
export const line = (max: number) =>
  z
    .string({ error: required('text') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !LINE_BREAKING.test(s), 'must not contain line breaks or control characters')
    .refine((s) => !DIRECTION_CONTROL.test(s), 'must not contain direction controls (U+202A–U+202E, U+2066–U+2069)');

/** The `version:` field of a file's front matter: the stored version the file was taken from. */
export const versionField = z
  .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a whole number (the version `content pull` wrote)') })
  .int('must be a whole number (the version `content pull` wrote)')
  .positive('must be 1 or more');
