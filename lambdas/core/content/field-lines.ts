/**
 * Where a field is in a content file: the line of a front-matter field named by its dotted path
 * (`title`, `source.url`, `keyPoints.2`), so a refusal can say `<file>:<line>: <field>: …`.
 * Read from the front-matter text as the editor typed it (block-style YAML: `key: value`
 * lines, nested mappings indented, list items `- `); a path it cannot follow gives the line of
 * its nearest parent it found, and a field that is not there (a missing one) gives none. Pure.
 */

interface Line {
  /** 1-based line in the file. */
  n: number;
  indent: number;
  text: string;
}

/**
 * The file line of `path` in `rawMatter` (gray-matter's `matter`: the text after the opening
 * `---`, which begins on that same line, so its line i, from 0, is the file's line i + 1).
 */
export function fieldLine(rawMatter: string, path: string): number | undefined {
  const lines: Line[] = rawMatter
    .split('\n')
    .map((text, i) => ({ n: i + 1, indent: text.length - text.trimStart().length, text: text.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
  let scope = lines;
  let parentIndent = -1;
  let found: number | undefined;
  for (const part of path.split('.')) {
    const inScope = scope.filter((l) => l.indent > parentIndent);
    const at = /^\d+$/.test(part) ? listItem(inScope, Number(part)) : keyLine(inScope, part);
    if (at === undefined) return found;
    found = at.line.n;
    // The child's own lines: after it, until a line at its indent or less (a list item's fields sit after its dash).
    const start = lines.indexOf(at.line);
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((l) => l.indent <= at.indent);
    scope = [...(at.inline ? [{ ...at.line, indent: at.indent + 2, text: at.inline }] : []), ...(end === -1 ? rest : rest.slice(0, end))];
    parentIndent = at.indent;
  }
  return found;
}

/** The line holding `key:` at the scope's top indent (a `- key:` list item line counts too). */
function keyLine(scope: Line[], key: string): { line: Line; indent: number; inline?: string } | undefined {
  const top = Math.min(...scope.map((l) => l.indent));
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^(?:- )?["']?${escaped}["']?\\s*:(?:\\s|$)`);
  const line = scope.find((l) => l.indent === top && re.test(l.text));
  return line && { line, indent: line.indent };
}

/** The `index`-th `- ` item at the scope's top indent; its inline text (`- title: x`) is the first line of its fields. */
function listItem(scope: Line[], index: number): { line: Line; indent: number; inline?: string } | undefined {
  const top = Math.min(...scope.map((l) => l.indent));
  const line = scope.filter((l) => l.indent === top && l.text.startsWith('-'))[index];
  if (!line) return undefined;
  const inline = line.text.replace(/^-\s*/, '');
  return { line, indent: line.indent, ...(/^[^\s:]+\s*:/.test(inline) ? { inline } : {}) };
}

/**
 * The file line of `path` in a whole content file's text (for checks made after parsing, such as
 * publish's topics and article ids): its front matter read as {@link fieldLine} reads it.
 */
export function fieldLineInFile(text: string, path: string): number | undefined {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const close = normalised.indexOf('\n---', 3);
  const lines = (close === -1 ? normalised : normalised.slice(0, close)).split('\n');
  // Line 0 is the opening `---`; blanking it leaves every other line at its own number.
  lines[0] = '';
  return fieldLine(lines.join('\n'), path);
}
