/** The newsletter's own content shipped under content/: found and published by the local mode. */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { markdownFilesUnder } from './files';
import type { SourceFile } from '../../lambdas/usecases/publish';
import { SETTINGS_FILE } from '../../lambdas/core/topics';

export const CONTENT_DIR = join(__dirname, '..', '..', 'content');
export const SAMPLE_NEWSLETTER = 'eu-japan-security-brief';
export const SAMPLE_ISSUE_ID = 'eu-japan-security-brief-001';

/** The sample issue and its articles (the breaking alert is left for the alert pipeline). */
export function sampleIssueFiles(): SourceFile[] {
  const base = join(CONTENT_DIR, SAMPLE_NEWSLETTER);
  return ['articles', 'issues']
    .map((d) => join(base, d))
    .filter((d) => existsSync(d))
    .flatMap((d) => markdownFilesUnder([d]))
    .map((f) => ({ name: relative(process.cwd(), f), text: readFileSync(f, 'utf8') }));
}

/** The sample newsletter's settings: topics.md (topics, the subscribe page's blurb, the digest's wording). */
export function sampleSettingsFile(): SourceFile {
  const file = join(CONTENT_DIR, SAMPLE_NEWSLETTER, SETTINGS_FILE);
  return { name: relative(process.cwd(), file), text: readFileSync(file, 'utf8') };
}
