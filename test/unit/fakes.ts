/** In-memory implementations of the ports, for unit tests of use-cases (no module mocking). */
import { audienceShard, inAlertAudience, inDigestAudience, matchedTopics } from '../../lambdas/core/audience';
import { mailboxKey } from '../../lambdas/core/keys';
import type { Article, Delivery, Issue, SendJob, Subscriber } from '../../lambdas/core/model';
import type {
  AlertAudienceRow,
  AlertCaps,
  AudiencePage,
  ReaderAlertHistory,
  ClaimResult,
  Clock,
  ContentStore,
  Ledger,
  Mailer,
  RawMail,
  SendQueue,
  IssueScheduler,
  SchedulePurpose,
  SubscriptionStore,
} from '../../lambdas/core/ports';
import type { SubjectTestRecord, SubjectTests } from '../../lambdas/core/click-ports';
import type { Variant } from '../../lambdas/core/subject-test';
import type { ArchiveSnapshot } from '../../lambdas/core/archive-snapshot';
import { addressKey } from '../../lambdas/core/address';

export const fixedClock = (iso = '2026-11-28T10:00:00Z'): Clock => ({ now: () => new Date(iso) });

export class MemoryContent implements ContentStore {
  items = new Map<string, Article | Issue>();
  put(item: Article | Issue) {
    const prev = this.items.get(`${item.kind}#${item.id}`) as Issue | undefined;
    const prevArticle = this.items.get(`${item.kind}#${item.id}`) as Article | undefined;
    this.items.set(`${item.kind}#${item.id}`, {
      ...item,
      ...(prev?.plannedAt ? { plannedAt: prev.plannedAt } : {}),
      ...(prevArticle?.alertedAt ? { alertedAt: prevArticle.alertedAt } : {}),
    });
    return Promise.resolve();
  }
  getIssue(id: string) {
    return Promise.resolve(this.items.get(`issue#${id}`) as Issue | undefined);
  }
  getArticles(ids: string[]) {
    return Promise.resolve(ids.flatMap((id) => (this.items.has(`article#${id}`) ? [this.items.get(`article#${id}`) as Article] : [])));
  }
  private issues = () => [...this.items.values()].filter((i): i is Issue => i.kind === 'issue');
  latestIssue() {
    return Promise.resolve(this.issues().sort((a, b) => b.date.localeCompare(a.date))[0]);
  }
  unsentIssuesFrom(date: string) {
    return Promise.resolve(
      this.issues()
        .filter((i) => !i.plannedAt && i.date >= date)
        .sort((a, b) => a.date.localeCompare(b.date)),
    );
  }
  markArticleAlerted(id: string, at: Date) {
    const a = this.items.get(`article#${id}`) as Article | undefined;
    if (!a || a.alertedAt) return Promise.resolve(false);
    a.alertedAt = at.toISOString();
    return Promise.resolve(true);
  }
  async markIssuePlanned(id: string, at: Date) {
    const i = await this.getIssue(id);
    if (!i || i.plannedAt) return false;
    i.plannedAt = at.toISOString();
    return true;
  }
  snapshots = new Map<string, ArchiveSnapshot>();
  getArchiveSnapshot(issueId: string) {
    return Promise.resolve(this.snapshots.get(issueId));
  }
  putArchiveSnapshot(snapshot: ArchiveSnapshot, options: { replace: boolean }) {
    if (!options.replace && this.snapshots.has(snapshot.issueId)) return Promise.resolve(false);
    this.snapshots.set(snapshot.issueId, structuredClone(snapshot));
    return Promise.resolve(true);
  }
}

/**
 * The Subscribers table in memory, keyed as DynamoDB keys it (an address's lower-cased form),
 * with the conditional changes and erasure markers of the subscription store.
 */
export class MemorySubscribers implements SubscriptionStore {
  byEmail = new Map<string, Subscriber>();
  erased = new Map<string, string>();
  pageCalls = 0;
  upsert(s: Subscriber) {
    const e = this.byEmail.get(addressKey(s.email));
    const merged = e ? { ...s, subscriberId: e.subscriberId, createdAt: e.createdAt } : s;
    this.byEmail.set(addressKey(s.email), merged);
    return Promise.resolve(merged);
  }
  getByEmail(email: string) {
    return Promise.resolve(this.byEmail.get(addressKey(email)));
  }
  getById(id: string) {
    return Promise.resolve([...this.byEmail.values()].find((s) => s.subscriberId === id));
  }
  async unsubscribe(id: string, at: Date) {
    const s = await this.getById(id);
    if (!s) return false;
    if (s.status === 'unsubscribed') {
      if (s.confirmTokenHash !== undefined) s.declinedAt = at.toISOString();
      delete s.resubscription;
    } else {
      s.status = 'unsubscribed';
      s.unsubscribedAt = at.toISOString();
    }
    delete s.confirmTokenHash;
    delete s.confirmExpiresAt;
    return true;
  }
  create(s: Subscriber) {
    if (this.byEmail.has(s.email)) return Promise.resolve(false);
    this.byEmail.set(s.email, { ...s });
    return Promise.resolve(true);
  }
  change(
    current: Subscriber,
    patch: Partial<Subscriber>,
    options: { remove?: (keyof Subscriber)[]; expect?: Partial<Record<keyof Subscriber, unknown>> } = {},
  ) {
    const stored = this.byEmail.get(current.email);
    if (!stored || stored.subscriberId !== current.subscriberId) return Promise.resolve(undefined);
    for (const [k, v] of Object.entries(options.expect ?? {})) {
      const have = stored[k as keyof Subscriber];
      if (v === null || v === undefined ? have !== undefined : JSON.stringify(have) !== JSON.stringify(v))
        return Promise.resolve(undefined);
    }
    const next: Subscriber = { ...stored, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    for (const f of options.remove ?? []) delete next[f];
    this.byEmail.set(current.email, next);
    return Promise.resolve({ ...next });
  }
  remove(key: string) {
    this.byEmail.delete(key);
    if (key.startsWith('erased#')) this.erased.delete(key.slice('erased#'.length));
    if (key.startsWith('erased#')) this.saidNo.delete(key.slice('erased#'.length));
    return Promise.resolve();
  }
  addressKeyCheck?: string;
  checkAddressKey(check: string) {
    if (this.addressKeyCheck === undefined) {
      this.addressKeyCheck = check;
      return Promise.resolve('stored' as const);
    }
    return Promise.resolve(this.addressKeyCheck === check ? ('matches' as const) : ('differs' as const));
  }
  inboxMembers(mailbox: string) {
    return Promise.resolve([...this.byEmail.values()].filter((s) => mailboxKey(s.email) === mailbox));
  }
  markErased(digest: string, at: Date) {
    this.erased.set(digest, at.toISOString());
    this.saidNo.delete(digest);
    return Promise.resolve();
  }
  saidNo = new Map<string, string>();
  markSaidNo(digest: string, saidNo: string, at: Date) {
    if (!this.erased.has(digest)) {
      this.erased.set(digest, at.toISOString());
      this.saidNo.set(digest, saidNo);
    }
    return Promise.resolve();
  }
  isErased(digests: readonly string[]) {
    const digest = digests.find((d) => this.erased.has(d));
    const saidNo = digest === undefined ? undefined : this.saidNo.get(digest);
    return Promise.resolve(digest ? { erasedAt: this.erased.get(digest)!, digest, ...(saidNo !== undefined && { saidNo }) } : undefined);
  }
  alertPageCalls: AlertPageCall[] = [];
  alertAudiencePage(
    shard: number,
    topics: string[],
    cursor: string | undefined,
    limit: number,
  ): Promise<{ rows: AlertAudienceRow[]; next?: string }> {
    this.alertPageCalls.push({ shard, topics });
    const all = [...this.byEmail.values()]
      .filter((s) => inAlertAudience(s) && audienceShard(s.subscriberId) === shard && matchedTopics(s.topics, topics).length > 0)
      .sort((a, b) => a.subscriberId.localeCompare(b.subscriberId));
    const start = cursor ? Number(cursor) : 0;
    return Promise.resolve({
      rows: all
        .slice(start, start + limit)
        .map((s) => ({ subscriberId: s.subscriberId, email: s.email, topics: s.topics, timezone: s.timezone })),
      next: start + limit < all.length ? String(start + limit) : undefined,
    });
  }
  digestAudiencePage(shard: number, cursor: string | undefined, limit: number): Promise<AudiencePage> {
    this.pageCalls++;
    const all = [...this.byEmail.values()]
      .filter((s) => inDigestAudience(s) && audienceShard(s.subscriberId) === shard)
      .sort((a, b) => a.subscriberId.localeCompare(b.subscriberId));
    const start = cursor ? Number(cursor) : 0;
    const page = all.slice(start, start + limit);
    return Promise.resolve({
      recipients: page.map((s) => ({ subscriberId: s.subscriberId, email: s.email })),
      next: start + limit < all.length ? String(start + limit) : undefined,
    });
  }
}

export interface AlertPageCall {
  shard: number;
  topics: string[];
}

/** A ledger row, with the marks the in-memory alert history keeps on it. */
type LedgerRow = Delivery & { waitingFor?: string; inDigest?: string };

export class MemoryLedger implements Ledger {
  rows = new Map<string, LedgerRow>();
  private key = (c: string, s: string) => `${c}|${s}`;
  claim(c: string, s: string, at: Date, staleBefore?: Date): Promise<ClaimResult> {
    const row = this.rows.get(this.key(c, s));
    const stale = row?.status === 'claimed' && staleBefore !== undefined && row.claimedAt < staleBefore.toISOString();
    if (row && !stale) return Promise.resolve(row.status === 'claimed' ? 'in-flight' : 'already-sent');
    this.rows.set(this.key(c, s), { campaignId: c, subscriberId: s, status: 'claimed', claimedAt: at.toISOString() });
    return Promise.resolve(stale ? 'reclaimed' : 'claimed');
  }
  markSuppressed(c: string, s: string, at: Date) {
    if (this.rows.has(this.key(c, s))) return Promise.resolve(false);
    this.rows.set(this.key(c, s), { campaignId: c, subscriberId: s, status: 'suppressed', claimedAt: at.toISOString() });
    return Promise.resolve(true);
  }
  markSent(c: string, s: string, id: string, at: Date) {
    Object.assign(this.rows.get(this.key(c, s))!, { status: 'sent', sesMessageId: id, sentAt: at.toISOString() });
    return Promise.resolve();
  }
  markFailed(c: string, s: string, error: string) {
    Object.assign(this.rows.get(this.key(c, s))!, { status: 'failed', error });
    return Promise.resolve();
  }
  release(c: string, s: string, claimedAt?: Date) {
    const row = this.rows.get(this.key(c, s));
    if (row?.status === 'claimed' && (!claimedAt || row.claimedAt === claimedAt.toISOString())) this.rows.delete(this.key(c, s));
    return Promise.resolve();
  }
  get(c: string, s: string) {
    return Promise.resolve(this.rows.get(this.key(c, s)));
  }
  list(c: string) {
    return Promise.resolve([...this.rows.values()].filter((r) => r.campaignId === c));
  }
}

/** A ledger that also claims whole batches, as the DynamoDB one does with a transaction. */
export class BatchClaimingLedger extends MemoryLedger {
  batchCalls: string[][] = [];
  claimNew(c: string, ids: string[], at: Date): Promise<Set<string>> {
    this.batchCalls.push(ids);
    const claimed = new Set<string>();
    // All-or-nothing per call, retried without the ids that already have an entry: the end
    // result is that exactly the ids without an entry are claimed.
    for (const s of ids) {
      if (this.rows.has(`${c}|${s}`)) continue;
      this.rows.set(`${c}|${s}`, { campaignId: c, subscriberId: s, status: 'claimed', claimedAt: at.toISOString() });
      claimed.add(s);
    }
    return Promise.resolve(claimed);
  }
}

/** Records every send; `fail` decides, per call, whether (and how) a send throws. */
export class RecordingMailer implements Mailer {
  sent: { to: string; raw: Buffer }[] = [];
  calls = 0;
  constructor(private readonly fail: (to: string, call: number) => Error | undefined = () => undefined) {}
  async sendRaw(input: RawMail) {
    // As SES does: the send slot first, and nothing sent when it throws.
    await input.beforeSend?.();
    const err = this.fail(input.to, ++this.calls);
    if (err) throw err;
    this.sent.push({ to: input.to, raw: input.raw });
    return { messageId: `m-${this.sent.length}` };
  }
}

export class MemoryQueue implements SendQueue {
  jobs: SendJob[] = [];
  calls = 0;
  /** The delay of each call (undefined: none). */
  delays: (number | undefined)[] = [];
  enqueue(jobs: SendJob[], options?: { delayMs?: number }) {
    this.calls++;
    this.delays.push(options?.delayMs);
    this.jobs.push(...jobs);
    return Promise.resolve();
  }
}

export function sesError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

export class MemoryAlertCaps implements AlertCaps {
  days = new Map<string, Set<string>>();
  admit(subscriberId: string, day: string, articleId: string, cap: number) {
    const key = `${day}|${subscriberId}`;
    const set = this.days.get(key) ?? new Set<string>();
    if (!set.has(articleId) && set.size >= cap) return Promise.resolve(false);
    set.add(articleId);
    this.days.set(key, set);
    return Promise.resolve(true);
  }
}

/**
 * Caps that also count many readers at once, as the DynamoDB one does with a transaction.
 * `unsure` readers are reported in neither set (the store could not tell), so the planner must
 * ask about them one by one.
 */
export class BatchAdmittingAlertCaps extends MemoryAlertCaps {
  batchCalls = 0;
  singleCalls = 0;
  unsure = new Set<string>();
  async admit(subscriberId: string, day: string, articleId: string, cap: number) {
    this.singleCalls++;
    return super.admit(subscriberId, day, articleId, cap);
  }
  async admitMany(readers: { subscriberId: string; day: string }[], articleId: string, cap: number) {
    this.batchCalls++;
    const admitted = new Set<string>();
    const refused = new Set<string>();
    for (const r of readers) {
      if (this.unsure.has(r.subscriberId)) continue;
      ((await super.admit(r.subscriberId, r.day, articleId, cap)) ? admitted : refused).add(r.subscriberId);
    }
    return { admitted, refused };
  }
}

/** Alert history kept in a MemoryLedger's rows, as the DynamoDB adapter keeps it in the ledger. */
export class MemoryAlertHistory implements ReaderAlertHistory {
  constructor(readonly ledger: MemoryLedger) {}
  async defer(articleId: string, subscriberId: string, at: Date) {
    if (await this.ledger.get(articleId, subscriberId)) return;
    this.ledger.rows.set(`${articleId}|${subscriberId}`, {
      campaignId: articleId,
      subscriberId,
      status: 'deferred',
      claimedAt: at.toISOString(),
      waitingFor: subscriberId,
    } as never);
  }
  deferred(subscriberIds: string[]) {
    const out = new Map<string, string[]>();
    for (const row of this.ledger.rows.values()) {
      if (row.waitingFor && subscriberIds.includes(row.waitingFor))
        out.set(row.waitingFor, [...(out.get(row.waitingFor) ?? []), row.campaignId]);
    }
    return Promise.resolve(out);
  }
  anyDeferred() {
    return Promise.resolve([...this.ledger.rows.values()].some((row) => row.waitingFor));
  }
  alerted(articleIds: string[], subscriberIds: string[]) {
    const out = new Map<string, Set<string>>();
    for (const row of this.ledger.rows.values()) {
      if (row.status === 'sent' && articleIds.includes(row.campaignId) && subscriberIds.includes(row.subscriberId)) {
        out.set(row.subscriberId, new Set([...(out.get(row.subscriberId) ?? []), row.campaignId]));
      }
    }
    return Promise.resolve(out);
  }
  resolveDeferred(subscriberId: string, articleIds: string[], digestId: string) {
    for (const id of articleIds) {
      const row = this.ledger.rows.get(`${id}|${subscriberId}`);
      if (row) {
        delete row.waitingFor;
        row.inDigest = digestId;
      }
    }
    return Promise.resolve();
  }
}

/** A subject test's record, kept in memory (the DynamoDB one sits on the campaign's summary item). */
export class MemorySubjectTests implements SubjectTests {
  records = new Map<string, SubjectTestRecord>();
  get(issueId: string) {
    return Promise.resolve(this.records.get(issueId));
  }
  markTestQueued(issueId: string, at: Date, recipients: number) {
    const r = this.records.get(issueId) ?? {};
    if (!r.testQueuedAt) this.records.set(issueId, { ...r, testQueuedAt: at.toISOString(), testRecipients: recipients });
    return Promise.resolve(new Date(this.records.get(issueId)!.testQueuedAt!));
  }
  decide(issueId: string, winner: Variant, rates: Record<Variant, number>, at: Date) {
    const r = this.records.get(issueId) ?? {};
    if (!r.winner) this.records.set(issueId, { ...r, winner, rates, decidedAt: at.toISOString() });
    return Promise.resolve(this.records.get(issueId)!.winner!);
  }
}

/** Issues' one-time schedules in memory: the time each issue is scheduled for, and every call in order. */
export class MemoryIssueScheduler implements IssueScheduler {
  schedules = new Map<string, Date>();
  calls: string[] = [];
  /** A subject test's rest schedules, by issue (a schedule of their own). */
  rests = new Map<string, Date>();
  schedule(issueId: string, at: Date, purpose: SchedulePurpose = 'send') {
    this.calls.push(`schedule ${purpose === 'rest' ? 'rest ' : ''}${issueId} ${at.toISOString()}`);
    (purpose === 'rest' ? this.rests : this.schedules).set(issueId, at);
    return Promise.resolve();
  }
  cancel(issueId: string, purpose: SchedulePurpose = 'send') {
    this.calls.push(`cancel ${purpose === 'rest' ? 'rest ' : ''}${issueId}`);
    (purpose === 'rest' ? this.rests : this.schedules).delete(issueId);
    return Promise.resolve();
  }
}
