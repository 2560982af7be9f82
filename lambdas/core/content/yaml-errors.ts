/**
 * A YAML error in a content file's front matter as one problem an editor can act on: the line
 * at fault (where the mistake was made, not where the YAML reader noticed it), the field on it,
 * what is wrong in plain words and the fix (most often: put the value in quotes). Pure.
 */
import type { ContentProblem } from './parse';

/** The parts of a js-yaml error this reads: its reason, and its 0-based line within the block. */
interface YamlError {
  reason?: unknown;
  mark?: { line?: unknown };
  message?: unknown;
}

const KEY_LINE = /^(\s*)(?:-\s+)?([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/;

/** The value's text without a trailing comment (` # …`), as the editor typed it. */
const valueOf = (raw: string) => raw.replace(/\s+#.*$/, '').trim();

/** Whether a value opens a list, mapping or quote that does not close on its own line. */
function opensUnclosed(value: string): boolean {
  if (value.startsWith('"')) return !/^"(?:[^"\\]|\\.)*"$/.test(value);
  if (value.startsWith("'")) return !/^'(?:[^']|'')*'$/.test(value);
  if (value.startsWith('[')) return (value.match(/\[/g)?.length ?? 0) > (value.match(/\]/g)?.length ?? 0);
  if (value.startsWith('{')) return (value.match(/\{/g)?.length ?? 0) > (value.match(/\}/g)?.length ?? 0);
  return false;
}

/** The dotted field path of the key on line `at`: its own key after those of the lines it is indented under. */
function pathAt(lines: string[], at: number): string | undefined {
  const m = KEY_LINE.exec(lines[at]);
  if (!m) return undefined;
  const path = [m[2]];
  let indent = m[1].length;
  for (let i = at - 1; i >= 0 && indent > 0; i--) {
    const parent = KEY_LINE.exec(lines[i]);
    // Only a key with no value of its own holds the lines indented under it.
    if (parent && parent[1].length < indent && !lines[i].trimStart().startsWith('-') && !parent[3]?.trim()) {
      path.unshift(parent[2]);
      indent = parent[1].length;
    }
  }
  return path.join('.');
}

/** What is wrong with `value` on a line YAML refused, and the fix. */
function explain(key: string, value: string, reason: string): string {
  const quoted = `${key}: ${JSON.stringify(value)}`;
  if (value.startsWith('[') && opensUnclosed(value)) return `the list opened with [ is not closed: end it with ] on the same line`;
  if (value.startsWith('{') && opensUnclosed(value)) return `the mapping opened with { is not closed: end it with } on the same line`;
  if (/^["']/.test(value) && opensUnclosed(value))
    return `the quote opened at the start of the value is not closed: end the value with ${value[0]}, or write it without quotes`;
  if (/:\s/.test(value) || value.endsWith(':'))
    return `the value holds ": ", which YAML reads as the start of another field; put the value in quotes: ${quoted}`;
  if (/^[@`%!&*|>]/.test(value)) return `a value cannot start with ${value[0]} in YAML; put the value in quotes: ${quoted}`;
  return `YAML cannot read this line (${reason}); put the value in quotes: ${quoted}`;
}

/**
 * The problem for a YAML error in `rawMatter` (gray-matter's `matter`: its line i, from 0, is
 * the file's line i + 1). An unclosed list or quote is reported on the line that opened it.
 */
export function yamlProblem(err: unknown, rawMatter: string): ContentProblem {
  const e = err as YamlError;
  const reason = typeof e.reason === 'string' ? e.reason : typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
  if (typeof e.mark?.line !== 'number') return { path: 'front matter', message: `invalid YAML: ${reason}` };
  const lines = rawMatter.split('\n');
  let at = Math.min(e.mark.line, lines.length - 1);
  // The reader notices an unclosed list or quote only lines later: go back to the line that opened it.
  if (/flow collection|quoted scalar/.test(reason)) {
    for (let i = at; i >= 0; i--) {
      const m = KEY_LINE.exec(lines[i]);
      if (m?.[3] !== undefined && opensUnclosed(valueOf(m[3]))) {
        at = i;
        break;
      }
    }
  }
  const m = KEY_LINE.exec(lines[at]);
  const path = pathAt(lines, at);
  if (m && path !== undefined && /bad indentation/.test(reason) && m[1].length > 0) {
    return {
      path,
      message: 'invalid YAML: this line is indented, but the field above it has a value of its own: start the line at the margin, as the other fields',
      line: at + 1,
    };
  }
  if (!m || path === undefined || m[3] === undefined) {
    return { path: 'front matter', message: `invalid YAML: ${reason}`, line: at + 1 };
  }
  return { path, message: `invalid YAML: ${explain(m[2], valueOf(m[3]), reason)}`, line: at + 1 };
}
