/**
 * An issue's subject test set from the console (owners and editors): the two subjects, the share
 * and the wait, checked by the front matter's own field (core/content/subject-test-field.ts) so
 * a mistake reads as publish says it (`subjectTest.share: must be at most 50: …`), and stored on
 * the issue in place. Refused once the issue or its test went.
 */
import { subjectTestField } from '../core/content/subject-test-field';
import { oneMessageEach, toProblems } from '../core/content/field-problems';
import type { IssueEdits } from '../core/desk-send-ports';
import type { Issue } from '../core/model';
import type { SubjectTest } from '../core/subject-test';
import { sentOrTesting, SendRefused, type DeskSendDeps } from './desk-send';

/** The form as typed: two subjects, the share in percent and the wait in hours (blank: the defaults). */
export interface SubjectTestForm {
  subjects: string[];
  share: string;
  waitHours: string;
}

/** Problems with the form, as publish words them for the front matter (`subjectTest.<field>: <message>`). */
export function readSubjectTest(form: SubjectTestForm): { test: SubjectTest } | { problems: string[] } {
  const number = (text: string) => (text.trim() === '' ? undefined : Number.isNaN(Number(text)) ? text.trim() : Number(text));
  const data = {
    // A blank box is no subject (as a front matter list without it), not an empty one.
    subjects: form.subjects.map((s) => s.trim()).filter(Boolean),
    ...(number(form.share) !== undefined && { share: number(form.share) }),
    ...(number(form.waitHours) !== undefined && { waitHours: number(form.waitHours) }),
  };
  const r = subjectTestField.safeParse(data);
  if (r.success) return { test: r.data };
  const problems = oneMessageEach(r.error.issues.flatMap((i) => toProblems(i, subjectTestField)));
  return { problems: problems.map((p) => `subjectTest${p.path === 'front matter' ? '' : `.${p.path}`}: ${p.message}`) };
}

/** Store (or with `test` undefined, remove) the issue's subject test. Throws SendRefused. */
export async function saveSubjectTest(
  deps: Pick<DeskSendDeps, 'subjectTests'> & { edits?: IssueEdits },
  issue: Issue,
  test: SubjectTest | undefined,
): Promise<void> {
  const late = await sentOrTesting(deps, issue, 'its subject test can no longer change');
  if (late) throw new SendRefused(late, 'subjectTest');
  if (!deps.edits) throw new SendRefused('this target cannot change issues', 'subjectTest');
  if (!(await deps.edits.changeIssue(issue.id, { subjectTest: test ?? null }, { publishedAt: issue.publishedAt })))
    throw new SendRefused(`issue ${issue.id} changed while this was saved: nothing was changed; look at it again`, 'subjectTest');
}
