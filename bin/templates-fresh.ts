/**
 * Rebuild the compiled templates only when they are out of date: the `cli` script's pre-step.
 *
 * `npm run build:templates` loads MJML (heavy) and rewrites templates/compiled/templates.json on
 * every call; before a CLI command that is a second and a line of noise for nothing. This check
 * compares modification times only: when no file under templates/ (the compiled folder aside)
 * nor bin/build-templates.ts is newer than the compiled file, it exits silently; otherwise it
 * runs the full build, which prints what it compiled.
 *
 * Plain Node (its type stripping runs this file as it is, without tsx): only `node:` imports and
 * erasable TypeScript, so it starts in tens of milliseconds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Whether the compiled file is missing, or older than any file or folder under `templatesDir` (its
 * `compiled` folder aside) or any of `alsoWatch` (the build script: its MJML options change the output).
 */
export function templatesChanged(templatesDir: string, compiledFile: string, alsoWatch: readonly string[] = []): boolean {
  if (!existsSync(compiledFile)) return true;
  const built = statSync(compiledFile).mtimeMs;
  const compiledDir = resolve(compiledFile, '..');
  const newer = (file: string) => statSync(file).mtimeMs > built;
  // A folder's own time changes when a file in it is added, renamed or removed: a removed partial counts too.
  const walk = (dir: string): boolean =>
    newer(dir) ||
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return resolve(path) !== compiledDir && walk(path);
      return e.isFile() && newer(path);
    });
  return walk(templatesDir) || alsoWatch.some((f) => existsSync(f) && newer(f));
}

// Run as a script (`node bin/templates-fresh.ts`): `require.main` does not exist when Node runs this file as a module.
if (process.argv[1]?.endsWith('templates-fresh.ts')) {
  const root = resolve(process.argv[1], '..', '..');
  const templates = join(root, 'templates');
  if (templatesChanged(templates, join(templates, 'compiled', 'templates.json'), [join(root, 'bin', 'build-templates.ts')])) {
    const r = spawnSync('npm', ['run', 'build:templates', '--silent'], { cwd: root, stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  }
}
