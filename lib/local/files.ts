import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files named directly, plus every `.md` file under each folder named, in a stable order. */
export function markdownFilesUnder(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, named: boolean) => {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${p}: no such file or folder (a relative path is read from the folder the command runs in)`);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry), false);
    } else if (named || p.endsWith('.md')) {
      out.push(p);
    }
  };
  for (const p of paths) {
    const before = out.length;
    walk(p, true);
    // A folder with nothing to publish is a mistake (a typo that still names a real folder), not a success.
    if (out.length === before) throw new Error(`${p}: no .md files in this folder`);
  }
  return out;
}
