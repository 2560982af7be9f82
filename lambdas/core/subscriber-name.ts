/**
 * A reader's name, as an import brings it from the tool they leave: kept (exported, erased with
 * the rest), shown in no mail yet. Pure.
 */

/**
 * At most this many characters: a name is one short line, and the Subscribers item stays small
 * (DynamoDB bills and limits by item size; 100 characters are at most 400 bytes in UTF-8).
 */
export const MAX_NAME_LENGTH = 100;

/**
 * The name to store (trimmed, inner runs of spaces made one), or why it is refused. A control
 * character (CR, LF, tab, ...) or a line separator is refused: a name must never be able to
 * start a new mail header or a new line wherever it is shown later.
 */
export function readName(input: string): { name: string } | { problem: string } {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(input))
    return { problem: 'name: has a control character (a line break, tab, ...): a name is one line of text' };
  const name = input.trim().replace(/ {2,}/g, ' ');
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH)
    return { problem: `name: ${length} characters, at most ${MAX_NAME_LENGTH}: shorten it (nothing was written for this line)` };
  return { name };
}
