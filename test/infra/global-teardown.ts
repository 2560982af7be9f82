/** Jest globalTeardown for the infra project: removes the templates global-setup.ts wrote. */
import { rmSync } from 'node:fs';
import { TEMPLATES_DIR_ENV } from './synth';

export default function globalTeardown(): void {
  const dir = process.env[TEMPLATES_DIR_ENV];
  delete process.env[TEMPLATES_DIR_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
