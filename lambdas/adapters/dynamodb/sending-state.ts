/**
 * The account-wide sending state (core/sending-brake.ts) in the Deliveries table, so it needs
 * no table of its own and every function that sends or hears SES events already may use it:
 *
 *   campaignId `#sending`, subscriberId `#state`               the pause (one item), and the reputation override
 *   campaignId `#sending`, subscriberId `bucket#<ISO hour>`    sends, bounces, complaints of that hour (ADDs)
 *   campaignId <issue>,    subscriberId `#summary`             + `bounced`, `complained` beside the campaign's counters
 *
 * Every change to the pause is a conditional write, so two senders tripping at once open it
 * once, only one holds the probe, and only the probe's holder closes or re-opens it. The key
 * formats are built by core/keys.ts.
 */
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bucketKey, bucketStart, SENDING_PARTITION, sendingStateKey, summaryKey } from '../../core/keys';
import type { Bucket, BucketCounts, ReputationOverride, SendingPause, SendingState, SendingStateStore } from '../../core/sending-state';
import type { CampaignReputation } from '../../core/reputation';
import { writeIf } from './conditional';

/** Buckets are kept three days (the quota looks back 24 hours): `expiresAt` for DynamoDB's TTL. */
const BUCKET_TTL_S = 3 * 24 * 3600;

const PAUSE_FIELDS = ['pauseKind', 'reason', 'code', 'openedAt', 'retryAt', 'step', 'probeBy', 'probeUntil'] as const;

export class DynamoSendingState implements SendingStateStore, CampaignReputation {
  private readonly key = sendingStateKey();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(): Promise<SendingState> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }));
    const i = out.Item as Record<string, unknown> | undefined;
    if (!i) return {};
    const state: SendingState = {};
    if (i.pauseKind) {
      state.pause = {
        kind: i.pauseKind as SendingPause['kind'],
        reason: (i.reason as string | undefined) ?? '',
        code: i.code as string | undefined,
        openedAt: String(i.openedAt),
        retryAt: i.retryAt as string | undefined,
        step: Number(i.step ?? 0),
        probeBy: i.probeBy as string | undefined,
        probeUntil: i.probeUntil as string | undefined,
      };
    }
    if (i.overrideAt) {
      state.override = {
        at: i.overrideAt as string,
        bucketStart: Number(i.overrideBucketStart),
        snapshot: i.overrideSnapshot as BucketCounts,
      };
    }
    return state;
  }

  /** SET the pause's fields, REMOVE those it leaves out, under `condition`; false when the condition failed. */
  private async write(
    pause: SendingPause | undefined,
    condition?: string,
    values: Record<string, unknown> = {},
    extra?: { set?: Record<string, unknown>; remove?: string[] },
  ): Promise<boolean> {
    const fields: Record<string, unknown> = pause
      ? {
          pauseKind: pause.kind,
          reason: pause.reason,
          code: pause.code,
          openedAt: pause.openedAt,
          retryAt: pause.retryAt,
          step: pause.step,
        }
      : {};
    const set = Object.entries({ ...fields, ...extra?.set }).filter(([, v]) => v !== undefined);
    const remove = [...PAUSE_FIELDS.filter((f) => fields[f] === undefined), ...(extra?.remove ?? [])];
    const names: Record<string, string> = {};
    const vals: Record<string, unknown> = { ...values };
    const setParts = set.map(([k, v], n) => ((names[`#s${n}`] = k), (vals[`:s${n}`] = v), `#s${n} = :s${n}`));
    const removeParts = remove.map((k, n) => ((names[`#r${n}`] = k), `#r${n}`));
    for (const m of (condition ?? '').match(/#\w+/g) ?? []) names[m] ??= m.slice(1);
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: [
          setParts.length ? `SET ${setParts.join(', ')}` : '',
          removeParts.length ? `REMOVE ${removeParts.join(', ')}` : '',
        ]
          .join(' ')
          .trim(),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(vals).length ? vals : undefined,
      }),
    );
  }

  /**
   * Replace an address quoted in the pause's reason (SES names the address it refused), in any
   * capitals, with `replacement`: an erasure leaves it nowhere. True when the reason named it.
   */
  async scrub(address: string, replacement: string): Promise<boolean> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }));
    const reason: unknown = out.Item?.reason;
    if (typeof reason !== 'string') return false;
    const scrubbed = reason.replace(new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), replacement);
    if (scrubbed === reason) return false;
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: 'SET #r = :new',
        ConditionExpression: '#r = :old',
        ExpressionAttributeNames: { '#r': 'reason' },
        ExpressionAttributeValues: { ':new': scrubbed, ':old': reason },
      }),
    );
  }

  open(pause: SendingPause): Promise<boolean> {
    // The reputation brake overrides an account pause (it needs an operator); nothing else
    // replaces an open pause.
    if (pause.kind === 'reputation')
      return this.write(pause, 'attribute_not_exists(#pauseKind) OR #pauseKind <> :rep', { ':rep': 'reputation' });
    return this.write(pause, 'attribute_not_exists(#pauseKind)');
  }

  takeProbe(by: string, now: Date, until: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: 'SET probeBy = :by, probeUntil = :until',
        ConditionExpression: '#k IN (:a, :q) AND retryAt <= :now AND (attribute_not_exists(probeUntil) OR probeUntil < :now)',
        ExpressionAttributeNames: { '#k': 'pauseKind' },
        ExpressionAttributeValues: { ':by': by, ':until': until.toISOString(), ':now': now.toISOString(), ':a': 'account', ':q': 'quota' },
      }),
    );
  }

  async reopen(by: string, pause: SendingPause): Promise<void> {
    await this.write(pause, '#probeBy = :by', { ':by': by });
  }

  async releaseProbe(by: string): Promise<void> {
    // Only the holder's own probe: another sender may have taken it over since.
    await writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: 'REMOVE probeBy, probeUntil',
        ConditionExpression: 'probeBy = :by',
        ExpressionAttributeValues: { ':by': by },
      }),
    );
  }

  async closeByProbe(by: string): Promise<void> {
    await this.write(undefined, '#probeBy = :by', { ':by': by });
  }

  async resume(at: Date, override?: ReputationOverride): Promise<SendingPause | undefined> {
    const before = (await this.get()).pause;
    await this.write(
      undefined,
      undefined,
      {},
      override
        ? {
            set: {
              overrideAt: override.at,
              overrideBucketStart: override.bucketStart,
              overrideSnapshot: override.snapshot,
              resumedAt: at.toISOString(),
            },
          }
        : { set: { resumedAt: at.toISOString() } },
    );
    return before;
  }

  async addCounts(bucketStart: number, delta: Partial<BucketCounts>): Promise<void> {
    const adds = Object.entries(delta).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (adds.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaignId: SENDING_PARTITION, subscriberId: bucketKey(bucketStart) },
        UpdateExpression: `ADD ${adds.map(([k]) => `${k} :${k}`).join(', ')} SET expiresAt = if_not_exists(expiresAt, :exp)`,
        ExpressionAttributeValues: {
          ...Object.fromEntries(adds.map(([k, v]) => [`:${k}`, v])),
          ':exp': Math.floor(bucketStart / 1000) + BUCKET_TTL_S,
        },
      }),
    );
  }

  async buckets(since: number, until: number): Promise<Bucket[]> {
    // One Query of the small `#sending` partition: 25 hourly items at most for a day.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'campaignId = :p AND subscriberId BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':p': SENDING_PARTITION, ':a': bucketKey(since - (since % 3_600_000)), ':b': bucketKey(until) },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      start: bucketStart(String(i.subscriberId)),
      sends: Number(i.sends ?? 0),
      bounces: Number(i.bounces ?? 0),
      complaints: Number(i.complaints ?? 0),
    }));
  }

  async addCampaign(campaignId: string, delta: { bounced?: number; complained?: number }): Promise<void> {
    const adds = Object.entries(delta).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (adds.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        UpdateExpression: `ADD ${adds.map(([k]) => `${k} :${k}`).join(', ')}`,
        ExpressionAttributeValues: Object.fromEntries(adds.map(([k, v]) => [`:${k}`, v])),
      }),
    );
  }

  async campaignCounts(campaignId: string): Promise<BucketCounts | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: summaryKey(campaignId),
        ProjectionExpression: 'sent, bounced, complained',
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    return { sends: Number(out.Item.sent ?? 0), bounces: Number(out.Item.bounced ?? 0), complaints: Number(out.Item.complained ?? 0) };
  }
}
