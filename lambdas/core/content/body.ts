/**
 * The Markdown under a content file's front matter. An article's body is the story's longer
 * text: rendered in the digest, the alert, the preview and the archive (render/markdown.ts),
 * so what it may not hold is refused here with the file's line, never dropped or changed.
 *
 * An issue's body is refused (with its line): the issue already has its introduction
 * (`summary`, shown under its title) and the editor's own voice (`editorsNote`), both one
 * short paragraph that every place (the archive, the feed, the preview line) can show; free
 * text after them would be a third introduction that only some places could.
 */
import { bodyProblems } from '../render/markdown';
import type { ContentProblem } from './parse';

/** The file's 1-based line on which the (trimmed) body starts: after the closing `---` and any blank lines. */
export function bodyStartLine(text: string): number {
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').split('\n');
  let i = 1;
  while (i < lines.length && !/^---[ \t]*$/.test(lines[i])) i++;
  i++;
  while (i < lines.length && lines[i].trim() === '') i++;
  return i + 1;
}

/** What an article's body may not hold (raw HTML, images, unsafe links), each at its line of the file. */
export function articleBodyProblems(text: string, body: string): ContentProblem[] {
  if (body === '') return [];
  const offset = bodyStartLine(text) - 1;
  return bodyProblems(body).map((p) => ({ path: 'body', message: `line ${p.line + offset}: ${p.message}` }));
}

/** An issue's body, refused at the line it starts on. */
export function issueBodyProblems(text: string, body: string): ContentProblem[] {
  if (body === '') return [];
  return [
    {
      path: 'body',
      message: `an issue has no body (text from line ${bodyStartLine(text)}); put the introduction in summary and a note in editorsNote`,
    },
  ];
}
