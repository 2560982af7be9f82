import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isComplete, zeroCounters, type CampaignProgress, type CampaignState, type Counters } from '../../core/campaign-status';
import { summaryKey } from '../../core/keys';
import type { CampaignCounters } from '../../core/ports';
import { campaignPartition } from './query';

/**
 * Per-campaign counters as one item per campaign ({@link summaryKey}, beside its ledger
 * entries), updated with atomic ADDs: the sender adds once per invocation, the sum of its
 * batches (send-batch `invocationCounters`), so even at 1,000 messages a second the item takes
 * a few writes a second, well under an item's 1,000.
 */
export class DynamoCampaignCounters implements CampaignCounters {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(campaignId: string, delta: Partial<Counters>, at: Date): Promise<void> {
    const entries = Object.entries(delta).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':at': at.toISOString() };
    const adds = entries.map(([k, v], i) => {
      names[`#c${i}`] = k;
      values[`:c${i}`] = v;
      return `#c${i} :c${i}`;
    });
    // lastSentAt lets a pause end by itself: a campaign is paused while its pause is newer.
    const sets = ['updatedAt = :at', ...((delta.sent ?? 0) > 0 ? ['lastSentAt = :at'] : [])];
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async startPlanning(campaignId: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: 'SET #st = :planning, updatedAt = :at, startedAt = if_not_exists(startedAt, :at)',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':planning': 'planning', ':at': at.toISOString() },
      }),
    );
  }

  async finishPlanning(campaignId: string, planned: number, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: 'SET #st = :queued, planned = :n, updatedAt = :at',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':queued': 'queued', ':n': planned, ':at': at.toISOString() },
      }),
    );
  }

  async setState(campaignId: string, state: CampaignState, at: Date, reason?: string): Promise<void> {
    // A pause is recorded as its time (see get()); other states replace the state.
    const paused = state === 'paused';
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: paused ? 'SET pausedAt = :at, reason = :r, updatedAt = :at' : 'SET #st = :s, updatedAt = :at',
        ...(paused ? {} : { ExpressionAttributeNames: { '#st': 'state' } }),
        ExpressionAttributeValues: paused
          ? { ':at': at.toISOString(), ':r': reason ?? 'paused' }
          : { ':s': state, ':at': at.toISOString() },
      }),
    );
  }

  async reconcile(campaignId: string, at: Date): Promise<CampaignProgress | undefined> {
    const before = await this.get(campaignId);
    if (!before) return undefined;
    const final = { sent: 0, failed: 0, suppressed: 0 };
    // One paged Query of the campaign's own partition (small items: about 25,000 read units
    // for a million recipients), reading only the status.
    for (const item of await campaignPartition(this.db, this.table, campaignId, 'status')) {
      const status = item.status as string | undefined;
      if (status === 'sent' || status === 'failed' || status === 'suppressed') final[status]++;
    }
    const raise = (Object.keys(final) as (keyof typeof final)[]).filter((k) => final[k] > before[k]);
    if (raise.length === 0) return before;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: `SET ${raise.map((k) => `#${k} = :${k}`).join(', ')}, updatedAt = :at`,
        ExpressionAttributeNames: Object.fromEntries(raise.map((k) => [`#${k}`, k])),
        ExpressionAttributeValues: { ...Object.fromEntries(raise.map((k) => [`:${k}`, final[k]])), ':at': at.toISOString() },
      }),
    );
    return this.get(campaignId);
  }

  async get(campaignId: string): Promise<CampaignProgress | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: summaryKey(campaignId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const i = out.Item as Record<string, unknown>;
    const counters = zeroCounters();
    for (const k of Object.keys(counters) as (keyof typeof counters)[]) counters[k] = Number(i[k] ?? 0);
    const pausedAt = i.pausedAt as string | undefined;
    const lastSentAt = i.lastSentAt as string | undefined;
    const progress: CampaignProgress = {
      campaignId,
      ...counters,
      state: (i.state as CampaignState | undefined) ?? 'queued',
      planned: i.planned === undefined ? undefined : Number(i.planned),
      startedAt: i.startedAt as string | undefined,
      updatedAt: i.updatedAt as string | undefined,
    };
    if (isComplete(progress)) progress.state = 'done';
    else if (pausedAt && (!lastSentAt || pausedAt > lastSentAt)) {
      progress.state = 'paused';
      progress.reason = i.reason as string | undefined;
    }
    return progress;
  }
}
