/**
 * The console's desk (lambdas/console/desk.ts) in memory, for unit tests of the handler and its
 * routes: content from MemoryContent, an audit log and a sending state that keep what is written;
 * no campaign has counters, ledger entries or clicks.
 */
import type { AuditEntry, AuditLog } from '../../lambdas/core/audit';
import type { Desk } from '../../lambdas/console/desk';
import type { Article, Issue } from '../../lambdas/core/model';
import type { SendingPause, SendingState } from '../../lambdas/core/sending-state';
import type { Draft } from '../../lambdas/core/drafts';
import { MemoryContent } from './fakes';

export class MemoryAudit implements AuditLog {
  entries: AuditEntry[] = [];
  record(entry: AuditEntry) {
    this.entries.push(entry);
    return Promise.resolve();
  }
  refused(entry: AuditEntry) {
    return this.record({ ...entry, action: 'refused' });
  }
  recent(_now: Date, limit: number) {
    return Promise.resolve({ rows: [...this.entries].reverse().slice(0, limit) });
  }
}

export interface MemoryDesk extends Desk {
  audit: MemoryAudit;
  content: MemoryContent;
  state: SendingState;
}

export function memoryDesk(now: Date, pause?: SendingPause): MemoryDesk {
  const content = new MemoryContent();
  const state: SendingState = pause ? { pause } : {};
  const ofKind = <K extends 'article' | 'issue'>(kind: K) =>
    [...content.items.values()].filter((i) => i.kind === kind).sort((a, b) => b.date.localeCompare(a.date));
  const drafts = new Map<string, Draft>();
  const ids = { contentIds: (kind: 'article' | 'issue') => Promise.resolve(ofKind(kind).map((i) => i.id)) };
  return {
    clock: { now: () => now },
    drafts: {
      getDraft: (kind, key) => Promise.resolve(drafts.get(`${kind}#${key}`)),
      putDraft: (d) => Promise.resolve(void drafts.set(`${d.kind}#${d.key}`, structuredClone(d))),
      deleteDraft: (kind, key) => Promise.resolve(void drafts.delete(`${kind}#${key}`)),
    },
    editing: {
      content,
      ids,
      settings: { getSettings: () => Promise.resolve(undefined), putSettings: () => Promise.reject(new Error('not in these tests')) },
    },
    audit: new MemoryAudit(),
    auditDays: 400,
    testSends: { perHour: 50, take: () => Promise.resolve(true) },
    doctor: { latest: () => Promise.resolve(undefined) },
    confirmations: { use: () => Promise.resolve(true) },
    content,
    state,
    ids,
    catalog: {
      page: <K extends 'article' | 'issue'>(kind: K) =>
        Promise.resolve({ rows: ofKind(kind) as unknown as (K extends 'issue' ? Issue : Article)[] }),
    },
    counters: { get: () => Promise.resolve(undefined) },
    ledger: { list: () => Promise.resolve([]) },
    clicks: { list: () => Promise.resolve([]) },
    subjectTests: { get: () => Promise.resolve(undefined) },
    sending: {
      get: () => Promise.resolve(structuredClone(state)),
      buckets: () => Promise.resolve([]),
      resume: () => {
        const before = state.pause;
        delete state.pause;
        return Promise.resolve(before);
      },
    },
  };
}
