/**
 * `publish <paths>`: which files a path names. A path that does not exist, and a folder with no
 * Markdown in it, are mistakes said in one line, not a raw ENOENT or a "published 0" success.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownFilesUnder } from '../../lib/local/files';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'md-files-'));
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'issues'));
  writeFileSync(join(dir, 'issues', '002.md'), '---\n---\n');
  writeFileSync(join(dir, 'issues', 'notes.txt'), 'not content');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('finds the .md files under a folder, in order, and a file named directly', () => {
  expect(markdownFilesUnder([join(dir, 'issues')])).toEqual([join(dir, 'issues', '002.md')]);
  expect(markdownFilesUnder([join(dir, 'issues', 'notes.txt')])).toEqual([join(dir, 'issues', 'notes.txt')]);
});

it('mistake: a path that does not exist (a typo in the file name) is named, with where relative paths are read from', () => {
  const missing = join(dir, 'issues', '044.md');
  expect(() => markdownFilesUnder([missing])).toThrow(
    `${missing}: no such file or folder (a relative path is read from the folder the command runs in)`,
  );
});

it('mistake: a folder with no .md file in it (a typo that still names a real folder) is refused, not published as nothing', () => {
  expect(() => markdownFilesUnder([join(dir, 'empty')])).toThrow(`${join(dir, 'empty')}: no .md files in this folder`);
});
