/**
 * The console's sending rules (usecases/desk-send.ts, desk-subject-test.ts) and Send now's AWS
 * adapter, on plain objects. Tries: a form time read as UTC instead of the newsletter's zone
 * (winter and summer), a day that does not exist, a write that loses the race with a publish
 * (the schedule must go back to what the stored issue says), subject test fields out of range,
 * and an invocation Lambda did not accept.
 */
import { describe, expect, it } from '@jest/globals';
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import { confirmSend, prepareSend, sendAtFromForm, SendRefused, type DeskSendDeps } from '../../lambdas/usecases/desk-send';
import { readSubjectTest } from '../../lambdas/usecases/desk-subject-test';
import { LambdaPlanTrigger } from '../../lambdas/adapters/lambda-plan-trigger';
import type { Issue } from '../../lambdas/core/model';

const NOW = new Date('2026-12-01T10:00:00Z');
const issue = (over: Partial<Issue> = {}): Issue => ({
  kind: 'issue',
  id: 'brief-002',
  newsletter: 'Brief',
  number: 2,
  title: 'Two',
  summary: 's',
  preheader: 'p',
  date: '2026-12-07',
  articleIds: ['a1'],
  publishedAt: '2026-11-30T09:00:00.000Z',
  ...over,
});

function deps(o: { writes?: boolean } = {}) {
  const calls: string[] = [];
  const d: DeskSendDeps = {
    content: { getIssue: () => Promise.resolve(undefined), getArticles: () => Promise.resolve([]) },
    subjectTests: { get: () => Promise.resolve(undefined) },
    audience: { digestAudienceCount: () => Promise.resolve(12), alertAudienceCount: () => Promise.reject(new Error('not in these tests')) },
    edits: { changeIssue: (id, change) => (calls.push(`edit ${id} ${JSON.stringify(change)}`), Promise.resolve(o.writes ?? true)) },
    schedules: {
      schedule: (id, at) => (calls.push(`schedule ${id} ${at.toISOString()}`), Promise.resolve()),
      cancel: (id) => (calls.push(`cancel ${id}`), Promise.resolve()),
    },
  };
  return { d, calls };
}

describe('the form’s send time', () => {
  it('is read in the newsletter’s zone, winter and summer (not as UTC)', () => {
    expect(sendAtFromForm('2027-01-15T09:30', 'Europe/Brussels')).toBe('2027-01-15T08:30:00.000Z');
    expect(sendAtFromForm('2027-07-15T09:30', 'Europe/Brussels')).toBe('2027-07-15T07:30:00.000Z');
    expect(sendAtFromForm('2027-01-15T09:30', 'UTC')).toBe('2027-01-15T09:30:00.000Z');
  });

  it('keeps a time typed with its offset, and a day that does not exist, as typed (publish’s rules then speak)', async () => {
    expect(sendAtFromForm('2027-01-15T09:30+09:00', 'Europe/Brussels')).toBe('2027-01-15T09:30+09:00');
    const { d } = deps();
    await expect(prepareSend(d, issue(), 'schedule', { sendAt: '2027-02-30T09:00', timeZone: 'UTC' }, NOW)).rejects.toThrow(
      'sendAt: is not a real date and time',
    );
  });

  it('more than a year ahead is refused with publish’s message', async () => {
    const { d } = deps();
    await expect(prepareSend(d, issue(), 'schedule', { sendAt: '2028-06-01T09:00', timeZone: 'UTC' }, NOW)).rejects.toThrow(
      /^sendAt: is more than 366 days ahead/,
    );
  });
});

describe('confirming a schedule', () => {
  it('schedules before storing; when the store finds the issue changed, the schedule goes back to the stored time', async () => {
    const stored = issue({ sendAt: '2026-12-05T07:00:00.000Z' });
    const { d, calls } = deps({ writes: false });
    const step = await prepareSend(d, stored, 'schedule', { sendAt: '2026-12-04T08:00', timeZone: 'UTC' }, NOW);
    await expect(confirmSend(d, stored, step, 'UTC', NOW)).rejects.toThrow(SendRefused);
    expect(calls).toEqual([
      'schedule brief-002 2026-12-04T08:00:00.000Z',
      'edit brief-002 {"sendAt":"2026-12-04T08:00:00.000Z"}',
      'schedule brief-002 2026-12-05T07:00:00.000Z',
    ]);
  });

  it('an issue with no send time before loses the new schedule when the store refuses', async () => {
    const { d, calls } = deps({ writes: false });
    const step = await prepareSend(d, issue(), 'schedule', { sendAt: '2026-12-04T08:00', timeZone: 'UTC' }, NOW);
    await expect(confirmSend(d, issue(), step, 'UTC', NOW)).rejects.toThrow('changed while this was saved');
    expect(calls.at(-1)).toBe('cancel brief-002');
  });

  it('unschedule stores first and removes the schedule after (a schedule left behind finds no sendAt)', async () => {
    const stored = issue({ sendAt: '2026-12-05T07:00:00.000Z' });
    const { d, calls } = deps();
    const step = await prepareSend(d, stored, 'unschedule', { timeZone: 'UTC' }, NOW);
    expect(await confirmSend(d, stored, step, 'UTC', NOW)).toMatchObject({ status: 'done' });
    expect(calls).toEqual(['edit brief-002 {"sendAt":null}', 'cancel brief-002']);
  });
});

describe('a confirmation left open', () => {
  it('after 15 minutes (or with no time it was shown) is shown again as it is now, nothing done (mistake: an old tab or a replayed form acting)', async () => {
    const stored = issue({ sendAt: '2026-12-05T07:00:00.000Z' });
    const { d, calls } = deps();
    const step = await prepareSend(d, stored, 'unschedule', { timeZone: 'UTC' }, NOW);
    const late = new Date(NOW.getTime() + 16 * 60_000);
    expect(await confirmSend(d, stored, step, 'UTC', late)).toMatchObject({
      status: 'changed',
      why: expect.stringContaining('shown more than 15 minutes ago'),
      fresh: { shownAt: late.toISOString() },
    });
    expect(await confirmSend(d, stored, { ...step, shownAt: undefined }, 'UTC', NOW)).toMatchObject({ status: 'changed' });
    expect(calls).toEqual([]);
    expect(await confirmSend(d, stored, step, 'UTC', new Date(NOW.getTime() + 14 * 60_000))).toMatchObject({ status: 'done' });
  });
});

describe('the subject test form', () => {
  it('says what publish says, field by field', () => {
    expect(readSubjectTest({ subjects: ['A', 'B'], share: '80', waitHours: '' })).toEqual({
      problems: ['subjectTest.share: must be at most 50: the rest of the audience is what the test is for'],
    });
    expect(readSubjectTest({ subjects: ['Same', 'Same'], share: '', waitHours: '0.1' })).toEqual({
      problems: [
        'subjectTest.waitHours: must be at least 0.25 (15 minutes): clicks need time to come in',
        'subjectTest.subjects.1: is the same as the first subject: nothing to test',
      ],
    });
  });

  it('takes the defaults for blank share and wait', () => {
    expect(readSubjectTest({ subjects: [' A ', 'B'], share: '', waitHours: '' })).toEqual({
      test: { subjects: ['A', 'B'], sharePercent: 20, waitMinutes: 240 },
    });
  });
});

describe('Send now on AWS', () => {
  it('invokes the planner asynchronously (Event) with the issue id only', async () => {
    const sent: InvokeCommand[] = [];
    const trigger = new LambdaPlanTrigger(
      { send: (c: InvokeCommand) => (sent.push(c), Promise.resolve({ StatusCode: 202 })) } as never,
      'arn:planner',
    );
    await trigger.planNow('brief-002');
    expect(sent[0].input.FunctionName).toBe('arn:planner');
    expect(sent[0].input.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(sent[0].input.Payload as Uint8Array))).toEqual({ issueId: 'brief-002' });
  });

  it('fails when Lambda did not accept the event (a synchronous answer means it ran, or was refused)', async () => {
    const trigger = new LambdaPlanTrigger({ send: () => Promise.resolve({ StatusCode: 200 }) } as never, 'arn:planner');
    await expect(trigger.planNow('brief-002')).rejects.toThrow('did not take the event');
  });
});
