/**
 * One pacer per SES account on this machine. `npm start`, a `cli send-digest` started beside it,
 * and a process restarted while the one it replaces is still sending all share one account and
 * one rate, but each has a pacer of its own: two of them sending at once would send at twice the
 * rate. A local sender process sends only while it holds the lease, an item beside the account's
 * sending state in the Deliveries table (`#sending` / `#local-sender`), so one pacer sends at a
 * time. On AWS the senders divide the rate among themselves instead (rate / maxConcurrency).
 *
 * The lease lasts {@link LEASE_MS} from its last renewal, and is renewed as the holder sends; a
 * holder that stops sending (done, or killed) lets it lapse, and a waiting process takes it then.
 * Every write is conditional on the stored holder and expiry, so two processes never both hold it.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../lambdas/adapters/dynamodb/conditional';
import { SENDING_PARTITION } from '../../lambdas/core/keys';

/**
 * How long a lease lasts after its last renewal: a killed holder blocks the others this long at
 * most. Renewed at half of it, so a holder whose renewal is slow (a busy machine) keeps it.
 */
export const LEASE_MS = 10_000;
const KEY = { campaignId: SENDING_PARTITION, subscriberId: '#local-sender' };

export interface SenderLeaseOptions {
  /** Who holds it: this process, unless a test names two. */
  owner?: string;
  leaseMs?: number;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told once each time this process starts waiting for another holder. */
  onWait?: (holder: string, untilMs: number) => void;
}

export class SenderLease {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private heldUntil = -Infinity;
  private taking: Promise<void> | undefined;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: SenderLeaseOptions = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves once this process holds the lease (at once while it holds it with half its time left). */
  hold(): Promise<void> {
    if (this.heldUntil - this.now() > this.leaseMs / 2) return Promise.resolve();
    // One renewal for every send that asks at once.
    this.taking ??= this.take().finally(() => (this.taking = undefined));
    return this.taking;
  }

  /** Give the lease up at once (a clean stop), if this process holds it: another need not wait for it to lapse. */
  async release(): Promise<void> {
    if (this.heldUntil === -Infinity) return;
    this.heldUntil = -Infinity;
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: KEY,
          ConditionExpression: '#o = :me',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':me': this.owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async take(): Promise<void> {
    let waiting = false;
    for (;;) {
      const at = this.now();
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...KEY, owner: this.owner, untilMs: at + this.leaseMs, expiresAt: Math.ceil((at + this.leaseMs) / 1000) + 3600 },
            ConditionExpression: 'attribute_not_exists(campaignId) OR #o = :me OR untilMs < :now',
            ExpressionAttributeNames: { '#o': 'owner' },
            ExpressionAttributeValues: { ':me': this.owner, ':now': at },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.heldUntil = at + this.leaseMs;
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The item the condition found, in DynamoDB's own form (the document client leaves errors as they are).
        const held = (error as { Item?: { owner?: { S?: string }; untilMs?: { N?: string } } }).Item;
        const until = Number(held?.untilMs?.N ?? at);
        if (!waiting) this.options.onWait?.(held?.owner?.S ?? 'another process', until);
        waiting = true;
        // Until the other holder's lease ends, and at most a second: it may be renewed meanwhile.
        await this.sleep(Math.min(1_000, Math.max(10, until - at + 10)));
      }
    }
  }
}
