/**
 * Topics, the subscribe page's blurb and the digest's wording are settings (core/topics.ts):
 * published from topics.md, and every place a topic is typed refuses an unknown one with a
 * "did you mean". Each test names the mistake it tries.
 */
import { expect } from '@jest/globals';
import type { SettingsStore, TopicUsage } from '../../lambdas/core/ports';
import { checkTopics, FALLBACK_SETTINGS, type NewsletterSettings } from '../../lambdas/core/topics';
import { parseSettingsFile } from '../../lambdas/core/content/topics-file';
import { publish, PublishError, type SourceFile } from '../../lambdas/usecases/publish';
import { importSubscribers, upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { cachedSettings } from '../../lambdas/usecases/newsletter-settings';
import { sampleIssueFiles, sampleSettingsFile } from '../../lib/local/sample-content';
import { testDigest as digest } from '../support/address-key';
import { fixedClock, MemoryContent, MemorySubscribers } from './fakes';
import { simpleParser } from 'mailparser';
import { campaignCache } from '../../lambdas/usecases/campaign-cache';
import { senderSettings, signingKeys } from './fixtures';

const clock = fixedClock('2026-11-28T10:00:00Z');

class MemorySettings implements SettingsStore {
  reads = 0;
  constructor(public value?: NewsletterSettings) {}
  getSettings() {
    this.reads++;
    return Promise.resolve(this.value);
  }
  putSettings(s: NewsletterSettings) {
    this.value = s;
    return Promise.resolve();
  }
}

/** The sample topics.md with `edit` applied to its text. */
const settingsFile = (edit: (text: string) => string = (t) => t): SourceFile => {
  const f = sampleSettingsFile();
  return { ...f, text: edit(f.text) };
};

/** The sample topics.md without the topic `id` (its three lines). */
const without = (id: string) => settingsFile((t) => t.replace(new RegExp(`  - id: ${id}\\n.*\\n.*\\n`), ''));

const article = (id: string, topics: string): SourceFile => ({
  name: `content/x/articles/${id}.md`,
  text: [
    '---',
    'type: article',
    `id: ${id}`,
    'title: A story',
    'summary: What happened.',
    'keyPoints:',
    '  - One point.',
    `topics: [${topics}]`,
    'source:',
    '  name: A source',
    '  url: https://example.org/story',
    'date: 2024-11-01',
    '---',
  ].join('\n'),
});

describe('the topics file', () => {
  it('the sample holds the eleven topics, each with a label and a description, and both wordings', () => {
    const s = parseSettingsFile('topics.md', sampleSettingsFile().text);
    expect(s.topics.map((t) => t.id)).toEqual(FALLBACK_SETTINGS.topics.map((t) => t.id));
    for (const t of s.topics) expect(t.description.length).toBeGreaterThan(10);
    // The day comes from the configured schedule ({schedule}), never from the text.
    expect(s.digestWording.schedule).toContain('{schedule}');
    expect(s.digestWording.schedule).not.toMatch(/Monday/);
    expect(s.digestWording['local-time']).toContain('{time}');
  });

  it('mistake: a misspelt field is refused in one line, with its line number and "did you mean" (not also "label is required")', () => {
    const attempt = () => parseSettingsFile('topics.md', settingsFile((t) => t.replace('\n    label: Cyber', '\n    lable: Cyber')).text);
    expect(attempt).toThrow(/^topics\.md:\d+: topics\.3\.lable: unknown field \(did you mean "label"\?\)$/);
  });

  it('mistake: a schedule wording that names a day ("every Monday morning") is refused with its line, pointing to {schedule}', () => {
    const attempt = () => parseSettingsFile('topics.md', settingsFile((t) => t.replace('({schedule})', '(every Monday morning)')).text);
    expect(attempt).toThrow(/^topics\.md:\d+: digestWording\.schedule: names a day \("Monday"\): write \{schedule\} instead/);
  });

  it('mistake: a local-time wording naming a day ("on Thursdays") and a misspelt placeholder ({schedul}) are each refused', () => {
    const edited = settingsFile((t) =>
      t.replace('on the day each issue comes out', 'on Thursdays').replace('({schedule})', '({schedul})'),
    ).text;
    const attempt = () => parseSettingsFile('topics.md', edited);
    expect(attempt).toThrow(/digestWording\.local-time: names a day \("Thursdays"\)/);
    expect(attempt).toThrow(/digestWording\.schedule: unknown placeholder \{schedul\}: this line may use \{schedule\}/);
  });

  it('mistake: a `---js` front matter is refused, not run, and the same bad file read twice gives the same message', () => {
    const js = settingsFile((t) => t.replace(/^---\n/, '---js\n{ blurb: String(globalThis.ranFromTopicsFile = 1) }\n---\n')).text;
    expect(() => parseSettingsFile('topics.md', js)).toThrow(/^topics\.md: front matter: only YAML front matter is accepted$/);
    expect((globalThis as { ranFromTopicsFile?: number }).ranFromTopicsFile).toBeUndefined();
    const bad = settingsFile((t) => t.replace('id: space', 'id: cyber')).text;
    expect(() => parseSettingsFile('topics.md', bad)).toThrow(/topics\.4\.id: cyber is listed twice/);
    expect(() => parseSettingsFile('topics.md', bad)).toThrow(/topics\.4\.id: cyber is listed twice/);
  });

  it('mistake: two topics with one label (readers would see two boxes with one name) are refused, naming the other topic', () => {
    const dup = settingsFile((t) =>
      t.replace(/label: Russia\b.*$/m, 'label: China watch').replace(/label: China\b.*$/m, 'label: China watch'),
    ).text;
    expect(() => parseSettingsFile('topics.md', dup)).toThrow(
      /topics\.\d+\.label: "China watch" is also the label of (china|russia); give each topic its own/,
    );
  });

  it('mistake: the same id listed twice is refused', () => {
    expect(() => parseSettingsFile('topics.md', settingsFile((t) => t.replace('id: space', 'id: cyber')).text)).toThrow(
      /^topics\.md:\d+: topics\.4\.id: cyber is listed twice$/,
    );
  });

  it.each([
    [
      'a line break (it reached an alert reason line)',
      'label: "Cyber\\r\\nX-Injected: yes"',
      /topics\.3\.label: must not contain line breaks or control characters/,
    ],
    ['a NUL', 'label: "Cy\\0ber"', /topics\.3\.label: must not contain line breaks or control characters/],
    ['a right-to-left override', 'label: "Cyber\\u202e"', /topics\.3\.label: must not contain direction controls/],
  ])('mistake: %s in a label is refused', (_what, label, message) => {
    expect(() => parseSettingsFile('topics.md', settingsFile((t) => t.replace('label: Cyber', label)).text)).toThrow(message);
  });

  it('checkTopics: every unknown id, each with its "did you mean", and nothing when all are known', () => {
    expect(checkTopics(FALLBACK_SETTINGS, ['cyber', 'space'])).toBeUndefined();
    expect(checkTopics(FALLBACK_SETTINGS, ['cyber', 'maritime', 'weather'])).toBe(
      `unknown topic "maritime" (did you mean "maritime-security"?), "weather": choose from ${FALLBACK_SETTINGS.topics.map((t) => t.id).join(', ')}`,
    );
  });
});

describe('publish checks topics against the settings', () => {
  it('mistake: an article with an unknown topic is refused with "did you mean", and nothing is written', async () => {
    const content = new MemoryContent();
    const settings = new MemorySettings();
    const p = publish({ content, settings, clock }, [settingsFile(), article('a-story', 'diplomacy, cybr')]);
    await expect(p).rejects.toThrow(PublishError);
    await expect(p).rejects.toThrow('content/x/articles/a-story.md:8: topics: unknown topic "cybr" (did you mean "cyber"?)');
    expect(content.items.size).toBe(0);
    expect(settings.value).toBeUndefined();
  });

  it('an article may use a topic the topics file published in the same run adds; a later article is checked against what was stored', async () => {
    const content = new MemoryContent();
    const settings = new MemorySettings();
    const added = settingsFile(
      (t) => `${t.replace(/---\s*$/, '')}  - id: arctic\n    label: Arctic\n    description: Shipping routes in the north.\n---\n`,
    );
    const r = await publish({ content, settings, clock }, [added, article('north', 'arctic')]);
    expect(r).toMatchObject({ articles: ['north'], settings: true });
    expect(settings.value?.topics.at(-1)).toEqual({ id: 'arctic', label: 'Arctic', description: 'Shipping routes in the north.' });
    await expect(publish({ content, settings, clock }, [article('south', 'artic')])).rejects.toThrow(
      'topics: unknown topic "artic" (did you mean "arctic"?)',
    );
  });

  it('mistake: a topics file that drops a topic articles and readers use is refused, saying which articles and how many readers', async () => {
    const content = new MemoryContent();
    const settings = new MemorySettings();
    await publish({ content, settings, clock }, [settingsFile(), ...sampleIssueFiles()]);
    const usage: TopicUsage = {
      articlesByTopic: (ts) =>
        Promise.resolve(
          new Map(
            ts.map((t) => [t, [...content.items.values()].filter((i) => i.kind === 'article' && i.topics.includes(t)).map((a) => a.id)]),
          ),
        ),
      readersByTopic: (ts) => Promise.resolve(new Map(ts.map((t) => [t, t === 'ukraine' ? 3 : 0]))),
    };
    const before = settings.value;
    const p = publish({ content, settings, clock, topicUsage: usage }, [without('ukraine')]);
    await expect(p).rejects.toThrow(
      'topics.md: topics: topic ukraine is still used by article threat-picture-china-north-korea-russia and 3 readers: keep it, or change those first',
    );
    expect(settings.value).toBe(before);
    // A topic nothing uses may go.
    await content.put({ ...(await content.getArticles(['threat-picture-china-north-korea-russia']))[0], topics: ['china'] });
    const usageNoReaders: TopicUsage = { ...usage, readersByTopic: () => Promise.resolve(new Map()) };
    await publish({ content, settings, clock, topicUsage: usageNoReaders }, [without('ukraine')]);
    expect(settings.value?.topics.map((t) => t.id)).not.toContain('ukraine');
  });
});

describe('subscribers add and import check topics against the settings', () => {
  const settings: NewsletterSettings = { ...FALLBACK_SETTINGS, topics: [{ id: 'arctic', label: 'Arctic', description: 'North.' }] };

  it('mistake: `subscribers add` with an unknown topic is refused with "did you mean"; a topic of the published settings is taken', async () => {
    const subscribers = new MemorySubscribers();
    const deps = { subscribers, clock, digest };
    await expect(upsertSubscriber(deps, { email: 'a@example.com', topics: ['artic'] }, 'cli', { settings })).rejects.toThrow(
      'unknown topic "artic" (did you mean "arctic"?): choose from arctic',
    );
    expect(subscribers.byEmail.size).toBe(0);
    const r = await upsertSubscriber(deps, { email: 'a@example.com', topics: ['arctic'] }, 'cli', { settings });
    expect(r.subscriber?.topics).toEqual(['arctic']);
  });

  it('mistake: an import line with an unknown topic is reported with its line and "did you mean"; the other lines are imported', async () => {
    const subscribers = new MemorySubscribers();
    const csv = ['email,topics', 'a@example.com,arctic', 'b@example.com,artic'].join('\n');
    const r = await importSubscribers({ subscribers, clock, digest }, csv, { settings });
    expect(r.imported).toBe(1);
    expect(r.errors.map((e) => e.line)).toEqual([3]);
    expect(r.errors[0].message).toContain('unknown topic "artic" (did you mean "arctic"?)');
  });
});

describe('the API reads the settings through a short cache', () => {
  it('reads once within the TTL, again after it; nothing published yet gives the fallback topics', async () => {
    let now = Date.parse('2026-11-28T10:00:00Z');
    const store = new MemorySettings();
    const read = cachedSettings(store, { now: () => new Date(now) }, 60_000);
    expect(await read()).toBe(FALLBACK_SETTINGS);
    store.value = { ...FALLBACK_SETTINGS, blurb: 'New words.' };
    now += 59_000;
    expect((await read()).blurb).toBe(FALLBACK_SETTINGS.blurb);
    now += 1_000;
    expect((await read()).blurb).toBe('New words.');
    expect(store.reads).toBe(2);
  });
});

describe("an alert's reason names the reader's topics by the settings' labels", () => {
  it('a label the settings give ("Seas and shipping") is used, not one made from the id', async () => {
    const content = Object.assign(new MemoryContent(), {
      getSettings: () =>
        Promise.resolve({ ...FALLBACK_SETTINGS, topics: [{ id: 'maritime-security', label: 'Seas and shipping', description: 'Ships.' }] }),
    });
    await publish({ content, clock }, [article('sea-story', 'maritime-security')]);
    const prepared = await campaignCache(content, senderSettings, () => Promise.resolve(signingKeys))({
      kind: 'alert',
      campaignId: 'sea-story',
      recipients: [],
    });
    const reader = { subscriberId: 's1', email: 'sea@example.com', matchedTopics: ['maritime-security'] };
    const mail = await simpleParser(prepared.compose(reader, new Date()));
    expect((mail.text ?? '').replace(/\s+/g, ' ')).toContain('asked for Brief breaking alerts on Seas and shipping.');
  });
});
