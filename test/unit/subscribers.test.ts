import { expect } from '@jest/globals';
import type { Subscriber } from '../../lambdas/core/model';
import { addSubscriber, importSubscribers, upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { fixedClock, MemorySubscribers } from './fakes';
import { testDigest as digest } from '../support/address-key';
import { plainSubscriber } from './fixtures';

describe('subscribers import (CSV)', () => {
  it('imports the good lines and reports each bad line with its line number', async () => {
    const subscribers = new MemorySubscribers();
    const csv = [
      'email,alerts,topics',
      'alice@example.com,true,cyber;space', // line 2: good
      'not-an-address,false,', // line 3: invalid address
      'bob@Example.COM,,', // line 4: good, domain normalised
      '"carol@example.com\nBcc: x@example.com",,', // lines 5-6: a quoted CR/LF header-injection attempt
      'dave@example.com,maybe,', // line 7: bad boolean
      'erin@example.com,,Bad Topic!', // line 8: bad topic
    ].join('\n');
    const r = await importSubscribers({ subscribers, clock: fixedClock(), digest }, csv);
    expect(r.imported).toBe(2);
    expect(r.errors.map((e) => e.line)).toEqual([3, 6, 7, 8]);
    expect(r.errors[0].message).toMatch(/invalid email address/);
    expect(r.errors[1].message).toMatch(/control character/);
    expect(r.errors[2].message).toMatch(/alerts: expected true or false/);
    expect(r.errors[3].message).toMatch(/invalid topic/);
    expect([...subscribers.byEmail.keys()].sort()).toEqual(['alice@example.com', 'bob@example.com']);
    const alice = subscribers.byEmail.get('alice@example.com')!;
    expect(alice).toMatchObject({ status: 'confirmed', source: 'import', alerts: true, digest: true, topics: ['cyber', 'space'] });
  });

  it('refuses a file without an email column', async () => {
    const r = await importSubscribers({ subscribers: new MemorySubscribers(), clock: fixedClock(), digest }, 'name\nAlice\n');
    expect(r).toMatchObject({ imported: 0, errors: [{ line: 1, message: 'the header row has no "email" column' }] });
  });

  it('importing the same address twice keeps one subscriber with the same id', async () => {
    const subscribers = new MemorySubscribers();
    const deps = { subscribers, clock: fixedClock(), digest };
    await importSubscribers(deps, 'email\nalice@example.com\n');
    const id = subscribers.byEmail.get('alice@example.com')!.subscriberId;
    await importSubscribers(deps, 'email\nalice@example.com\n');
    expect(subscribers.byEmail.size).toBe(1);
    expect(subscribers.byEmail.get('alice@example.com')!.subscriberId).toBe(id);
  });

  it('does not bring back an address that unsubscribed', async () => {
    const subscribers = new MemorySubscribers();
    const deps = { subscribers, clock: fixedClock(), digest };
    const s = await addSubscriber(deps, { email: 'alice@example.com' });
    await subscribers.unsubscribe(s.subscriberId, new Date());
    const r = await importSubscribers(deps, 'email\nalice@example.com\n');
    expect(r.imported).toBe(0);
    expect(r.kept.unsubscribed).toBe(1);
    expect(r.keptLines[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unsubscribed earlier/) });
    expect(subscribers.byEmail.get('alice@example.com')!.status).toBe('unsubscribed');
  });
});

describe('add and import merge into a stored subscriber, never replace it', () => {
  const webReader = (over: Partial<Subscriber> = {}): Subscriber => ({
    subscriberId: 'web-1',
    email: 'ada@example.com',
    emailAsTyped: 'Ada@example.com',
    status: 'confirmed',
    digest: true,
    alerts: true,
    topics: ['cyber'],
    timezone: 'Europe/Brussels',
    source: 'web',
    createdAt: '2026-01-01T00:00:00.000Z',
    confirmedAt: '2026-01-01T01:00:00.000Z',
    consent: {
      at: '2026-01-01T00:00:00.000Z',
      page: 'https://brief.example.org',
      ip: '198.51.100.1',
      userAgent: 'Reader/1',
      wording: 'I agree',
      confirmedAt: '2026-01-01T01:00:00.000Z',
    },
    ...over,
  });

  it("keeps a web sign-up's consent, confirmedAt, source and the choices the file does not give", async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.create(webReader());
    const r = await importSubscribers({ subscribers, clock: fixedClock(), digest }, 'email,timezone\nADA@EXAMPLE.COM,Asia/Tokyo\n');
    expect(r).toMatchObject({ imported: 0, updated: 1, errors: [] });
    expect(subscribers.byEmail.get('ada@example.com')).toMatchObject({
      subscriberId: 'web-1',
      source: 'web',
      confirmedAt: '2026-01-01T01:00:00.000Z',
      consent: { ip: '198.51.100.1' },
      alerts: true,
      topics: ['cyber'],
      timezone: 'Asia/Tokyo',
    });
  });

  it('a line repeating a stored reader changes nothing and is counted as unchanged; duplicates differing only in case are one reader', async () => {
    const subscribers = new MemorySubscribers();
    const r = await importSubscribers(
      { subscribers, clock: fixedClock(), digest },
      'email\nbob@example.com\nBob@Example.com\nBOB@EXAMPLE.COM\n',
    );
    expect(r).toMatchObject({ imported: 1, updated: 0, unchanged: 2 });
    expect(subscribers.byEmail.size).toBe(1);
  });

  it('confirms a pending web sign-up the operator vouches for, keeping its consent and source', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.create(
      webReader({ status: 'pending', confirmedAt: undefined, confirmTokenHash: 'h', confirmExpiresAt: '2026-12-01T00:00:00.000Z' }),
    );
    const r = await upsertSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'ada@example.com' }, 'cli');
    expect(r.outcome).toBe('confirmed');
    const s = subscribers.byEmail.get('ada@example.com')!;
    expect(s).toMatchObject({ status: 'confirmed', source: 'web', reconfirmedBy: 'cli', consent: { ip: '198.51.100.1' } });
    expect(s.confirmTokenHash).toBeUndefined();
  });

  it.each([
    ['an unsubscribe', { status: 'unsubscribed' as const, unsubscribedAt: '2026-06-01T00:00:00.000Z' }, 'unsubscribed'],
    ['a complaint', { status: 'unsubscribed' as const, suppressed: true, suppressedReason: 'complaint' as const }, 'suppressed'],
    ['a hard bounce', { suppressed: true, suppressedReason: 'bounce' as const }, 'suppressed'],
  ])('after %s: kept out and counted, unless --resubscribe says the reader agreed again', async (_name, over, kind) => {
    const subscribers = new MemorySubscribers();
    await subscribers.create(webReader(over));
    const kept = await importSubscribers({ subscribers, clock: fixedClock(), digest }, 'email\nADA@example.com\n');
    expect(kept.kept[kind as 'unsubscribed' | 'suppressed']).toBe(1);
    expect(
      subscribers.byEmail.get('ada@example.com')!.status === 'confirmed' && !subscribers.byEmail.get('ada@example.com')!.suppressed,
    ).toBe(false);
    const back = await importSubscribers({ subscribers, clock: fixedClock(), digest }, 'email\nADA@example.com\n', { resubscribe: true });
    expect(back.resubscribed).toBe(1);
    const s = subscribers.byEmail.get('ada@example.com')!;
    expect(s).toMatchObject({ status: 'confirmed', subscriberId: 'web-1', consent: { ip: '198.51.100.1' }, reconfirmedBy: 'import' });
    expect(s.suppressed).toBeUndefined();
  });

  it('after an erasure (in any capitals): kept out; with --resubscribe added anew and the marker removed', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.markErased(digest('eve@example.com'), new Date());
    expect((await upsertSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'EVE@example.com' }, 'cli')).outcome).toBe(
      'kept-erased',
    );
    await expect(addSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'Eve@Example.com' })).rejects.toThrow(
      /erased at the reader's request/,
    );
    expect(subscribers.byEmail.size).toBe(0);
    const r = await upsertSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'Eve@example.com' }, 'cli', {
      resubscribe: true,
    });
    expect(r.outcome).toBe('resubscribed');
    expect(await subscribers.isErased([digest('eve@example.com')])).toBeUndefined();
  });

  it('refuses, with the line and the reason: a formula-like address, a reserved domain (outside local mode), an unknown topic', async () => {
    const csv = [
      'email,topics',
      '=HYPERLINK(x)@example.com,',
      '+1@example.com,',
      'reader@news.test,',
      'reader@example.org,cyber;dragons',
      'fine@example.org,cyber',
    ].join('\n');
    const r = await importSubscribers({ subscribers: new MemorySubscribers(), clock: fixedClock(), digest }, csv);
    expect(r.imported).toBe(1);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(r.errors[1].message).toMatch(/starts with =, \+, - or @/);
    expect(r.errors[2].message).toMatch(/\.test is a reserved domain/);
    expect(r.errors[3].message).toMatch(/unknown topic "dragons": choose from/);
    // Locally the samples' reserved domains are fine.
    const local = await importSubscribers(
      { subscribers: new MemorySubscribers(), clock: fixedClock(), digest },
      'email\nreader@news.test\n',
      { allowReservedDomains: true },
    );
    expect(local.imported).toBe(1);
  });
});

describe('operator input that would be dropped or do nothing', () => {
  it.each([
    [
      'a misspelt column (Topcis)',
      'email,Topcis\nann@example.org,cyber\n',
      /column "topcis" is not read by this import: the columns are email, digest, alerts, topics, timezone/,
    ],
    ['a status column saying a reader left', 'email,status\nleft@example.org,unsubscribed\n', /column "status" is not read/],
    ['the email column twice', 'email,Email\na@example.org,b@example.org\n', /column "email" given twice/],
    ['an empty file', '', /no subscriber in the file/],
    ['a header and no line', 'email\n', /no subscriber in the file/],
  ])('refuses the whole file, naming it, and imports nothing: %s', async (_name, csv, message) => {
    const subscribers = new MemorySubscribers();
    const r = await importSubscribers({ subscribers, clock: fixedClock(), digest }, csv);
    expect(r.errors).toEqual([{ line: 1, message: expect.stringMatching(message) }]);
    expect(subscribers.byEmail.size).toBe(0);
  });

  it('reports a line with more fields than the header (a comma inside a field) instead of dropping the extra ones', async () => {
    const subscribers = new MemorySubscribers();
    const r = await importSubscribers(
      { subscribers, clock: fixedClock(), digest },
      'email,topics\nx@example.org,cyber,space,china\ny@example.org,cyber\n',
    );
    expect(r.imported).toBe(1);
    expect(r.errors).toEqual([
      { line: 2, message: expect.stringMatching(/4 fields, the header has 2 \("space", "china" would be lost\)/) },
    ]);
    expect(subscribers.byEmail.has('x@example.org')).toBe(false);
  });

  it('refuses a subscriber who would get nothing (neither the digest nor alerts), new or changed', async () => {
    const subscribers = new MemorySubscribers();
    await expect(addSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'none@example.org', digest: false })).rejects.toThrow(
      /choose the weekly digest, breaking alerts, or both/,
    );
    await addSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'some@example.org' });
    await expect(addSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'some@example.org', digest: false })).rejects.toThrow(
      /choose the weekly digest/,
    );
    expect(subscribers.byEmail.get('some@example.org')!.digest).toBe(true);
  });

  it('keeps out another form of an inbox that said no (+tag, Gmail dots), as the web sign-up does: complained, erased, unsubscribed', async () => {
    const subscribers = new MemorySubscribers();
    const deps = { subscribers, clock: fixedClock(), digest };
    await subscribers.create(
      plainSubscriber('compl1@example.org', { subscriberId: 'c', status: 'unsubscribed', suppressed: true, suppressedReason: 'complaint' }),
    );
    await subscribers.create(plainSubscriber('left@example.org', { subscriberId: 'l', status: 'unsubscribed' }));
    await subscribers.create(plainSubscriber('jsmith@gmail.com', { subscriberId: 'g', suppressed: true, suppressedReason: 'bounce' }));
    await subscribers.markErased(digest('erase1@example.org'), new Date());
    await expect(addSubscriber(deps, { email: 'Compl1+x@example.org' })).rejects.toThrow(
      /Compl1\+x@example\.org \(the inbox compl1@example\.org under another form\) is suppressed \(the reader marked a message as spam\)/,
    );
    await expect(addSubscriber(deps, { email: 'left+news@example.org' })).rejects.toThrow(
      /the inbox left@example\.org under another form\) unsubscribed earlier/,
    );
    await expect(addSubscriber(deps, { email: 'j.smith@gmail.com' })).rejects.toThrow(/the inbox jsmith@gmail\.com under another form/);
    const report = await importSubscribers(deps, 'email\nerase1+news@example.org\nnew+tag@example.org\n');
    expect(report).toMatchObject({ imported: 1, kept: expect.objectContaining({ erased: 1 }) });
    expect(report.keptLines).toEqual([
      {
        line: 2,
        message: expect.stringMatching(/erase1\+news@example\.org \(the inbox erase1@example\.org under another form\) was erased/),
      },
    ]);
    expect([...subscribers.byEmail.keys()].sort()).toEqual([
      'compl1@example.org',
      'jsmith@gmail.com',
      'left@example.org',
      'new+tag@example.org',
    ]);
    // The operator's word that the reader agreed again brings a form in.
    expect((await upsertSubscriber(deps, { email: 'left+news@example.org' }, 'cli', { resubscribe: true })).outcome).toBe('added');
  });

  it('says why a suppressed address is kept out: a complaint, or a bounce that a new consent does not fix', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.create(plainSubscriber('gone@example.org', { subscriberId: 'b', suppressed: true, suppressedReason: 'bounce' }));
    await expect(addSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'Gone@example.org' })).rejects.toThrow(
      /mail to it bounced: a new consent does not fix a mailbox/,
    );
  });

  it('an erased address brought back with --resubscribe carries the operator’s word (reconfirmedAt, reconfirmedBy)', async () => {
    const subscribers = new MemorySubscribers();
    await subscribers.markErased(digest('back@example.org'), new Date());
    const r = await upsertSubscriber({ subscribers, clock: fixedClock(), digest }, { email: 'back@example.org' }, 'cli', {
      resubscribe: true,
    });
    expect(r.subscriber).toMatchObject({ reconfirmedBy: 'cli', reconfirmedAt: fixedClock().now().toISOString() });
  });
});
