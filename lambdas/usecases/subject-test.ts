/**
 * Deciding an issue's subject test: how each half of the test did, and the subject the rest of
 * the audience gets. The planner (plan-digest.ts) calls it when the wait is over.
 */
import {
  FALLBACK_NOTE,
  fellBack,
  pickWinner,
  testGroup,
  VARIANTS,
  type SubjectTest,
  type Variant,
  type VariantOutcome,
} from '../core/subject-test';
import type { Ledger } from '../core/ports';
import type { ClickCounts, SubjectTests } from '../core/click-ports';

/** Where a test's outcome is read. */
export interface TestOutcomeSources {
  /** Delivered messages and clicks of each half. */
  outcomes(issueId: string, test: SubjectTest): Promise<Record<Variant, VariantOutcome>>;
}

/** Where the decision is logged (the planner's logger); a fallback carries {@link FALLBACK_NOTE}. */
export interface DecisionLog {
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The subject the rest gets: the one recorded, or (the first time) the better one by clicks
 * per delivered message, recorded so that every later run sends the same.
 */
export async function subjectTestWinner(
  deps: SubjectTests & TestOutcomeSources & DecisionLog,
  issueId: string,
  test: SubjectTest,
  now: Date,
): Promise<Variant> {
  const recorded = await deps.get(issueId);
  if (recorded?.winner) return recorded.winner;
  const { winner, rates } = pickWinner(await deps.outcomes(issueId, test));
  const recordedWinner = await deps.decide(issueId, winner, rates, now);
  deps.log?.('subject test decided', { issueId, winner: recordedWinner, rates, ...(fellBack(rates) ? { note: FALLBACK_NOTE } : {}) });
  return recordedWinner;
}

/**
 * Outcomes from the ledger and the click counts: a half's delivered messages are its readers'
 * ledger entries that SES reported delivered (each reader's half is a hash, so no entry needs
 * to store it); its clicks are the redirect's counts for its links.
 */
export function ledgerOutcomes(
  ledger: Pick<Ledger, 'list'>,
  clicks: (issueId: string) => Promise<Record<Variant, number>>,
): TestOutcomeSources {
  return {
    async outcomes(issueId, test) {
      const [entries, clicked] = await Promise.all([ledger.list(issueId), clicks(issueId)]);
      const out = Object.fromEntries(VARIANTS.map((v) => [v, { delivered: 0, clicks: clicked[v] ?? 0 }])) as Record<
        Variant,
        VariantOutcome
      >;
      for (const e of entries) {
        const group = e.deliveredAt ? testGroup(issueId, e.subscriberId, test.sharePercent) : undefined;
        if (group) out[group].delivered++;
      }
      return out;
    },
  };
}

/** Each half's clicks, from the redirect's counts of the issue (counted by variant: click-token.ts). */
export function clicksByVariant(clicks: Pick<ClickCounts, 'list'>) {
  return async (issueId: string): Promise<Record<Variant, number>> => {
    const out: Record<Variant, number> = { a: 0, b: 0 };
    for (const t of await clicks.list(issueId)) if (t.variant === 'a' || t.variant === 'b') out[t.variant] += t.clicks;
    return out;
  };
}

/** What the planner needs for subject tests: the record, and the outcome from the ledger and the clicks. */
export function subjectTestPorts(ports: {
  subjectTests: SubjectTests;
  ledger: Pick<Ledger, 'list'>;
  clicks: Pick<ClickCounts, 'list'>;
  log?: DecisionLog['log'];
}): SubjectTests & TestOutcomeSources & DecisionLog {
  const { subjectTests } = ports;
  return {
    log: ports.log,
    get: (id) => subjectTests.get(id),
    markTestQueued: (id, at, n) => subjectTests.markTestQueued(id, at, n),
    decide: (id, w, r, at) => subjectTests.decide(id, w, r, at),
    ...ledgerOutcomes(ports.ledger, clicksByVariant(ports.clicks)),
  };
}
