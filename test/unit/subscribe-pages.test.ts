import { ERROR_PAGES, preferencesPage, renderPage, subscribePage } from '../../lambdas/api/pages';
import { DEFAULT_CHOICES } from '../../lambdas/core/subscription';

const ctx = { newsletter: 'EU–Japan Security Brief' };

/** Every form control except hidden ones has a <label for> naming it. */
function unlabelledControls(html: string): string[] {
  const ids = [...html.matchAll(/<(?:input|select|textarea)\b([^>]*)>/g)]
    .map((m) => m[1])
    .filter((attrs) => !/type="hidden"/.test(attrs))
    .map((attrs) => /id="([^"]+)"/.exec(attrs)?.[1] ?? '(no id)');
  return ids.filter((id) => !html.includes(`<label for="${id}"`));
}

describe('pages', () => {
  const pages = {
    subscribe: subscribePage(ctx, { choices: DEFAULT_CHOICES, email: '"><script>alert(1)</script>', error: 'bad <b>' }),
    preferences: preferencesPage(ctx, {
      subscriber: {
        subscriberId: 's',
        email: 'a@example.org',
        status: 'confirmed',
        digest: true,
        alerts: false,
        topics: ['cyber'],
        timezone: 'UTC',
        source: 'web',
        createdAt: '',
      },
      token: 't',
      unsubscribeToken: 'u',
    }),
    ...Object.fromEntries(Object.entries(ERROR_PAGES).map(([k, v]) => [k, renderPage(v.page, ctx)])),
  };

  it.each(Object.entries(pages))('%s: has lang, a viewport, one h1, labelled controls, and nothing from other sites', (_name, html) => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(unlabelledControls(html)).toEqual([]);
    expect(html).not.toMatch(/<(?:script|link|img|iframe)\b/);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).toContain(':focus-visible{outline:3px solid');
  });

  it('escapes what the reader typed (a hostile address shown back in the form)', () => {
    expect(pages.subscribe).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(pages.subscribe).toContain('bad &lt;b&gt;');
  });

  it('gives every error its own page and status: expired, bad link, too many tries, too large', () => {
    expect(ERROR_PAGES.expired.status).toBe(410);
    expect(ERROR_PAGES['bad-link'].status).toBe(400);
    expect(ERROR_PAGES['too-many'].status).toBe(429);
    expect(ERROR_PAGES['too-large'].status).toBe(413);
    expect(new Set(Object.values(ERROR_PAGES).map((e) => e.page.title)).size).toBe(Object.keys(ERROR_PAGES).length);
  });
});
