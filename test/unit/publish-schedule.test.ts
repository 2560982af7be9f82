/**
 * Publishing an issue with `sendAt` makes its one-time schedule; a new time moves it; a
 * re-publish without one removes it; a publish that fails validation schedules nothing.
 */
import { publish, PublishError, type SourceFile } from '../../lambdas/usecases/publish';
import { sampleIssueFiles, SAMPLE_ISSUE_ID } from '../../lib/local/sample-content';
import { fixedClock, MemoryContent, MemoryIssueScheduler } from './fakes';

const clock = fixedClock('2026-11-28T10:00:00Z');

/** The sample issue's files, with `extra` lines added to the issue's front matter. */
function sampleWith(...extra: string[]): SourceFile[] {
  return sampleIssueFiles().map((f) =>
    /^type: issue$/m.test(f.text) ? { ...f, text: f.text.replace(/^type: issue$/m, ['type: issue', ...extra].join('\n')) } : f,
  );
}

function setup() {
  return { content: new MemoryContent(), schedules: new MemoryIssueScheduler(), clock };
}

describe('publish with sendAt', () => {
  it('schedules the issue at its sendAt on the first publish, and stores the time in UTC', async () => {
    const deps = setup();
    const r = await publish(deps, sampleWith('sendAt: 2026-12-03T07:00:00+01:00'));
    expect(r.scheduled).toEqual([{ issueId: SAMPLE_ISSUE_ID, sendAt: '2026-12-03T06:00:00.000Z' }]);
    expect(deps.schedules.calls).toEqual([`schedule ${SAMPLE_ISSUE_ID} 2026-12-03T06:00:00.000Z`]);
    expect((await deps.content.getIssue(SAMPLE_ISSUE_ID))?.sendAt).toBe('2026-12-03T06:00:00.000Z');
  });

  it('moves the schedule when the issue is published again with a new time', async () => {
    const deps = setup();
    await publish(deps, sampleWith('sendAt: 2026-12-03T07:00:00+01:00'));
    await publish(deps, sampleWith('sendAt: 2026-12-04T09:30:00+01:00'));
    expect(deps.schedules.schedules).toEqual(new Map([[SAMPLE_ISSUE_ID, new Date('2026-12-04T08:30:00Z')]]));
    expect((await deps.content.getIssue(SAMPLE_ISSUE_ID))?.sendAt).toBe('2026-12-04T08:30:00.000Z');
  });

  it('removes the schedule when the issue is published again without sendAt, and the issue goes back to the weekly run', async () => {
    const deps = setup();
    await publish(deps, sampleWith('sendAt: 2026-12-03T07:00:00+01:00'));
    const r = await publish(deps, sampleIssueFiles());
    expect(r.scheduled).toEqual([]);
    expect(deps.schedules.calls.at(-1)).toBe(`cancel ${SAMPLE_ISSUE_ID}`);
    expect(deps.schedules.schedules.size).toBe(0);
    expect(await deps.content.getIssue(SAMPLE_ISSUE_ID)).not.toHaveProperty('sendAt');
  });

  it('makes no scheduler call for an issue that never had a sendAt', async () => {
    const deps = setup();
    await publish(deps, sampleIssueFiles());
    await publish(deps, sampleIssueFiles());
    expect(deps.schedules.calls).toEqual([]);
  });

  it('schedules nothing and writes nothing when a file fails validation (sendAt without offset)', async () => {
    const deps = setup();
    const err = await publish(deps, sampleWith('sendAt: 2026-12-03T07:00:00')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/issues\/.*\.md:3: sendAt: must give its offset from UTC/);
    expect(deps.schedules.calls).toEqual([]);
    expect(deps.content.items.size).toBe(0);
  });

  it('schedules nothing when another file of the same publish is refused (a valid sendAt, a broken article)', async () => {
    const deps = setup();
    const files = sampleWith('sendAt: 2026-12-03T07:00:00+01:00');
    const broken = files.map((f, i) =>
      i === files.findIndex((x) => /^type: article$/m.test(x.text)) ? { ...f, text: f.text.replace(/^title: .*$/m, 'title: ""') } : f,
    );
    await expect(publish(deps, broken)).rejects.toThrow(/title: must not be empty/);
    expect(deps.schedules.calls).toEqual([]);
    expect(deps.content.items.size).toBe(0);
  });

  it('refuses sendAt where the target cannot schedule (a stack deployed before scheduled issues), writing nothing', async () => {
    const content = new MemoryContent();
    await expect(publish({ content, clock }, sampleWith('sendAt: 2026-12-03T07:00:00+01:00'))).rejects.toThrow(
      /sendAt: this target cannot schedule issues/,
    );
    expect(content.items.size).toBe(0);
  });

  it('refuses a new sendAt for an issue already sent, scheduling nothing', async () => {
    const deps = setup();
    await publish(deps, sampleIssueFiles());
    await deps.content.markIssuePlanned(SAMPLE_ISSUE_ID, clock.now());
    await expect(publish(deps, sampleWith('sendAt: 2026-12-03T07:00:00+01:00'))).rejects.toThrow(/sendAt: issue .* was already sent/);
    expect(deps.schedules.calls).toEqual([]);
  });
});
