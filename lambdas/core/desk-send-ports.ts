/**
 * What the console's sending actions need beyond the content store (lambdas/usecases/desk-send.ts):
 * the planner run for one issue now, the digest audience counted, and an issue's sending fields
 * changed in place. Adapters: adapters/lambda-plan-trigger.ts and adapters/dynamodb/desk-send.ts
 * on AWS; lib/local/console.ts runs the planner in `npm start`'s own process.
 */
import type { SubjectTest } from './subject-test';

/** Runs the digest planner for one issue now, without waiting for it (the planner's own rules decide). */
export interface IssuePlanTrigger {
  planNow(issueId: string): Promise<void>;
}

/** How many readers the digest goes to now (the sparse digest audience index, counted). */
export interface AudienceCount {
  digestAudienceCount(): Promise<number>;
  /** How many readers a breaking article on `topics` alerts now (the alert audience index, matched as the alert planner matches). */
  alertAudienceCount(topics: readonly string[]): Promise<number>;
}

/** The sending fields of an issue the console changes; `null` removes one. */
export interface IssueSendingChange {
  sendAt?: string | null;
  subjectTest?: SubjectTest | null;
}

/**
 * Changes an issue's sending fields in place, only if it is still as read: the same publish
 * (`publishedAt`), not yet planned. False when it changed or went in between (nothing written).
 */
export interface IssueEdits {
  changeIssue(id: string, change: IssueSendingChange, expected: { publishedAt: string }): Promise<boolean>;
}
