import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AUDIT_ACTIONS,
  auditExpiry,
  auditKey,
  auditMonthPartition,
  auditMonths,
  auditPartition,
  type AuditEntry,
  type AuditLog,
} from '../../core/audit';
import { EXPIRES_AT } from '../../core/lifecycle';

/** Most distinct targets a minute's refusal entry lists. */
const MAX_TARGETS = 20;

/** Where a page of {@link DynamoAuditLog.recent} left off: the month and the last entry's sort key. */
interface Cursor {
  month: string;
  after?: string;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decode(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    return typeof c.month === 'string' && /^\d{4}-\d{2}$/.test(c.month) && (c.after === undefined || typeof c.after === 'string')
      ? c
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console's audit log in the Deliveries table (core/audit.ts): one `#audit#<month>`
 * partition a month, sorted by time, each entry with `expiresAt` so DynamoDB's TTL removes it
 * after the retention. A page is read month by month, newest first, with Query alone.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly days: number,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const at = new Date(entry.at);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...auditKey(at), ...entry, [EXPIRES_AT]: auditExpiry(at, this.days) },
        // The key is new (time and a random suffix): never over another item.
        ConditionExpression: 'attribute_not_exists(campaignId)',
      }),
    );
  }

  async refused(entry: AuditEntry): Promise<void> {
    const at = new Date(entry.at);
    const who = createHash('sha256').update(entry.who.toLowerCase()).digest('hex').slice(0, 16);
    const update = (withTarget: boolean) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          // The minute's entry of this editor: sorted with the others by its minute.
          Key: { campaignId: auditPartition(at), subscriberId: `${entry.at.slice(0, 16)}:00.000Z#refused#${who}` },
          UpdateExpression:
            'SET #at = if_not_exists(#at, :at), #who = if_not_exists(#who, :who), #role = if_not_exists(#role, :role), ' +
            '#action = :action, #target = if_not_exists(#target, :target), #detail = if_not_exists(#detail, :detail), ' +
            `#exp = if_not_exists(#exp, :exp) ADD #repeats :one${withTarget ? ', #targets :targets' : ''}`,
          // Every target of the minute, so a harmless first refusal cannot hide the later ones; at
          // most MAX_TARGETS, so a flood cannot grow the item without end (it is still counted).
          ...(withTarget && { ConditionExpression: 'attribute_not_exists(#targets) OR size(#targets) < :most' }),
          ExpressionAttributeNames: {
            '#at': 'at',
            '#who': 'who',
            '#role': 'role',
            '#action': 'action',
            '#target': 'target',
            '#detail': 'detail',
            '#exp': EXPIRES_AT,
            '#repeats': 'repeats',
            ...(withTarget && { '#targets': 'targets' }),
          },
          ExpressionAttributeValues: {
            ':at': entry.at,
            ':who': entry.who,
            ':role': entry.role,
            ':action': 'refused',
            ':target': (entry.target ?? '').slice(0, 200),
            ':detail': (entry.detail ?? '').slice(0, 200),
            ':exp': auditExpiry(at, this.days),
            ':one': 1,
            ...(withTarget && { ':targets': new Set([(entry.target || '-').slice(0, 120)]), ':most': MAX_TARGETS }),
          },
        }),
      );
    try {
      await update(true);
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      await update(false);
    }
  }

  async recent(now: Date, limit: number, cursor?: string): Promise<{ rows: AuditEntry[]; next?: string }> {
    const from = decode(cursor);
    const months = auditMonths(now, this.days);
    const start = from ? months.indexOf(from.month) : 0;
    const rows: AuditEntry[] = [];
    for (let i = Math.max(0, start); i < months.length; i++) {
      const month = months[i];
      let after = i === start ? from?.after : undefined;
      for (;;) {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: after ? 'campaignId = :p AND subscriberId < :after' : 'campaignId = :p',
            ExpressionAttributeValues: { ':p': auditMonthPartition(month), ...(after && { ':after': after }) },
            ScanIndexForward: false,
            Limit: limit - rows.length,
          }),
        );
        for (const item of out.Items ?? []) {
          rows.push(toEntry(item));
          after = item.subscriberId as string;
        }
        if (rows.length >= limit) return { rows, next: encode({ month, after }) };
        if (!out.LastEvaluatedKey) break;
      }
    }
    return { rows };
  }
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const action = AUDIT_ACTIONS.find((a) => a === item.action) ?? 'refused';
  return {
    at: text(item.at) ?? '',
    who: text(item.who) ?? '',
    role: text(item.role) ?? '',
    action,
    target: text(item.target),
    detail: text(item.detail),
    ...(typeof item.repeats === 'number' && item.repeats > 1 && { repeats: item.repeats }),
    ...(item.targets instanceof Set && item.targets.size > 1 && { targets: [...(item.targets as Set<string>)].sort() }),
  };
}
