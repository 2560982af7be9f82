/**
 * Ports for what readers' clicks tell: the click counts behind the redirect, and the subject
 * test decided on them (core/subject-test.ts). Beside core/ports.ts, by concern.
 */
import type { Variant } from './subject-test';

/** One article's clicks in a campaign (per subject variant when the campaign has variants). */
export interface ClickTally {
  articleId: string;
  variant?: string;
  clicks: number;
}

/** Clicks through the redirect, counted per campaign and article; nobody's clicks unless asked. */
export interface ClickCounts {
  /** Add one click (an atomic add on the campaign's click item). */
  count(campaignId: string, articleId: string, variant?: string): Promise<void>;
  /**
   * Per-reader mode only: note on the reader's own ledger entry that they clicked the article
   * (so a privacy export shows it and an erasure removes it). Never creates an entry.
   */
  noteReader(campaignId: string, subscriberId: string, articleId: string): Promise<void>;
  /** Every article's count in the campaign. */
  list(campaignId: string): Promise<ClickTally[]>;
}

/** What an issue's subject test has recorded (core/subject-test.ts). */
export interface SubjectTestRecord {
  /** When the test's share was queued: the wait counts from here. */
  testQueuedAt?: string;
  /** How many readers the test's share had. */
  testRecipients?: number;
  /** The subject the rest gets, once decided. */
  winner?: Variant;
  /** Clicks per delivered message of each subject when the winner was decided. */
  rates?: Record<Variant, number>;
  decidedAt?: string;
}

/** Where a subject test keeps its progress, beside the campaign's counters. */
export interface SubjectTests {
  get(issueId: string): Promise<SubjectTestRecord | undefined>;
  /**
   * Record the test's share as queued, unless it already was (a retried run): returns the time
   * recorded first, from which the wait counts.
   */
  markTestQueued(issueId: string, at: Date, recipients: number): Promise<Date>;
  /**
   * Record the winner unless one is recorded: returns the recorded one, so a retried or
   * concurrent run sends the rest the same subject.
   */
  decide(issueId: string, winner: Variant, rates: Record<Variant, number>, at: Date): Promise<Variant>;
}
