/**
 * Jest globalSetup for the infra project: synthesizes the contexts the infra tests share
 * (SHARED_CONTEXTS in ./synth.ts) once, in this process, into a folder of this run that
 * `synth` reads them from. Test workers inherit the folder's name through the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_CONTEXTS, TEMPLATES_DIR_ENV, writeTemplate } from './synth';

export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'briefing-infra-templates-'));
  try {
    for (const context of SHARED_CONTEXTS) writeTemplate(dir, context);
  } catch (error) {
    // Jest does not run globalTeardown when globalSetup fails.
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  process.env[TEMPLATES_DIR_ENV] = dir;
}
