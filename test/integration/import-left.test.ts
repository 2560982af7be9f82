/**
 * A reader the source tool says left keeps their "no" after the import, against DynamoDB Local
 * and the SES emulator: the import skips the row and stores no address, only keyed digests of the
 * address and its inbox, so a later import, `subscribers add` or web sign-up of that address or
 * another form of its inbox (`Left+x@`) is kept out, naming the tool. Before these markers the
 * skipped "no" was forgotten: a second import brought both forms back confirmed.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { readCsv } from '../../bin/cli/import-file';
import { addressKey } from '../../lambdas/core/address';
import { eraseSubscriber, exportSubscriber } from '../../lambdas/usecases/privacy';
import { addSubscriber, importSubscribers } from '../../lambdas/usecases/subscribers';
import { operator, testDigest } from '../support/address-key';
import { scanAll } from '../support/tables';
import { startSubscriptionApi } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
/** This file's own addresses for the web: the SES emulator is shared by the run. */
const run = randomBytes(3).toString('hex');
beforeAll(async () => {
  api = await startSubscriptionApi();
});
afterAll(() => api?.stop());

const ops = () => operator(api.subscribers, api.clock);
const items = () => scanAll(api.tables.names.subscribers);
const keys = async () => (await items()).map((i) => String(i.email));

/** A Mailchimp "unsubscribed" export of one address (the columns Mailchimp's zip has, trimmed). */
const mailchimpLeft = (email: string) =>
  `"Email Address","First Name","Last Name","UNSUB_TIME","UNSUB_REASON"\n"${email}","Lee","Left","2024-06-01 12:00:00","NORMAL"\n`;

describe('the repro: a Mailchimp unsubscribed row, then a plain import of it and of another form of its inbox', () => {
  beforeAll(async () => {
    const first = await importSubscribers(ops(), readCsv(join(__dirname, '../fixtures/imports/mailchimp-unsubscribed.csv')));
    expect(first.lines).toEqual([
      { line: 2, outcome: 'skipped', message: expect.stringMatching(/^skipped left@example\.org: unsubscribed in Mailchimp/) },
    ]);
  });

  it('stores no address, its name or its Mailchimp times: only digests and where it left', async () => {
    // The mistake tried: storing the left row as an unsubscribed subscriber (personal data kept).
    const text = JSON.stringify(await items());
    expect(text).not.toMatch(/left@|Lee|2024-06-01/i);
    expect(await items()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: expect.stringMatching(/^erased#[0-9a-f]{64}$/), saidNo: 'unsubscribed in Mailchimp' }),
      ]),
    );
  });

  it('a later import keeps out the address and another form of its inbox, naming Mailchimp', async () => {
    const r = await importSubscribers(ops(), 'email\nleft@example.org\nLeft+x@example.org\n');
    expect(r).toMatchObject({ imported: 0, updated: 0, resubscribed: 0, errors: [], kept: { left: 2, erased: 0 } });
    expect(r.keptLines).toEqual([
      {
        line: 2,
        message: expect.stringMatching(/^left@example\.org unsubscribed in Mailchimp before the import: not added \(.*--resubscribe/),
      },
      {
        line: 3,
        message: expect.stringMatching(
          /^Left\+x@example\.org \(the inbox left@example\.org under another form\) unsubscribed in Mailchimp before the import/,
        ),
      },
    ]);
    expect(await keys()).not.toContain('left@example.org');
    expect(await keys()).not.toContain('left+x@example.org');
  });

  it('`subscribers add` is refused with the same reason', async () => {
    await expect(addSubscriber(ops(), { email: 'left@example.org' })).rejects.toThrow(/unsubscribed in Mailchimp before the import/);
  });

  it('the privacy export says the address left elsewhere, not that it was erased', async () => {
    const e = await exportSubscriber({ ...ops(), deliveries: api.deliveries }, 'left@example.org');
    expect(e.erased).toBeUndefined();
    expect(e.leftElsewhere).toMatchObject({ saidNo: 'unsubscribed in Mailchimp', addressHash: testDigest('left@example.org') });
  });

  it('--resubscribe brings one form back on the reader’s new consent; the other stays out', async () => {
    const back = await importSubscribers(ops(), 'email\nLeft+x@example.org\n', { resubscribe: true });
    expect(back).toMatchObject({ resubscribed: 1, errors: [] });
    expect(await api.subscribers.getByEmail('left+x@example.org')).toMatchObject({ status: 'confirmed', reconfirmedBy: 'import' });
    // The address's own marker is not the inbox's: bringing back left+x@ says nothing of left@.
    const still = await importSubscribers(ops(), 'email\nleft@example.org\n');
    expect(still).toMatchObject({ imported: 0, kept: { left: 1 } });
  });
});

describe('a left address signs up on the web', () => {
  const answer = async (email: string) => {
    const res = await api.postJson({ email });
    return { status: res.status, body: await res.text() };
  };

  // Each case its own inbox: a sign-up of one would use up that inbox's confirmation limit and
  // keep the next one out for another reason.
  it.each([
    ['the address itself', `web.left.${run}@example.org`, `web.left.${run}@example.org`],
    ['another form of its inbox', `web.inbox.${run}@example.org`, `Web.Inbox.${run}+web@example.org`],
  ])('%s: the answer any address gets, and nothing sent or stored (as for an erased one)', async (_what, left, email) => {
    expect(await importSubscribers(ops(), mailchimpLeft(left))).toMatchObject({ skipped: 1, imported: 0 });
    const fresh = `someone.new.${randomBytes(3).toString('hex')}.${run}@example.org`;
    expect(await answer(email)).toEqual(await answer(fresh));
    expect(await api.mailTo(fresh)).toHaveLength(1);
    expect(await api.mailTo(email)).toEqual([]);
    expect(await keys()).not.toContain(addressKey(email));
  });
});

describe('erasing a left address', () => {
  const left = `erase.left.${run}@example.org`;

  it('turns its marker into an erasure marker: kept out as erased, no Mailchimp reason kept', async () => {
    await importSubscribers(ops(), mailchimpLeft(left));
    await eraseSubscriber({ ...ops(), deliveries: api.deliveries }, left);
    const r = await importSubscribers(ops(), `email\n${left}\n`);
    expect(r).toMatchObject({ imported: 0, kept: { erased: 1, left: 0 } });
    const marker = (await items()).find((i) => i.email === `erased#${testDigest(addressKey(left))}`);
    expect(marker).toEqual({ email: expect.any(String), erasedAt: expect.any(String) });
  });
});

describe('a reader subscribed here whom the source tool says left there', () => {
  const here = `here.${run}@example.org`;

  it('keeps their own record here: no marker, and the operator may still change their choices', async () => {
    await addSubscriber(ops(), { email: here });
    const r = await importSubscribers(ops(), mailchimpLeft(here));
    expect(r).toMatchObject({ skipped: 1, imported: 0 });
    // The mistake tried: a marker for a stored reader would keep out the operator's next change.
    expect(await api.subscribers.isErased([testDigest(here)])).toBeUndefined();
    expect(await addSubscriber(ops(), { email: here, alerts: true })).toMatchObject({ status: 'confirmed', alerts: true });
  });
});
