/**
 * `editors invite|list|remove`: who may sign in to the editor's desk, and as what. The address
 * goes through the project's address rules (core/address.ts) and is the account's username in
 * its compared form (lower case), so one person has one account whatever case they are typed in.
 */
import { addressKey, normaliseEmail, signupAddressProblem } from '../core/address';
import { type Editor, type EditorDirectory, EditorInputError, type EditorRole, parseRole } from '../core/editors';

export interface EditorsDeps {
  directory: EditorDirectory;
}

export type InviteResult =
  /** A new account: Cognito mailed the invitation (temporary password), and the role is set. */
  | { kind: 'invited'; email: string; role: EditorRole }
  /** The address has an account already, in this role: nothing changed. */
  | { kind: 'exists'; email: string; role: EditorRole; status: string }
  /** The address has an account already: its role is now the one given. */
  | { kind: 'role-changed'; email: string; from?: EditorRole; role: EditorRole; status: string }
  /** `--resend`: the invitation of an account not yet signed in to was sent again. */
  | { kind: 'resent'; email: string; role: EditorRole };

/** Cognito's status of an account whose owner has not signed in yet (the temporary password is unused). */
export const NOT_SIGNED_IN = 'FORCE_CHANGE_PASSWORD';

/** The address as the user pool keys it, or an {@link EditorInputError} saying what is wrong with it. */
export function editorEmail(input: string): string {
  let email: string;
  try {
    email = normaliseEmail(input);
  } catch (e) {
    throw new EditorInputError((e as Error).message);
  }
  // The invitation must arrive: no reserved test domains, no spreadsheet formulas.
  const problem = signupAddressProblem(email);
  if (problem) throw new EditorInputError(`cannot invite ${email}: ${problem}`);
  return addressKey(email);
}

/**
 * Invite `input` as `roleInput`. An address that has an account already is not invited again:
 * the answer says so, and sets the role given when it differs. With `resend`, an account whose
 * owner has not signed in yet gets its invitation (a new temporary password) again.
 */
export async function inviteEditor(
  deps: EditorsDeps,
  input: string,
  roleInput: unknown,
  options: { resend?: boolean } = {},
): Promise<InviteResult> {
  const role = parseRole(roleInput);
  const email = editorEmail(input);
  let existing = await deps.directory.get(email);
  if (!existing) {
    if ((await deps.directory.invite(email)) === 'invited') {
      await deps.directory.setRole(email, role);
      return { kind: 'invited', email, role };
    }
    // Made by someone else between the look-up and now: go on as for an existing account.
    existing = await deps.directory.get(email);
    if (!existing) throw new Error(`the user pool says ${email} exists but does not return it; try again`);
  }
  if (options.resend) {
    if (existing.status !== NOT_SIGNED_IN) {
      throw new EditorInputError(`${email} has signed in already (${existing.status}): there is no invitation to send again`);
    }
    await deps.directory.invite(email, { resend: true });
    if (existing.role !== role) await deps.directory.setRole(email, role, existing.role);
    return { kind: 'resent', email, role };
  }
  const { role: from, status } = existing;
  if (from === role) return { kind: 'exists', email, role, status };
  await deps.directory.setRole(email, role, from);
  return { kind: 'role-changed', email, from, role, status };
}

/** Every editor, by address. */
export async function listEditors(deps: EditorsDeps): Promise<Editor[]> {
  const all = await deps.directory.list();
  return all.sort((a, b) => a.email.localeCompare(b.email));
}

export type RemoveResult = { removed: true; email: string; role?: EditorRole } | { removed: false; email: string };

/** Delete the account of `input`; `removed: false` when the address has none. */
export async function removeEditor(deps: EditorsDeps, input: string): Promise<RemoveResult> {
  let email: string;
  try {
    email = addressKey(normaliseEmail(input));
  } catch (e) {
    throw new EditorInputError((e as Error).message);
  }
  const existing = await deps.directory.get(email);
  if (!existing) return { removed: false, email };
  const removed = await deps.directory.remove(email);
  return removed ? { removed: true, email, role: existing.role } : { removed: false, email };
}
