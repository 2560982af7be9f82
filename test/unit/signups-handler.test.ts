/**
 * The sign-ups function's handler (lambdas/signups/handler.ts) as Lambda calls it with an SQS
 * batch, on in-memory ports: a good sign-up is handled, a malformed job (the bad input: a body
 * that is not JSON, or not a sign-up) comes back as a batch item failure, logged, without
 * failing the others or throwing when it is alone.
 */
import type { SQSRecord } from 'aws-lambda';
import { makeSignupsHandler } from '../../lambdas/signups/handler';
import { DEFAULT_CHOICES } from '../../lambdas/core/subscription';
import { testDigest } from '../support/address-key';
import { MemorySubscribers, RecordingMailer } from './fakes';
import { senderSettings, signingKeys } from './fixtures';

const record = (id: string, body: string): SQSRecord =>
  ({ messageId: id, body, attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;
const signUp = (email: string) =>
  JSON.stringify({
    kind: 'subscribe',
    email,
    choices: DEFAULT_CHOICES,
    meta: { page: 'p', ip: '198.51.100.1', userAgent: 'u' },
    at: '2026-12-07T10:00:00.000Z',
  });

function handler() {
  const subscribers = new MemorySubscribers();
  const mailer = new RecordingMailer();
  const h = makeSignupsHandler({
    subscribers,
    mailer,
    clock: { now: () => new Date('2026-12-07T10:00:00Z') },
    keys: () => Promise.resolve(signingKeys),
    digest: () => Promise.resolve(testDigest),
    mail: senderSettings,
  });
  return { h, subscribers, mailer };
}

describe('the sign-ups handler', () => {
  it('handles a good sign-up and reports only the malformed jobs of the batch', async () => {
    const { h, subscribers, mailer } = handler();
    const out = await h({
      Records: [
        record('good', signUp('Ana@example.org')),
        record('not-json', '{oops'),
        record('not-a-job', JSON.stringify({ kind: 'delete-everything' })),
      ],
    });
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['not-a-job', 'not-json']);
    expect(subscribers.byEmail.get('ana@example.org')).toMatchObject({ status: 'pending', emailAsTyped: 'Ana@example.org' });
    expect(mailer.sent.map((m) => m.to)).toEqual(['Ana@example.org']);
  });

  it('a malformed job alone comes back as a batch item failure instead of throwing', async () => {
    const { h, mailer } = handler();
    await expect(h({ Records: [record('alone', 'not json at all')] })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'alone' }],
    });
    expect(mailer.sent).toEqual([]);
  });

  it('a confirmation SES would not take comes back for a retry (and is sent by it)', async () => {
    const { subscribers } = handler();
    const failing = new RecordingMailer((_to, call) =>
      call === 1 ? Object.assign(new Error('throttled'), { name: 'Throttling' }) : undefined,
    );
    const h2 = makeSignupsHandler({
      subscribers,
      mailer: failing,
      clock: { now: () => new Date('2026-12-07T10:00:00Z') },
      keys: () => Promise.resolve(signingKeys),
      digest: () => Promise.resolve(testDigest),
      mail: senderSettings,
    });
    expect((await h2({ Records: [record('r1', signUp('bo@example.org'))] })).batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect((await h2({ Records: [record('r1', signUp('bo@example.org'))] })).batchItemFailures).toEqual([]);
    expect(failing.sent.map((m) => m.to)).toEqual(['bo@example.org']);
  });
});
