/**
 * Scheduling, unscheduling and sending an issue from the console (lambdas/console/pages/send.ts),
 * in two steps: `prepareSend` checks the action by the rules `publish` and the planner apply and
 * says what will happen, to how many readers; `confirmSend` checks again that nothing changed
 * since (the issue, or the audience count) and does it. A sendAt follows publish's rules (the
 * same checks and messages: core/content/send-at.ts, usecases/publish.ts), and is stored with its
 * one-time schedule in publish's order (scheduled before stored). Send now hands the issue to the
 * digest planner (usecases/plan-digest.ts), which alone decides: planned once (plannedAt), each
 * reader once (the ledger), so a retried or doubled request never sends twice.
 */
import { createHash } from 'node:crypto';
import { describeSendAt, readSendAt, sendAtTiming, sentSendAtMessage } from '../core/content/send-at';
import type { AudienceCount, IssueEdits, IssuePlanTrigger } from '../core/desk-send-ports';
import { localInstant } from '../core/local-time';
import type { Article, Issue } from '../core/model';
import { canonicalJson } from '../core/content/versions';
import type { ContentStore, IssueScheduler } from '../core/ports';
import type { SubjectTests } from '../core/click-ports';
import { restDueAt } from '../core/subject-test';

export interface DeskSendDeps {
  content: Pick<ContentStore, 'getIssue' | 'getArticles'>;
  subjectTests: Pick<SubjectTests, 'get'>;
  /** Counts the digest audience. Absent: the step cannot say how many, and refuses. */
  audience?: AudienceCount;
  /** Changes the issue's sendAt in place. */
  edits?: IssueEdits;
  /** Issues' one-time schedules (on AWS; locally the minute check reads the stored sendAt). */
  schedules?: IssueScheduler;
  /** Runs the planner for the issue now. */
  planner?: IssuePlanTrigger;
}

export type SendAction = 'schedule' | 'unschedule' | 'send';
export const SEND_ACTIONS: readonly SendAction[] = ['schedule', 'unschedule', 'send'];

/** What a confirmation shows and carries back: the action, its time, the issue as read and the audience counted. */
export interface SendStep {
  action: SendAction;
  issueId: string;
  /** schedule: the instant (UTC ISO). */
  sendAt?: string;
  /** The issue as read (a digest of the stored item): another publish, schedule or send changes it. */
  version: string;
  audience: number;
  /** When the step was shown (UTC ISO): a confirmation older than {@link CONFIRM_MINUTES} is shown again. */
  shownAt: string;
  /** What will happen, one sentence each. */
  what: string[];
}

/** Minutes a confirmation stays good: a tab left open since morning shows the step again, as it is now. */
export const CONFIRM_MINUTES = 15;

/** Refused: one message, naming the field when one is at fault. */
export class SendRefused extends Error {
  constructor(
    message: string,
    readonly field?: 'sendAt' | 'subjectTest',
  ) {
    super(message);
    this.name = 'SendRefused';
  }
}

/**
 * The stored issue and its articles as they are, as one value: keys sorted at every level, so
 * the same items give the same digest. A confirmation carries it: an article changed after the
 * owner looked changes it too (what goes is the issue with its articles).
 */
export function issueVersion(issue: Issue, articles: readonly Article[] = []): string {
  return createHash('sha256')
    .update(canonicalJson(articles.length ? { issue, articles } : issue))
    .digest('base64url')
    .slice(0, 22);
}

const DATETIME_LOCAL = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/;

/**
 * The sendAt an editor typed, as publish would read it: a date-time with its offset as in the
 * front matter, or the form's `YYYY-MM-DDTHH:MM` read in the newsletter's time zone.
 */
export function sendAtFromForm(text: string, timeZone: string): string {
  const typed = text.trim();
  const m = DATETIME_LOCAL.exec(typed);
  if (!m) return typed;
  try {
    return localInstant(m[1], m[2], timeZone).toISOString();
  } catch {
    // No such day or hour (2027-02-30, 24:10): with an offset, readSendAt checks the fields and says so.
    return `${typed}Z`;
  }
}

/** An issue the planner has queued (or started a subject test of) is past every action here. */
export async function sentOrTesting(deps: Pick<DeskSendDeps, 'subjectTests'>, issue: Issue, doing: string): Promise<string | undefined> {
  const sent = (at: string) => at.slice(0, 16).replace('T', ' ');
  if (issue.plannedAt) return `issue ${issue.id} was already sent on ${sent(issue.plannedAt)} UTC: ${doing}`;
  const test = issue.subjectTest ? await deps.subjectTests.get(issue.id) : undefined;
  if (test?.testQueuedAt && issue.subjectTest)
    return `issue ${issue.id}'s subject test went on ${sent(test.testQueuedAt)} UTC and the rest goes at ${sent(restDueAt(issue.subjectTest, new Date(test.testQueuedAt)).toISOString())} UTC: ${doing}`;
  return undefined;
}

function audienceWords(issue: Issue, audience: number, when: string): string[] {
  const readers = `${audience} reader${audience === 1 ? '' : 's'}`;
  const t = issue.subjectTest;
  if (!t) return [`${when} the digest planner queues issue ${issue.id} for the digest audience: ${readers} now (each reader once).`];
  return [
    `${when} the digest planner queues issue ${issue.id}'s subject test: about ${t.sharePercent} % of the ${readers} now, half with each subject.`,
    `After ${t.waitMinutes / 60} hour(s) the rest gets the subject with more clicks per delivered message.`,
  ];
}

/** The first step: checks the action and says what it will do. Throws SendRefused. */
export async function prepareSend(
  deps: DeskSendDeps,
  issue: Issue,
  action: SendAction,
  input: { sendAt?: string; timeZone: string },
  now: Date,
): Promise<SendStep> {
  const zone = input.timeZone;
  const base = {
    action,
    issueId: issue.id,
    version: issueVersion(issue, await deps.content.getArticles(issue.articleIds)),
    shownAt: now.toISOString(),
  };
  if (action === 'schedule') {
    if (issue.plannedAt) throw new SendRefused(`sendAt: ${sentSendAtMessage(issue.id, issue.plannedAt, issue.sendAt)}`, 'sendAt');
    const late = await sentOrTesting(deps, issue, 'its send time can no longer change');
    if (late) throw new SendRefused(late, 'sendAt');
    const text = sendAtFromForm(input.sendAt ?? '', zone);
    if (!text) throw new SendRefused('sendAt: is required: a date and time in the future', 'sendAt');
    const read = readSendAt(text);
    if ('problem' in read) throw new SendRefused(`sendAt: ${read.problem}`, 'sendAt');
    const timing = sendAtTiming(text, now);
    if (timing.length) throw new SendRefused(`sendAt: ${timing[0].message}`, 'sendAt');
    if (!deps.schedules || !deps.edits)
      throw new SendRefused(
        'sendAt: this target cannot schedule issues (a stack deployed before scheduled issues: deploy it again)',
        'sendAt',
      );
    const sendAt = read.at.toISOString();
    const audience = await count(deps);
    const moved = issue.sendAt ? ` (instead of ${describeSendAt(issue.sendAt, zone).replace('scheduled for ', '')})` : '';
    return {
      ...base,
      sendAt,
      audience,
      what: audienceWords(issue, audience, `${describeSendAt(sendAt, zone).replace('scheduled for', 'At')}${moved},`),
    };
  }
  if (action === 'unschedule') {
    const late = await sentOrTesting(deps, issue, 'nothing to unschedule');
    if (late) throw new SendRefused(late);
    if (!issue.sendAt) throw new SendRefused(`issue ${issue.id} has no send time: nothing to unschedule`);
    if (!deps.edits) throw new SendRefused('this target cannot change issues');
    const audience = await count(deps);
    return {
      ...base,
      audience,
      what: [
        `Its send time is removed (it was ${describeSendAt(issue.sendAt, zone).replace('scheduled for ', '')}), with its one-time schedule.`,
        'It goes back to the weekly digest run, which sends the latest issue only; Send now sends it at once.',
      ],
    };
  }
  const late = await sentOrTesting(deps, issue, 'to send it again, publish it as a new issue with its own id');
  if (late) throw new SendRefused(late);
  if ((await deps.content.getArticles(issue.articleIds)).length === 0)
    throw new SendRefused(`issue ${issue.id} has none of its articles published: publish them first`);
  if (!deps.planner) throw new SendRefused('this console cannot start the digest planner (no planner is set for it)');
  const audience = await count(deps);
  const what = audienceWords(issue, audience, 'Now');
  if (issue.sendAt)
    what.push(`Its send time (${describeSendAt(issue.sendAt, zone).replace('scheduled for ', '')}) then finds it sent and does nothing.`);
  return { ...base, audience, what };
}

async function count(deps: DeskSendDeps): Promise<number> {
  if (!deps.audience) throw new SendRefused('this console cannot count the digest audience');
  return deps.audience.digestAudienceCount();
}

export type ConfirmResult =
  | { status: 'done'; step: SendStep }
  /** The issue or the audience changed since the first step: nothing done; `fresh` is the step as it is now. */
  | { status: 'changed'; why: string; fresh: SendStep };

/** The second step: `posted` is what the editor confirmed. Throws SendRefused (also when the action no longer applies). */
export async function confirmSend(
  deps: DeskSendDeps,
  issue: Issue,
  posted: Pick<SendStep, 'action' | 'version' | 'audience'> & { sendAt?: string; shownAt?: string },
  timeZone: string,
  now: Date,
): Promise<ConfirmResult> {
  const fresh = await prepareSend(deps, issue, posted.action, { sendAt: posted.sendAt, timeZone }, now);
  const shown = Date.parse(posted.shownAt ?? '');
  if (!(shown <= now.getTime() && now.getTime() - shown <= CONFIRM_MINUTES * 60_000))
    return {
      status: 'changed',
      fresh,
      why: `this confirmation was shown more than ${CONFIRM_MINUTES} minutes ago (or is not one this console showed): check it as it is now and confirm again`,
    };
  if (fresh.version !== posted.version)
    return {
      status: 'changed',
      fresh,
      why: `issue ${issue.id} changed since you looked (published, scheduled or sent again, or one of its articles changed): check it and confirm again`,
    };
  if (fresh.audience !== posted.audience)
    return {
      status: 'changed',
      fresh,
      why: `the digest audience is now ${fresh.audience} (it was ${posted.audience}): check and confirm again`,
    };
  const expected = { publishedAt: issue.publishedAt };
  const changed = () => new SendRefused(`issue ${issue.id} changed while this was saved: nothing was changed; look at it again`);
  if (fresh.action === 'schedule') {
    // Scheduled before stored, as publish does: a failure in between leaves a schedule whose run
    // finds no matching sendAt and does nothing, never a stored sendAt with no schedule.
    await deps.schedules!.schedule(issue.id, new Date(fresh.sendAt!));
    if (!(await deps.edits!.changeIssue(issue.id, { sendAt: fresh.sendAt }, expected))) {
      if (issue.sendAt) await deps.schedules!.schedule(issue.id, new Date(issue.sendAt));
      else await deps.schedules!.cancel(issue.id);
      throw changed();
    }
  } else if (fresh.action === 'unschedule') {
    // Stored first, unscheduled after (publish's order): a schedule left behind finds no sendAt and removes itself.
    if (!(await deps.edits!.changeIssue(issue.id, { sendAt: null }, expected))) throw changed();
    await deps.schedules?.cancel(issue.id);
  } else {
    await deps.planner!.planNow(issue.id);
  }
  return { status: 'done', step: fresh };
}
