/**
 * The rule that a key point adds a fact: one that only repeats the article's summary is refused
 * (parse.ts). Pure.
 */

/** Short words that carry no fact of their own; left out when comparing a key point with the summary. */
const FILLER = new Set(
  'about after also and are as at be been being both but by for from has have into its it more most not now of on or over such than that the their them then there these they this those to under was were which while will with would'.split(' '),
);

/** A text's words that carry meaning: lower-case, four letters or more, filler and a plural "s" removed. */
function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().normalize('NFKD').match(/\p{L}+/gu) ?? [];
  return new Set(words.filter((w) => w.length >= 4 && !FILLER.has(w)).map((w) => (w.length > 4 && w.endsWith('s') ? w.slice(0, -1) : w)));
}

/**
 * Whether a key point only repeats the summary: at least three words that carry meaning, and
 * {@link REPEAT_SHARE} of them already in the summary. A key point is there to add a fact the
 * summary does not give; a reader who meets the same sentence twice stops reading the bullets.
 */
export function repeatsSummary(point: string, summary: string): boolean {
  const words = contentWords(point);
  if (words.size < 3) return false;
  const said = contentWords(summary);
  let shared = 0;
  for (const w of words) if (said.has(w)) shared++;
  return shared / words.size >= REPEAT_SHARE;
}

/** Share of a key point's meaningful words found in the summary above which it counts as a repeat. */
export const REPEAT_SHARE = 0.75;
