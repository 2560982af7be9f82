/**
 * "Did you mean": the nearest of the names an editor could have meant, for every refusal of an
 * unknown id, topic or field (the CLI, publish, the forms). Edit distance from
 * `fastest-levenshtein` (small, no dependencies, used by webpack's CLI for the same purpose).
 * Pure.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate nearest to `typed`, when it is near enough to be a slip: at most a third of the
 * longer word's letters differ (rounded up; at least one, at most three), compared without case; a candidate
 * that starts with what was typed (three letters or more) counts too. Undefined when nothing is
 * that near, so a message never suggests something unrelated.
 */
export function nearest(typed: string, candidates: Iterable<string>): string | undefined {
  const t = typed.trim().toLowerCase();
  if (!t) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const c = name.toLowerCase();
    if (c === t) return name;
    const d = distance(t, c);
    const allowed = Math.min(3, Math.max(1, Math.ceil(Math.max(t.length, c.length) / 3)));
    const near = d <= allowed || (t.length >= 3 && c.startsWith(t));
    if (near && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** ` (did you mean "x"?)`, or nothing: to append to a message about `typed`. */
export function didYouMean(typed: string, candidates: Iterable<string>): string {
  const n = nearest(typed, candidates);
  return n === undefined ? '' : ` (did you mean "${n}"?)`;
}
