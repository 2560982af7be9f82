/** What the sendBatch tests share: a campaign, jobs of n readers, a sender on a ledger, SES that takes its time. */
import type { PreparedCampaign, SendDeps } from '../../lambdas/usecases/send-batch';
import type { SendJob } from '../../lambdas/core/model';
import { fixedClock, RecordingMailer, type MemoryLedger } from './fakes';

const campaign: PreparedCampaign = {
  campaignId: 'c1',
  from: 'news@example.com',
  compose: (r) => {
    if (r.email.includes('\n')) throw new Error('header injection refused');
    return Buffer.from(`To: ${r.email}\r\n\r\nhello`);
  },
};
export const job = (n: number, campaignId = 'c1'): SendJob => ({
  campaignId,
  kind: 'digest',
  recipients: Array.from({ length: n }, (_, i) => ({ subscriberId: `s${i}`, email: `r${i}@example.com` })),
});
/** A sender with no waiting, fixed time and fixed jitter, on `ledger`. */
export const baseDeps = <L extends MemoryLedger>(mailer: RecordingMailer, ledger: L): SendDeps & { ledger: L } => ({
  ledger,
  mailer,
  clock: fixedClock(),
  campaign: () => Promise.resolve(campaign),
  sleep: () => Promise.resolve(undefined),
  random: () => 0.5,
});
/** SES that takes 2 ms a call, and counts the most calls it had in flight. */
export class SlowMailer extends RecordingMailer {
  inFlight = 0;
  mostInFlight = 0;
  async sendRaw(input: { raw: Buffer; from: string; to: string }) {
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    return super.sendRaw(input);
  }
}
export const counts = (sent: number, skipped: number, failed: number, retry: unknown[] = []) => ({ sent, skipped, failed, retry });
