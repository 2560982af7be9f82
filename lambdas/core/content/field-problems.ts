/**
 * zod's issues with a content file's front matter as the editor's problems: field paths as
 * written, a did-you-mean for an unknown key, and one message for one mistake. Pure.
 */
import type { z } from 'zod';
import { nearest } from '../did-you-mean';
import type { ContentProblem } from './parse';

/**
 * A misspelt field is one mistake: zod sees an unknown key and, when the field meant is
 * required, a missing one. The missing field's message goes; the unknown key's names it.
 */
export function oneMessageEach(problems: (ContentProblem & { meant?: string; wrongType?: boolean })[]): ContentProblem[] {
  const meant = new Set(problems.flatMap((p) => (p.meant === undefined ? [] : [p.meant])));
  // A value of the wrong kind (`topics: space, china`, text where a list goes) is one mistake:
  // the checks of a list's length that zod also runs on it would only mislead.
  const wrongType = new Set(problems.flatMap((p) => (p.wrongType ? [p.path] : [])));
  return problems
    .filter((p) => !(meant.has(p.path) && p.message === 'is required'))
    .filter((p) => p.wrongType || !wrongType.has(p.path))
    .map(({ meant: _meant, wrongType: _wrongType, ...p }) => p);
}

/** One zod issue as the problems an editor reads (an unknown key names the field it is nearest to, in `meant`). */
export function toProblems(issue: z.core.$ZodIssue, schema: z.ZodType): (ContentProblem & { meant?: string; wrongType?: boolean })[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schema, at);
    return issue.keys.map((key) => {
      const near = nearest(key, known);
      return {
        path: [...at, key].join('.'),
        message: near ? `unknown field (did you mean "${near}"?)` : `unknown field (allowed: ${known.join(', ')})`,
        ...(near ? { meant: [...at, near].join('.') } : {}),
      };
    });
  }
  if (issue.code === 'invalid_value' && at.length === 1 && at[0] === 'type') {
    return [{ path: 'type', message: 'must be "article" or "issue"' }];
  }
  return [{ path: at.length ? at.join('.') : 'front matter', message: issue.message, ...(issue.code === 'invalid_type' && { wrongType: true }) }];
}

/** The field names allowed at a path of a strict object schema, for "did you mean" hints. */
function knownKeys(schema: z.ZodType, path: string[]): string[] {
  let node: unknown = schema;
  for (const key of path) node = (node as { shape?: Record<string, unknown> }).shape?.[key];
  const shape = (node as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}
