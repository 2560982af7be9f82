/**
 * The subject A/B test of an issue. Pure: node:crypto only.
 *
 * An issue may carry two subjects. A test share of its digest audience (default 20 %) is split
 * in two halves, each half gets one subject; after a wait (default 4 hours) the rest of the
 * audience gets the subject with more clicks per delivered message (the first subject on a
 * tie, or when neither half has a delivered message yet).
 *
 * A reader's group is a hash of the issue and the reader's id, not a stored choice: every part
 * (planner, sender, stats) finds the same group for the same reader without a read, a retried
 * run puts each reader in the same group again, and the ledger (one entry per issue and
 * reader, whatever the subject) still lets each reader get exactly one copy.
 */
import { createHash } from 'node:crypto';

/** The two subjects: `a` is the first one given, `b` the second. */
export type Variant = 'a' | 'b';
export const VARIANTS: readonly Variant[] = ['a', 'b'];

/** Percent of the audience in the test, split evenly between the two subjects. */
export const DEFAULT_TEST_SHARE_PERCENT = 20;
/** How long the test runs before the rest of the audience is sent the winner. */
export const DEFAULT_TEST_WAIT_MINUTES = 4 * 60;

/** An issue's subject test, as stored with the issue. */
export interface SubjectTest {
  /** The first subject (`a`) and the second (`b`). */
  subjects: [string, string];
  /** Percent of the audience in the test, 2–100 (each subject gets half of it). */
  sharePercent: number;
  /** Minutes between the test's send and the rest's. */
  waitMinutes: number;
}

/**
 * The reader's place in the test: `a` or `b` (in the test share, one half each), or undefined
 * (the rest, sent the winner). Uniform over readers: the first 32 bits of SHA-256 of the issue
 * and reader ids.
 */
export function testGroup(issueId: string, subscriberId: string, sharePercent: number): Variant | undefined {
  const u = createHash('sha256').update(`${issueId}\n${subscriberId}`).digest().readUInt32BE(0) / 2 ** 32;
  const share = Math.min(100, Math.max(0, sharePercent)) / 100;
  if (u < share / 2) return 'a';
  if (u < share) return 'b';
  return undefined;
}

/** What one subject's half of the test has shown so far. */
export interface VariantOutcome {
  /** Messages SES reported delivered. */
  delivered: number;
  /** Clicks on the issue's links (through the project's redirect) from this half. */
  clicks: number;
}

/** Clicks per delivered message (0 when nothing was delivered). */
export const clickRate = (o: VariantOutcome) => (o.delivered > 0 ? o.clicks / o.delivered : 0);

/**
 * The winner: the subject with more clicks per delivered message; `a` (the first subject) on
 * a tie, including a test where nothing was delivered or clicked.
 */
export function pickWinner(outcomes: Record<Variant, VariantOutcome>): { winner: Variant; rates: Record<Variant, number> } {
  const rates = { a: clickRate(outcomes.a), b: clickRate(outcomes.b) };
  return { winner: rates.b > rates.a ? 'b' : 'a', rates };
}

/** What `stats`, `report` and the planner's log say of a test that no delivery or click decided. */
export const FALLBACK_NOTE = 'no delivery or click data: fell back to the first subject';

/**
 * Whether the decision had nothing to go on: neither half had a click per delivered message
 * (nothing delivered, or nothing clicked), so the first subject won by default, not on merit.
 */
export const fellBack = (rates: Record<Variant, number> | undefined): boolean => rates !== undefined && rates.a === 0 && rates.b === 0;

/** A click rate as shown: three decimals, or "—" when nothing was delivered (no rate, not a rate of 0). */
export const rateText = (clicks: number, delivered: number): string => (delivered > 0 ? (clicks / delivered).toFixed(3) : '—');

/** When the rest of the audience is due: the wait after the test was queued. */
export function restDueAt(test: Pick<SubjectTest, 'waitMinutes'>, testQueuedAt: Date): Date {
  return new Date(testQueuedAt.getTime() + test.waitMinutes * 60_000);
}
