/** `subscribers import`: the file, read from where the command runs, and the per-line report. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatName, type ImportReport } from '../../lambdas/usecases/import-subscribers';

/**
 * The file's absolute path. `npm run cli` runs the command from the package's folder, whatever
 * folder it was typed in; npm says that folder in INIT_CWD, so a relative path is read from
 * there (the folder the operator sees), as any command-line tool reads it.
 */
export function importPath(file: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(env.INIT_CWD || cwd, file);
}

/** The CSV file's text, or an error that names the file (as resolved) and what is wrong. */
export function readCsv(file: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const path = importPath(file, env, cwd);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder, not a CSV file'
          : code === 'EACCES'
            ? 'not allowed to read it'
            : (e as Error).message;
    throw new Error(`cannot read ${path}: ${why} (a relative path is read from the folder the command runs in)`);
  }
}

/** Each line's verdict (refusals on stderr), then the counts; a refused line or file sets exit code 1. */
export function printImport(file: string, r: ImportReport, resubscribe: boolean, out = console): void {
  if (!r.format) {
    // Refused whole: one line says why and that nothing was written; counts of nothing would only repeat it.
    for (const e of r.errors)
      out.error(`${file}:${e.line}: ${e.message}${/nothing was imported/i.test(e.message) ? '' : '. Nothing was imported.'}`);
    if (r.hint) out.error(`${file}: ${r.hint}`);
    process.exitCode = 1;
    return;
  }
  out.log(`${file}: read as ${formatName(r.format, r.columns)}${r.ignored ? `; columns not read: ${r.ignored.join(', ')}` : ''}`);
  for (const l of r.lines) {
    if (l.outcome === 'refused') out.error(`${file}:${l.line}: ${l.message}`);
    else out.log(`${file}:${l.line}: ${l.message}`);
  }
  if (r.hint) out.error(`${file}: ${r.hint}`);
  const kept = r.kept.unsubscribed + r.kept.suppressed + r.kept.erased + r.kept.left;
  out.log(
    `imported ${r.imported} new subscriber(s) from ${file}; ${r.updated} updated, ${r.unchanged} unchanged` +
      `${r.duplicates ? ` (${r.duplicates} a repeat of an earlier line)` : ''}${resubscribe ? `, ${r.resubscribed} brought back` : ''}` +
      `${r.skipped ? `; skipped ${r.skipped} the source tool says left (not imported)` : ''}` +
      `${r.errors.length ? `; refused ${r.errors.length} line(s), listed above` : ''}`,
  );
  if (kept)
    out.log(
      `kept out ${kept} that said no or cannot be mailed: ${r.kept.unsubscribed} unsubscribed, ${r.kept.suppressed} suppressed, ${r.kept.erased} erased, ${r.kept.left} left the source tool before an import (--resubscribe brings them back, only with their new consent)`,
    );
  if (r.errors.length) process.exitCode = 1;
}
