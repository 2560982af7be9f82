/**
 * Compiles the MJML templates once, at build time, into `templates/compiled/templates.json`:
 * `{ "<name>": { "html": <Handlebars source>, "text": <Handlebars source> } }`.
 *
 * MJML is slow (milliseconds a render) and heavy, so it never runs in a Lambda: the compiled
 * HTML keeps its Handlebars expressions, which the render module fills per recipient.
 * Any MJML error fails the build (exit 1), so a broken template never reaches a deploy.
 *
 * Usage: `npm run build:templates` (run automatically before start, test, cli, demo, bench
 * and `cdk synth`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mjml2html from 'mjml';

export const TEMPLATES_DIR = path.resolve(__dirname, '..', 'templates');
export const COMPILED_FILE = path.join(TEMPLATES_DIR, 'compiled', 'templates.json');

/**
 * The templates to compile: each has an MJML layout (HTML part) and a Handlebars text part.
 * Later mailings (confirmation, welcome, alert) are added here as more entries.
 */
export const TEMPLATE_SOURCES = {
  digest: { mjml: 'digest.mjml', text: 'digest.txt.hbs' },
  confirmation: { mjml: 'confirmation.mjml', text: 'confirmation.txt.hbs' },
  welcome: { mjml: 'welcome.mjml', text: 'welcome.txt.hbs' },
  alert: { mjml: 'alert.mjml', text: 'alert.txt.hbs' },
  // A web page, not a mail: the public archive's issue page has no text part ('' in the output).
  archive: { mjml: 'archive.mjml' },
} as const;

export type TemplateName = keyof typeof TEMPLATE_SOURCES;
export type CompiledTemplates = Record<TemplateName, { html: string; text: string }>;

/**
 * The MJML options used for every template, shared with the test that compares the
 * build-time route with a run-time MJML render.
 * - `fonts: {}`: MJML would otherwise add a Google Fonts <link> for some font names; the
 *   digest uses system fonts only and loads nothing remote.
 * - `ignoreIncludes: false`: MJML 5 ignores <mj-include> unless told otherwise.
 * - `validationLevel: 'strict'`: an invalid template is an error, not a warning.
 */
export function mjmlOptions(filePath: string) {
  return {
    filePath,
    includePath: TEMPLATES_DIR,
    ignoreIncludes: false,
    validationLevel: 'strict' as const,
    fonts: {},
    keepComments: false,
    minify: false,
    beautify: false,
  };
}

/** Thrown when MJML reports errors for a template; the message lists each one with its line. */
export class TemplateBuildError extends Error {
  constructor(file: string, details: string[]) {
    super(`MJML errors in ${file}:\n  ${details.join('\n  ')}`);
    this.name = 'TemplateBuildError';
  }
}

/** Compile one MJML file (with its includes) to HTML that still holds the Handlebars expressions. */
export async function compileMjmlFile(file: string): Promise<string> {
  const source = readFileSync(file, 'utf8');
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, mjmlOptions(file));
  } catch (err) {
    // With validationLevel 'strict' MJML throws an error carrying the validation errors.
    const e = err as { message?: string; errors?: { formattedMessage?: string; message?: string }[] };
    const details = e.errors?.map((x) => x.formattedMessage ?? x.message ?? JSON.stringify(x)) ?? [e.message ?? String(err)];
    throw new TemplateBuildError(file, details);
  }
  if (result.errors.length) {
    throw new TemplateBuildError(
      file,
      result.errors.map((x) => x.formattedMessage),
    );
  }
  // An include MJML could not read or was not allowed to read leaves a marker comment behind
  // rather than an error; treat it as one.
  if (/mj-include (?:fails|denied)/i.test(result.html)) throw new TemplateBuildError(file, ['an mj-include could not be resolved']);
  return collapseWhitespace(result.html);
}

/**
 * MJML's output without its indentation and blank lines: every line trimmed, empty lines
 * dropped. Lines stay lines (so Outlook's conditional comments and Handlebars' standalone
 * block lines keep their shape), and no run of whitespace disappears entirely, so a browser
 * shows exactly the same page. MJML's own minify and beautify stay off: they rewrite markup
 * (and the Handlebars expressions in it), where this only removes whitespace.
 */
export function collapseWhitespace(html: string): string {
  return html
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** Compile every template in {@link TEMPLATE_SOURCES}. */
export async function compileTemplates(): Promise<CompiledTemplates> {
  const out = {} as CompiledTemplates;
  for (const [name, src] of Object.entries(TEMPLATE_SOURCES) as [TemplateName, (typeof TEMPLATE_SOURCES)[TemplateName]][]) {
    out[name] = {
      html: await compileMjmlFile(path.join(TEMPLATES_DIR, src.mjml)),
      text: 'text' in src ? readFileSync(path.join(TEMPLATES_DIR, src.text), 'utf8') : '',
    };
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const compiled = await compileTemplates();
  mkdirSync(path.dirname(COMPILED_FILE), { recursive: true });
  writeFileSync(COMPILED_FILE, `${JSON.stringify(compiled, null, 2)}\n`);
  const names = Object.keys(compiled).join(', ');
  console.log(`templates: compiled ${names} -> ${path.relative(process.cwd(), COMPILED_FILE)} in ${Date.now() - started} ms`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
