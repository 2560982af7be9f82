/**
 * A reader's "no" holds however their address is typed, against DynamoDB Local and the SES
 * emulator: `john.doe@gmail.com` unsubscribed, complained, bounced or was erased, then another
 * form of the same inbox (`j.o.h.n.d.o.e+z@gmail.com`, `johndoe+news@googlemail.com`, or the plain
 * `johndoe@gmail.com` after `john.doe+x@gmail.com` was erased) is tried through every way back in:
 * `subscribers add` (the CLI, in-process), an import, a web sign-up. The operator is told which
 * inbox said no; the web answers as for anyone and sends nothing. Before the byMailbox index these
 * looked only at the item stored at the inbox's plain form, so each of them got in.
 */
import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAddressMigration } from '../../lambdas/adapters/dynamodb/address-migration';
import { toSubscriberItem } from '../../lambdas/adapters/dynamodb/subscriber-store';
import { addressKey } from '../../lambdas/core/address';
import { migrateAddresses } from '../../lambdas/usecases/migrate-addresses';
import { eraseSubscriber } from '../../lambdas/usecases/privacy';
import { applySesEvents, type SesEvent } from '../../lambdas/usecases/ses-events';
import { addSubscriber, importSubscribers, upsertSubscriber } from '../../lambdas/usecases/subscribers';
import { documentClient } from '../../lambdas/wiring';
import { operator, testDigest } from '../support/address-key';
import { runCli, strictTarget } from '../support/cli-in-process';
import { scanAll } from '../support/tables';
import { plainSubscriber } from '../unit/fixtures';
import { startSubscriptionApi } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
/** This file's own part of Gmail's address space: the SES emulator is shared by the run. */
const run = randomBytes(3).toString('hex');
beforeAll(async () => {
  api = await startSubscriptionApi();
});
afterAll(() => api?.stop());

const ops = () => operator(api.subscribers, api.clock);
const keys = async () => (await scanAll(api.tables.names.subscribers)).map((i) => String(i.email));

/** `subscribers add <email>` through the CLI's own command: what it printed to stderr and its exit code. */
async function cliAdd(email: string): Promise<{ stderr: string; exitCode: number | undefined }> {
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  const before = process.exitCode;
  try {
    const target = strictTarget({
      subscriptions: api.subscribers,
      clock: api.clock,
      digest: () => Promise.resolve(testDigest),
      local: false,
      settings: api.settings,
    });
    await runCli(target, 'subscribers', 'add', email);
    return { stderr: errors.join('\n'), exitCode: process.exitCode === undefined ? undefined : Number(process.exitCode) };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

const ses = (event: Partial<SesEvent> & { eventType: string }): SesEvent => ({ mail: { messageId: `m-${Math.random()}` }, ...event });

/** The ways a reader says no, applied to the stored form `email`, and what add and import report. */
const NO = {
  unsubscribed: {
    kept: 'kept-unsubscribed',
    message: /unsubscribed earlier/,
    apply: async (email: string) => {
      const s = (await api.subscribers.getByEmail(email))!;
      await api.subscribers.unsubscribe(s.subscriberId, api.clock.now());
    },
  },
  complained: {
    kept: 'kept-suppressed',
    message: /is suppressed \(the reader marked a message as spam\)/,
    apply: (email: string) =>
      applySesEvents({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock }, [
        ses({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: email }] } }),
      ]).then(() => undefined),
  },
  bounced: {
    kept: 'kept-suppressed',
    message: /is suppressed \(mail to it bounced/,
    apply: (email: string) =>
      applySesEvents({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock }, [
        ses({
          eventType: 'Bounce',
          bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] },
        }),
      ]).then(() => undefined),
  },
  erased: {
    kept: 'kept-erased',
    message: /was erased at the reader's request/,
    apply: (email: string) =>
      eraseSubscriber({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock, digest: testDigest }, email).then(
        () => undefined,
      ),
  },
} as const;

describe.each(Object.entries(NO))('john.doe@gmail.com %s; other forms of the inbox are kept out', (kind, no) => {
  const said = `john.doe.${kind}.${run}@gmail.com`;
  /** The bad inputs: dots moved, a +tag, the googlemail.com alias, capitals. */
  const dotted = `j.o.h.n.d.o.e.${kind}.${run}+z@gmail.com`;
  const alias = `JohnDoe${kind}${run}+news@googlemail.com`;
  const web = `johndoe${kind}${run}+web@gmail.com`;

  beforeAll(async () => {
    await addSubscriber(ops(), { email: said });
    await no.apply(said);
  });

  it('`subscribers add` (the CLI) refuses it, exits 1 and names the inbox that said no', async () => {
    const r = await cliAdd(dotted);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(no.message);
    // Suppressed and unsubscribed forms are stored, so named; an erased one is not: its inbox is.
    const inbox = kind === 'erased' ? `johndoe${kind}${run}@gmail.com` : said;
    expect(r.stderr).toContain(`${dotted} (the inbox ${inbox} under another form)`);
    expect(await keys()).not.toContain(addressKey(dotted));
  });

  it('an import keeps the line out, counts it and says why', async () => {
    const r = await importSubscribers(ops(), `email\n${alias}\n`);
    expect(r).toMatchObject({ imported: 0, updated: 0, resubscribed: 0, errors: [] });
    expect(r.kept[no.kept.slice('kept-'.length) as keyof typeof r.kept]).toBe(1);
    expect(r.keptLines).toEqual([{ line: 2, message: expect.stringMatching(no.message) }]);
    expect(await keys()).not.toContain(addressKey(alias));
  });

  it('a web sign-up answers as for any address, and sends and stores nothing', async () => {
    const fresh = `someone.new.${kind}.${run}@gmail.com`;
    const answer = async (email: string) => {
      const res = await api.postJson({ email });
      return { status: res.status, body: await res.text() };
    };
    const kept = await answer(web);
    // The same answer as a new address gets: nothing tells the requester the inbox said no.
    expect(kept).toEqual(await answer(fresh));
    expect(await api.mailTo(fresh)).toHaveLength(1);
    expect(await api.mailTo(web)).toEqual([]);
    expect(await keys()).not.toContain(addressKey(web));
  });
});

describe('an erased form keeps out the plain inbox (john.doe+x@gmail.com erased, then johndoe@gmail.com)', () => {
  const erased = `john.doe.x${run}+x@gmail.com`;
  const plain = `johndoex${run}@gmail.com`;

  beforeAll(async () => {
    await addSubscriber(ops(), { email: erased });
    await eraseSubscriber({ subscribers: api.subscribers, deliveries: api.deliveries, clock: api.clock, digest: testDigest }, erased);
  });

  it('keeps no address in clear: the inbox is remembered by a keyed marker only', async () => {
    const items = await scanAll(api.tables.names.subscribers);
    expect(JSON.stringify(items)).not.toContain(`johndoex${run}`);
    expect(JSON.stringify(items)).not.toContain(`john.doe.x${run}`);
  });

  it('add refuses the plain form, naming it as the same inbox; import keeps it out', async () => {
    // The mistake tried: the plain form was never checked (its inbox is itself), so it got in.
    await expect(addSubscriber(ops(), { email: plain })).rejects.toThrow(
      `${plain} (the same inbox under another form) was erased at the reader's request`,
    );
    const r = await importSubscribers(ops(), `email\n${plain.toUpperCase()}\n`);
    expect(r).toMatchObject({ imported: 0, kept: expect.objectContaining({ erased: 1 }) });
  });

  it('a web sign-up of the plain form sends nothing', async () => {
    expect((await api.postJson({ email: plain })).status).toBe(202);
    expect(await api.mailTo(plain)).toEqual([]);
    expect(await keys()).not.toContain(plain);
  });

  it("the operator's --resubscribe (the reader agreed again) brings the inbox back, and its marker goes", async () => {
    expect((await upsertSubscriber(ops(), { email: plain }, 'cli', { resubscribe: true })).outcome).toBe('resubscribed');
    // With the inbox marker gone, another form is no longer refused as erased.
    expect((await upsertSubscriber(ops(), { email: `johndoex${run}+y@gmail.com` }, 'cli')).outcome).toBe('added');
  });
});

describe('a pending form of an inbox that said no (ann.reader@gmail.com unsubscribed after annreader+news@ signed up)', () => {
  const said = `ann.reader.${run}@gmail.com`;
  const pending = `annreader${run}+news@gmail.com`;
  /** Another pending form, for the web (the operator's tries above must not change it first). */
  const pendingWeb = `a.n.n.reader${run}+web@gmail.com`;

  beforeAll(async () => {
    // The sign-ups wait for their confirmation; then the inbox's owner says no under her usual address.
    // Hours apart: one inbox gets at most one confirmation an hour.
    for (const [email, offsetMs] of [
      [pendingWeb, -3 * 3600_000],
      [pending, 0],
    ] as const) {
      api.clock.offsetMs = offsetMs;
      await api.postJson({ email });
      api.clock.offsetMs = 0;
      expect(await api.mailTo(email)).toHaveLength(1);
    }
    await addSubscriber(ops(), { email: said });
    await NO.unsubscribed.apply(said);
  });

  it('an import does not confirm it: kept out, still pending', async () => {
    // The mistake tried: a stored (pending) address skipped the inbox check and was confirmed.
    const r = await importSubscribers(ops(), `email\n${pending}\n`);
    expect(r).toMatchObject({ imported: 0, updated: 0, kept: expect.objectContaining({ unsubscribed: 1 }) });
    expect(r.keptLines[0].message).toContain(`(the inbox ${said} under another form) unsubscribed earlier`);
    expect(await api.subscribers.getByEmail(pending)).toMatchObject({ status: 'pending' });
  });

  it('`subscribers add` does not confirm it either', async () => {
    expect((await cliAdd(pending)).exitCode).toBe(1);
    expect(await api.subscribers.getByEmail(pending)).toMatchObject({ status: 'pending' });
  });

  it('a web sign-up of it, past the resend hour, gets no fresh confirmation', async () => {
    api.clock.offsetMs = 2 * 3600_000;
    try {
      expect((await api.postJson({ email: pendingWeb })).status).toBe(202);
      expect(await api.mailTo(pendingWeb)).toHaveLength(1);
      expect(await api.subscribers.getByEmail(pendingWeb)).toMatchObject({ status: 'pending' });
    } finally {
      api.clock.offsetMs = 0;
    }
  });
});

describe('items written before the byMailbox index: migrate-addresses gives them their inbox', () => {
  const said = `old.reader.${run}@gmail.com`;
  const variant = `oldreader${run}+z@gmail.com`;

  it('a variant gets in before the migration, and is kept out after it; a second run has nothing to do', async () => {
    const older = toSubscriberItem(
      plainSubscriber(said, { subscriberId: `old-${run}`, status: 'unsubscribed', unsubscribedAt: '2026-01-01T00:00:00.000Z' }),
    );
    // As the code before the index wrote it: no inbox.
    delete older.mailbox;
    await documentClient().send(new PutCommand({ TableName: api.tables.names.subscribers, Item: older }));
    const migrate = (dryRun = false) =>
      migrateAddresses(
        {
          store: new DynamoAddressMigration(documentClient(), api.tables.names.subscribers),
          subscriptions: api.subscribers,
          deliveries: api.deliveries,
          digest: testDigest,
          clock: api.clock,
        },
        { dryRun },
      );
    // Without its inbox the older item is invisible to the index: that is what the migration is for.
    expect((await upsertSubscriber(ops(), { email: variant }, 'cli')).outcome).toBe('added');
    await api.subscribers.remove(addressKey(variant));
    expect(await migrate(true)).toMatchObject({ indexed: 1, dryRun: true });
    expect(await migrate()).toMatchObject({ indexed: 1, merged: 0, moved: 0, skipped: 0 });
    expect((await upsertSubscriber(ops(), { email: variant }, 'cli')).outcome).toBe('kept-unsubscribed');
    expect(await migrate()).toMatchObject({ indexed: 0 });
  });

  it('the plain form that said no keeps a +tag form out even before the migration (mistake: the index alone missed older items, where the old code read the plain form)', async () => {
    const plain = `bob.${run}@example.org`;
    const older = toSubscriberItem(
      plainSubscriber(plain, { subscriberId: `bob-${run}`, status: 'unsubscribed', unsubscribedAt: '2026-01-01T00:00:00.000Z' }),
    );
    delete older.mailbox;
    await documentClient().send(new PutCommand({ TableName: api.tables.names.subscribers, Item: older }));
    expect((await upsertSubscriber(ops(), { email: `bob.${run}+news@example.org` }, 'cli')).outcome).toBe('kept-unsubscribed');
  });
});
