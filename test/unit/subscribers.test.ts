import { addSubscriber, importSubscribers } from '../../lambdas/usecases/subscribers';
import { fixedClock, MemorySubscribers } from './fakes';
import { testDigest as digest } from '../support/address-key';

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
