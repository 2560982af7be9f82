import { sendBatch, type PreparedCampaign, type SendDeps } from '../../lambdas/usecases/send-batch';
import type { SendJob } from '../../lambdas/core/model';
import { fixedClock, MemoryLedger, RecordingMailer, sesError } from './fakes';

const campaign: PreparedCampaign = {
  campaignId: 'c1',
  from: 'news@example.com',
  compose: (r) => {
    if (r.email.includes('\n')) throw new Error('header injection refused');
    return Buffer.from(`To: ${r.email}\r\n\r\nhello`);
  },
};
const job = (n: number, campaignId = 'c1'): SendJob => ({
  campaignId,
  kind: 'digest',
  recipients: Array.from({ length: n }, (_, i) => ({ subscriberId: `s${i}`, email: `r${i}@example.com` })),
});
const deps = (mailer: RecordingMailer, ledger = new MemoryLedger()): SendDeps & { ledger: MemoryLedger } => ({
  ledger,
  mailer,
  clock: fixedClock(),
  campaign: async () => campaign,
});

describe('sendBatch', () => {
  it('sends one message per recipient and records each in the ledger with its SES id', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    expect(await sendBatch(d, job(20))).toEqual({ sent: 20, skipped: 0, failed: 0, retry: [] });
    expect(mailer.sent).toHaveLength(20);
    const rows = await d.ledger.list('c1');
    expect(rows.every((r) => r.status === 'sent' && r.sesMessageId)).toBe(true);
  });

  it('gives no second copy when the same batch is delivered again (redelivery)', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    await sendBatch(d, job(10));
    expect(await sendBatch(d, job(10))).toEqual({ sent: 0, skipped: 10, failed: 0, retry: [] });
    expect(mailer.sent).toHaveLength(10);
  });

  it('gives no second copy when two copies of a batch run at the same time', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    const [a, b] = await Promise.all([sendBatch(d, job(30)), sendBatch(d, job(30))]);
    expect(a.sent + b.sent).toBe(30);
    expect(new Set(mailer.sent.map((s) => s.to)).size).toBe(30);
    expect(mailer.sent).toHaveLength(30);
  });

  it('retries throttled and transient sends (claim given back) and never counts them as sent or failed', async () => {
    const mailer = new RecordingMailer((to, call) =>
      to === 'r1@example.com' && call < 5 ? sesError('Throttling', 400) : to === 'r2@example.com' && call < 5 ? sesError('InternalFailure', 500) : undefined,
    );
    const d = deps(mailer);
    const first = await sendBatch(d, job(4));
    expect(first.sent).toBe(2);
    expect(first.failed).toBe(0);
    expect(first.retry.map((r) => r.email).sort()).toEqual(['r1@example.com', 'r2@example.com']);
    expect(await d.ledger.get('c1', 's1')).toBeUndefined();
    // The redelivered batch sends only to the two that were retried.
    const second = await sendBatch(d, job(4));
    expect(second).toEqual({ sent: 2, skipped: 2, failed: 0, retry: [] });
    expect(mailer.sent.map((s) => s.to).sort()).toEqual(['r0@example.com', 'r1@example.com', 'r2@example.com', 'r3@example.com']);
  });

  it('marks a permanently rejected recipient failed and does not retry it', async () => {
    const mailer = new RecordingMailer((to) => (to === 'r0@example.com' ? sesError('MessageRejected', 400) : undefined));
    const d = deps(mailer);
    expect(await sendBatch(d, job(3))).toEqual({ sent: 2, skipped: 0, failed: 1, retry: [] });
    expect(await d.ledger.get('c1', 's0')).toMatchObject({ status: 'failed', error: expect.stringContaining('MessageRejected') });
  });

  it('marks a recipient whose message cannot be built (CR/LF in the address) failed, sends nothing for it', async () => {
    const mailer = new RecordingMailer();
    const d = deps(mailer);
    const bad: SendJob = { campaignId: 'c1', kind: 'digest', recipients: [{ subscriberId: 'x', email: 'a@example.com\nBcc: b@example.com' }] };
    expect(await sendBatch(d, bad)).toEqual({ sent: 0, skipped: 0, failed: 1, retry: [] });
    expect(mailer.sent).toHaveLength(0);
  });
});
