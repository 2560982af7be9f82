/**
 * A ledger in this process's memory, answering after a fixed latency (a timer, no work), for
 * the send-rate section's second line: the sender with nothing on this machine's cores but
 * itself, as on AWS, where DynamoDB is not on the sender's CPU. It keeps the ledger port's
 * contract (one claim per pair, batch claims of new pairs, release only of one's own claim);
 * the real conditional writes are what the first line, on DynamoDB Local, runs.
 */
import type { ClaimResult, Ledger } from '../../lambdas/core/ports';
import type { Delivery } from '../../lambdas/core/model';

export class LatencyMemoryLedger implements Ledger {
  private readonly rows = new Map<string, Delivery>();
  /** @param latencyMs what each call takes (DynamoDB on AWS: single-digit milliseconds). */
  constructor(private readonly latencyMs: number) {}
  private key = (c: string, s: string) => `${c}|${s}`;
  private wait = () => new Promise<void>((r) => setTimeout(r, this.latencyMs));

  async claim(c: string, s: string, at: Date, staleBefore?: Date): Promise<ClaimResult> {
    await this.wait();
    const row = this.rows.get(this.key(c, s));
    const stale = row?.status === 'claimed' && staleBefore !== undefined && row.claimedAt < staleBefore.toISOString();
    if (row && !stale) return row.status === 'claimed' ? 'in-flight' : 'already-sent';
    this.rows.set(this.key(c, s), { campaignId: c, subscriberId: s, status: 'claimed', claimedAt: at.toISOString() });
    return stale ? 'reclaimed' : 'claimed';
  }

  async claimNew(c: string, ids: string[], at: Date): Promise<Set<string>> {
    await this.wait();
    const claimed = new Set<string>();
    for (const s of ids) {
      if (this.rows.has(this.key(c, s))) continue;
      this.rows.set(this.key(c, s), { campaignId: c, subscriberId: s, status: 'claimed', claimedAt: at.toISOString() });
      claimed.add(s);
    }
    return claimed;
  }

  async markSent(c: string, s: string, id: string, at: Date): Promise<void> {
    await this.wait();
    Object.assign(this.rows.get(this.key(c, s))!, { status: 'sent', sesMessageId: id, sentAt: at.toISOString() });
  }

  async markFailed(c: string, s: string, error: string): Promise<void> {
    await this.wait();
    Object.assign(this.rows.get(this.key(c, s))!, { status: 'failed', error });
  }

  async release(c: string, s: string, claimedAt?: Date): Promise<void> {
    await this.wait();
    const row = this.rows.get(this.key(c, s));
    if (row?.status === 'claimed' && (!claimedAt || row.claimedAt === claimedAt.toISOString())) this.rows.delete(this.key(c, s));
  }

  get(c: string, s: string): Promise<Delivery | undefined> {
    return Promise.resolve(this.rows.get(this.key(c, s)));
  }

  list(c: string): Promise<Delivery[]> {
    return Promise.resolve([...this.rows.values()].filter((r) => r.campaignId === c));
  }
}
