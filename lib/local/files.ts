import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files named directly, plus every `.md` file under each folder named, in a stable order. */
export function markdownFilesUnder(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, named: boolean) => {
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry), false);
    } else if (named || p.endsWith('.md')) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}
