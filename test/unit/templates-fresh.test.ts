/**
 * The `cli` script's pre-step (bin/templates-fresh.ts) rebuilds the compiled templates only when
 * a template changed. Each test sets modification times explicitly (no waiting for the clock).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templatesChanged } from '../../bin/templates-fresh';

let dir: string;
let compiled: string;
const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'templates-'));
  mkdirSync(join(dir, 'partials'));
  mkdirSync(join(dir, 'compiled'));
  for (const f of ['digest.mjml', 'digest.txt.hbs', join('partials', 'footer.mjml'), join('partials', 'header.mjml')]) {
    writeFileSync(join(dir, f), 'x');
    at(join(dir, f), 1_000);
  }
  for (const d of [dir, join(dir, 'partials'), join(dir, 'compiled')]) at(d, 1_000);
  compiled = join(dir, 'compiled', 'templates.json');
  writeFileSync(compiled, '{}');
  at(compiled, 2_000);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('skips the rebuild when nothing changed since the last build', () => {
  expect(templatesChanged(dir, compiled)).toBe(false);
});

it('rebuilds when the compiled file is missing (a fresh clone)', () => {
  rmSync(compiled);
  expect(templatesChanged(dir, compiled)).toBe(true);
});

it('rebuilds when a layout was edited after the build', () => {
  at(join(dir, 'digest.mjml'), 3_000);
  expect(templatesChanged(dir, compiled)).toBe(true);
});

it('rebuilds when a partial in a sub-folder was edited after the build', () => {
  at(join(dir, 'partials', 'footer.mjml'), 3_000);
  expect(templatesChanged(dir, compiled)).toBe(true);
});

it('rebuilds when a new template file appeared after the build', () => {
  writeFileSync(join(dir, 'alert.txt.hbs'), 'x');
  at(join(dir, 'alert.txt.hbs'), 3_000);
  expect(templatesChanged(dir, compiled)).toBe(true);
});

it('rebuilds when a partial was removed after the build (its folder changed)', () => {
  rmSync(join(dir, 'partials', 'header.mjml'));
  expect(templatesChanged(dir, compiled)).toBe(true);
});

it('does not count other files of the compiled folder as template changes', () => {
  writeFileSync(join(dir, 'compiled', 'notes.txt'), 'x');
  at(join(dir, 'compiled', 'notes.txt'), 3_000);
  expect(templatesChanged(dir, compiled)).toBe(false);
});

it('rebuilds when the build script (its MJML options) changed after the build', () => {
  const script = join(dir, 'compiled', 'build-templates.ts');
  writeFileSync(script, 'x');
  at(script, 3_000);
  expect(templatesChanged(dir, compiled, [script])).toBe(true);
  at(script, 1_500);
  expect(templatesChanged(dir, compiled, [script])).toBe(false);
});
