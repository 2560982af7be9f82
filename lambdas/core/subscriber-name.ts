/**
 * A reader's name, as an import brings it from the tool they leave: kept (exported, erased with
 * the rest), shown in no mail yet. Pure.
 */

/**
 * At most this many characters: a name is one short line, and the Subscribers item stays small
 * (DynamoDB bills and limits by item size; 100 characters are at most 400 bytes in UTF-8).
 */
export const MAX_NAME_LENGTH = 100;

/** Characters that reorder the text shown around them (U+202A–U+202E, U+2066–U+2069), as topics.md refuses them. */
const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * The name to store (trimmed, inner runs of spaces made one), or why it is refused. A control
 * character (CR, LF, tab, ...) or a line separator is refused: a name must never be able to
 * start a new mail header or a new line wherever it is shown later. A direction control is
 * refused: it can make a name read as something else (and hide what follows it). A name starting
 * with `=`, `+`, `-` or `@` is refused as the `email` column refuses it: a spreadsheet opening an
 * export runs it as a formula. `-` too, even before a letter ("-Ann"): a spreadsheet reads
 * `-cmd|...` as a formula as well, and a real name does not start with a dash, so the fix (drop it)
 * loses nothing.
 */
export function readName(input: string): { name: string } | { problem: string } {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(input))
    return { problem: 'name: has a control character (a line break, tab, ...): a name is one line of text' };
  if (DIRECTION_CONTROL.test(input))
    return {
      problem:
        'name: has a direction control character (U+202A–U+202E, U+2066–U+2069), which can make a name read as another: remove it (nothing was written for this line)',
    };
  const name = input.trim().replace(/ {2,}/g, ' ');
  if (/^[=+\-@]/.test(name))
    return {
      problem: `name: starts with ${name[0]} (refused: a spreadsheet opening an export would run it as a formula): remove the ${name[0]} (nothing was written for this line)`,
    };
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH)
    return { problem: `name: ${length} characters, at most ${MAX_NAME_LENGTH}: shorten it (nothing was written for this line)` };
  return { name };
}
