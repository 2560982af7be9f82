/**
 * Small server-rendered pages for the unsubscribe flow. Handlebars escapes every value.
 * (The full subscribe and preferences pages are a later feature; these share its look.)
 */
import Handlebars from 'handlebars';

const layout = Handlebars.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px}
h1{font-size:1.5rem;margin-top:0}button{font:inherit;padding:.7rem 1.4rem;border:0;border-radius:6px;background:#0b3d91;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}.muted{color:#4a5360}
</style></head>
<body><main><h1>{{title}}</h1>{{#each lines}}<p>{{this}}</p>{{/each}}
{{#if form}}<form method="post" action="{{form.action}}"><input type="hidden" name="token" value="{{form.token}}"><button type="submit">{{form.button}}</button></form>{{/if}}
</main></body></html>`);

export interface Page {
  title: string;
  lines: string[];
  form?: { action: string; token: string; button: string };
}

export const renderPage = (p: Page): string => layout(p);
