import { ALERT_STREAM_FILTERS } from '../../lambdas/alert-planner/filter';
import { articleIdOf } from '../../lambdas/alert-planner/handler';
import { readerDay } from '../../lambdas/core/alert-cap';
import { ALL_TOPICS, matchedTopics } from '../../lambdas/core/audience';
import type { Article } from '../../lambdas/core/model';
import { alertViewModel, prepareAlert, renderAlert } from '../../lambdas/core/render/alert';
import { planAlert } from '../../lambdas/usecases/plan-alert';
import { confirmedSubscriber } from '../../lambdas/usecases/subscribers';
import { matchesAny } from '../../lib/local/event-filter';
import {
  BatchAdmittingAlertCaps,
  fixedClock,
  MemoryAlertCaps,
  MemoryAlertHistory,
  MemoryContent,
  MemoryLedger,
  MemoryQueue,
  MemorySubscribers,
} from './fakes';

const breaking = (over: Partial<Article> = {}): Article => ({
  kind: 'article',
  id: 'nk-icbm',
  title: 'North Korea tests a suspected new ICBM-class missile',
  summary: 'A launch.',
  keyPoints: ['Point one.'],
  topics: ['north-korea', 'nuclear-disarmament'],
  source: { name: 'Ministry', url: 'https://example.org/' },
  date: '2024-10-31',
  priority: 'breaking',
  body: '',
  publishedAt: '2026-11-28T00:00:00Z',
  ...over,
});

/** A stream record as DynamoDB Streams delivers it (attribute-value images). */
const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next?: Record<string, string>, old?: Record<string, string>) => {
  const image = (o?: Record<string, string>) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { S: v }])) : undefined);
  return { eventID: '1', eventName, dynamodb: { NewImage: image(next), OldImage: image(old), SequenceNumber: '1' } };
};

describe('alert stream filter criteria (the same patterns on AWS and locally)', () => {
  it('passes a new breaking article and an article that just became breaking', () => {
    expect(matchesAny(record('INSERT', { kind: 'article', priority: 'breaking', id: 'a' }), ALERT_STREAM_FILTERS)).toBe(true);
    expect(
      matchesAny(
        record('MODIFY', { kind: 'article', priority: 'breaking' }, { kind: 'article', priority: 'normal' }),
        ALERT_STREAM_FILTERS,
      ),
    ).toBe(true);
  });
  it('stops edits of an already-breaking article, normal articles, issues and deletions', () => {
    expect(
      matchesAny(
        record('MODIFY', { kind: 'article', priority: 'breaking' }, { kind: 'article', priority: 'breaking' }),
        ALERT_STREAM_FILTERS,
      ),
    ).toBe(false);
    expect(matchesAny(record('INSERT', { kind: 'article', priority: 'normal' }), ALERT_STREAM_FILTERS)).toBe(false);
    expect(matchesAny(record('INSERT', { kind: 'issue', priority: 'breaking' }), ALERT_STREAM_FILTERS)).toBe(false);
    expect(matchesAny(record('REMOVE', undefined, { kind: 'article', priority: 'breaking' }), ALERT_STREAM_FILTERS)).toBe(false);
  });
  it('refuses a pattern operator it does not implement rather than guessing', () => {
    expect(() => matchesAny({ a: 1 }, [{ a: [{ numeric: ['>', 0] }] }])).toThrow(/unsupported operator/);
  });
  it('reads the article id from a record, and refuses a record that is not an article (bad input)', () => {
    expect(articleIdOf(record('INSERT', { kind: 'article', id: 'nk-icbm' }) as never)).toBe('nk-icbm');
    expect(() => articleIdOf(record('INSERT', { kind: 'issue', id: 'x' }) as never)).toThrow(/not an article image/);
    expect(() => articleIdOf(record('INSERT', { kind: 'article', id: 'Bad Id\r\n' }) as never)).toThrow(/not an article image/);
  });
});

describe('matching a reader to an article', () => {
  it("names the topics both share; no topics chosen means every topic (ALL_TOPICS, not the article's own list)", () => {
    expect(matchedTopics(['cyber', 'north-korea'], ['north-korea', 'nuclear-disarmament'])).toEqual(['north-korea']);
    expect(matchedTopics([], ['north-korea', 'nuclear-disarmament'])).toEqual([ALL_TOPICS]);
    expect(matchedTopics(['cyber'], ['north-korea'])).toEqual([]);
  });
});

describe('planAlert', () => {
  async function setup() {
    const content = new MemoryContent();
    const subscribers = new MemorySubscribers();
    const queue = new MemoryQueue();
    const now = new Date();
    await content.put(breaking());
    const add = (email: string, over: Parameters<typeof confirmedSubscriber>[0]) =>
      subscribers.upsert(confirmedSubscriber({ ...over, email }, 'web', now));
    await add('match@example.com', { email: '', alerts: true, topics: ['north-korea'] });
    await add('all@example.com', { email: '', alerts: true, topics: [] });
    await add('other@example.com', { email: '', alerts: true, topics: ['cyber'] });
    await add('digest@example.com', { email: '', alerts: false, topics: ['north-korea'] });
    await subscribers.upsert({
      ...confirmedSubscriber({ email: 'bounced@example.com', alerts: true, topics: ['north-korea'] }, 'web', now),
      suppressed: true,
    });
    const ledger = new MemoryLedger();
    return {
      content,
      subscribers,
      queue,
      clock: fixedClock(),
      caps: new MemoryAlertCaps(),
      history: new MemoryAlertHistory(ledger),
      ledger,
    };
  }

  it('queues only confirmed, unsuppressed alert readers whose topics match, with the matched topics', async () => {
    const deps = await setup();
    const r = await planAlert(deps, 'nk-icbm');
    expect(r).toEqual({ status: 'queued', articleId: 'nk-icbm', recipients: 2, batches: 1, deferred: 0 });
    const job = deps.queue.jobs[0];
    expect(job).toMatchObject({ campaignId: 'nk-icbm', kind: 'alert' });
    expect(Object.fromEntries(job.recipients.map((x) => [x.email, x.matchedTopics]))).toEqual({
      'match@example.com': ['north-korea'],
      'all@example.com': [ALL_TOPICS],
    });
  });

  it('alerts once: a second run, a re-publish and an edit all skip', async () => {
    const deps = await setup();
    await planAlert(deps, 'nk-icbm');
    expect(await planAlert(deps, 'nk-icbm')).toEqual({ status: 'skipped', articleId: 'nk-icbm', reason: 'already-alerted' });
    await deps.content.put(breaking({ title: 'Edited' }));
    expect(await planAlert(deps, 'nk-icbm')).toMatchObject({ reason: 'already-alerted' });
    expect(deps.queue.jobs).toHaveLength(1);
  });

  it('holds back alerts past the daily cap (bad input: a fourth breaking article the same day) and records them for the digest', async () => {
    const deps = await setup();
    for (const n of [1, 2, 3, 4]) await deps.content.put(breaking({ id: `nk-${n}` }));
    const results = [];
    for (const n of [1, 2, 3, 4]) results.push(await planAlert({ ...deps, dailyCap: 3 }, `nk-${n}`));
    expect(results.map((r) => (r.status === 'queued' ? [r.recipients, r.deferred] : r.status))).toEqual([
      [2, 0],
      [2, 0],
      [2, 0],
      [0, 2],
    ]);
    const waiting = await deps.history.deferred([...deps.subscribers.byEmail.values()].map((s) => s.subscriberId));
    expect([...waiting.values()]).toEqual([['nk-4'], ['nk-4']]);
    // Nothing is lost: the held-back alert is in the ledger as deferred, not queued.
    expect(deps.queue.jobs.filter((j) => j.campaignId === 'nk-4')).toHaveLength(0);
  });

  it("counts the cap per reader day in the reader's time zone, and a retried run never counts twice", async () => {
    const deps = await setup();
    await deps.content.put(breaking({ id: 'nk-a' }));
    // The same article admitted twice (a retried run) still counts once.
    expect(await deps.caps.admit('s1', '2026-11-28', 'nk-a', 1)).toBe(true);
    expect(await deps.caps.admit('s1', '2026-11-28', 'nk-a', 1)).toBe(true);
    expect(await deps.caps.admit('s1', '2026-11-28', 'nk-b', 1)).toBe(false);
    expect(await deps.caps.admit('s1', '2026-11-29', 'nk-b', 1)).toBe(true);
    const lateEvening = new Date('2026-11-28T23:30:00Z');
    expect(readerDay(lateEvening, 'Europe/Brussels')).toBe('2026-11-29');
    expect(readerDay(lateEvening, 'America/New_York')).toBe('2026-11-28');
    expect(readerDay(lateEvening, 'Not/AZone')).toBe('2026-11-28');
  });

  it("with caps that count many readers at once: the same decisions, one write a job's worth of readers, and unsure readers asked one by one", async () => {
    const deps = await setup();
    const caps = new BatchAdmittingAlertCaps();
    for (const n of [1, 2, 3, 4]) await deps.content.put(breaking({ id: `nk-${n}` }));
    const match = [...deps.subscribers.byEmail.values()].find((x) => x.email === 'match@example.com')!;
    const results = [];
    for (const n of [1, 2, 3, 4]) {
      // On the third article the store cannot tell about one reader (a conflict): asked alone.
      caps.unsure = n === 3 ? new Set([match.subscriberId]) : new Set();
      results.push(await planAlert({ ...deps, caps, dailyCap: 3 }, `nk-${n}`));
    }
    expect(results.map((r) => (r.status === 'queued' ? [r.recipients, r.deferred] : r.status))).toEqual([
      [2, 0],
      [2, 0],
      [2, 0],
      [0, 2],
    ]);
    expect(caps.singleCalls).toBe(1);
    expect(caps.batchCalls).toBeGreaterThanOrEqual(4);
  });

  it("queues each page's full jobs as it goes, so sending starts before the audience is read to the end", async () => {
    const deps = await setup();
    const now = new Date();
    for (let i = 0; i < 300; i++)
      await deps.subscribers.upsert(confirmedSubscriber({ email: `r${i}@example.com`, alerts: true, topics: ['north-korea'] }, 'web', now));
    const order: string[] = [];
    const page = deps.subscribers.alertAudiencePage.bind(deps.subscribers);
    deps.subscribers.alertAudiencePage = async (...args) => (order.push('page'), page(...args));
    const enqueue = deps.queue.enqueue.bind(deps.queue);
    deps.queue.enqueue = async (jobs) => (order.push('enqueue'), enqueue(jobs));
    const r = await planAlert(deps, 'nk-icbm');
    expect(r).toMatchObject({ status: 'queued', recipients: 302 });
    expect(deps.queue.jobs.reduce((n, j) => n + j.recipients.length, 0)).toBe(302);
    // Not one write at the end: the first jobs were queued while pages were still being read.
    expect(order.indexOf('enqueue')).toBeLessThan(order.lastIndexOf('page'));
  });

  it.each([
    ['one by one', () => new MemoryAlertCaps()],
    ['many at once', () => new BatchAdmittingAlertCaps()],
  ])(
    'queues the first job once its 50 readers are admitted, before the rest of a 500-reader page is checked against the cap (caps counting %s)',
    async (_, makeCaps) => {
      const deps = await setup();
      const now = new Date();
      for (let i = 0; i < 600; i++)
        await deps.subscribers.upsert(
          confirmedSubscriber({ email: `r${i}@example.com`, alerts: true, topics: ['north-korea'] }, 'web', now),
        );
      // One shard holds the whole audience, so its first page is a full 500 readers.
      const page = deps.subscribers.alertAudiencePage.bind(deps.subscribers);
      const rows = (
        await Promise.all(
          Array.from(
            { length: 16 },
            async (_, shard) => (await page(shard, ['north-korea', 'nuclear-disarmament'], undefined, 10_000)).rows,
          ),
        )
      ).flat();
      deps.subscribers.alertAudiencePage = (shard, _topics, cursor, limit) => {
        if (shard !== 0) return Promise.resolve({ rows: [] });
        const start = cursor ? Number(cursor) : 0;
        return Promise.resolve({
          rows: rows.slice(start, start + limit),
          next: start + limit < rows.length ? String(start + limit) : undefined,
        });
      };
      // Count the readers checked against the cap, whichever way the caps count them.
      let checked = 0;
      const caps = makeCaps();
      const admit = caps.admit.bind(caps);
      caps.admit = async (...args) => (checked++, admit(...args));
      if (caps instanceof BatchAdmittingAlertCaps) {
        const many = caps.admitMany.bind(caps);
        caps.admitMany = async (readers, ...rest) => ((checked += readers.length), many(readers, ...rest));
      }
      const checkedAtEnqueue: number[] = [];
      const enqueue = deps.queue.enqueue.bind(deps.queue);
      deps.queue.enqueue = async (jobs) => (checkedAtEnqueue.push(checked), enqueue(jobs));
      const r = await planAlert({ ...deps, caps }, 'nk-icbm');
      expect(r).toMatchObject({ status: 'queued', recipients: 602, deferred: 0 });
      // The first job went out after its own 50 readers were checked, not the page's 500.
      expect(checkedAtEnqueue[0]).toBe(50);
      expect(deps.queue.jobs[0].recipients).toHaveLength(50);
      // Every reader once, in jobs of at most 50, every job but the last full.
      const ids = deps.queue.jobs.flatMap((j) => j.recipients.map((x) => x.subscriberId));
      expect(new Set(ids).size).toBe(602);
      expect(ids).toHaveLength(602);
      expect(deps.queue.jobs.slice(0, -1).every((j) => j.recipients.length === 50)).toBe(true);
    },
  );

  it('a job of 50 admitted readers may span two checks when the cap holds some back, and nobody is lost or queued twice', async () => {
    const deps = await setup();
    const now = new Date();
    for (let i = 0; i < 120; i++)
      await deps.subscribers.upsert(confirmedSubscriber({ email: `r${i}@example.com`, alerts: true, topics: ['north-korea'] }, 'web', now));
    // Every third reader of the audience has had three alerts today already.
    const all = [...deps.subscribers.byEmail.values()].filter(
      (x) => x.alerts && !x.suppressed && matchedTopics(x.topics, ['north-korea']).length > 0,
    );
    const full = new Set(all.filter((_, i) => i % 3 === 0).map((x) => x.subscriberId));
    const day = new Date().toISOString().slice(0, 10);
    for (const id of full) for (const a of ['a1', 'a2', 'a3']) await deps.caps.admit(id, day, a, 3);
    const r = await planAlert({ ...deps, clock: { now: () => now }, dailyCap: 3 }, 'nk-icbm');
    const queued = deps.queue.jobs.flatMap((j) => j.recipients.map((x) => x.subscriberId));
    expect(r).toMatchObject({ status: 'queued', deferred: full.size, recipients: all.length - full.size });
    expect(new Set(queued)).toEqual(new Set(all.map((x) => x.subscriberId).filter((id) => !full.has(id))));
    expect(queued).toHaveLength(new Set(queued).size);
    // Jobs are filled to 50 across the checks (about 33 of each 50 checked are admitted).
    expect(deps.queue.jobs.map((j) => j.recipients.length)).toEqual([50, all.length - full.size - 50]);
    const waiting = await deps.history.deferred([...full]);
    expect([...waiting.values()].every((ids) => ids.includes('nk-icbm'))).toBe(true);
  });

  it('skips a normal article and a missing one', async () => {
    const deps = await setup();
    await deps.content.put(breaking({ id: 'calm', priority: 'normal' }));
    expect(await planAlert(deps, 'calm')).toMatchObject({ status: 'skipped', reason: 'not-breaking' });
    expect(await planAlert(deps, 'nope')).toMatchObject({ status: 'skipped', reason: 'no-article' });
  });
});

describe('alert message', () => {
  const r = {
    email: 'reader@example.com',
    unsubscribeUrl: 'https://b.example/unsubscribe?token=t1',
    preferencesUrl: 'https://b.example/preferences?token=t2',
    reason: 'You get this alert because reader@example.com asked for Brief breaking alerts on North Korea.',
  };

  it('shows headline, summary, key points, source link, the matched topics and both links', () => {
    const { html, text } = prepareAlert(breaking(), 'EU–Japan Security Brief').render(r);
    for (const part of [html, text]) {
      expect(part).toContain('North Korea tests a suspected new ICBM-class missile');
      expect(part).toContain('Point one.');
      expect(part.replace(/\s+/g, ' ')).toContain('breaking alerts on North Korea.');
    }
    expect(html).toContain('href="https://example.org/"');
    expect(text).toContain('https://b.example/unsubscribe?token=t1');
    expect(html).toContain('Breaking alert');
  });

  it('escapes HTML in the article and in the matched topics (bad input: <script> in a summary)', () => {
    const a = breaking({ summary: '<script>alert(1)</script>', keyPoints: ['<img src=x onerror=alert(1)>'] });
    const { html, text } = prepareAlert(a, 'Brief').render({ ...r, reason: '<b>x</b>' });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(text).toContain('<script>alert(1)</script>');
  });

  it('renders the same through the prepared route as through the full templates', () => {
    const a = breaking();
    expect(prepareAlert(a, 'Brief').render(r)).toEqual(renderAlert(alertViewModel(a, 'Brief'), r));
  });
});
