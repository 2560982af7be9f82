/**
 * The people who run the newsletter from the editor's desk, and what each may do. A role is a
 * Cognito group of the stack's user pool (lib/constructs/editors.ts); the `editors` commands
 * (usecases/editors.ts) manage them through the {@link EditorDirectory} port. Pure.
 */
import { didYouMean } from './did-you-mean';

/**
 * The roles, most powerful first: an owner sends, resumes and manages readers and editors; an
 * editor writes, previews and tests; a viewer reads. The order is the groups' precedence
 * (0 = owner): Cognito names the lowest-numbered group of a user first in their tokens.
 */
export const EDITOR_ROLES = ['owner', 'editor', 'viewer'] as const;

export type EditorRole = (typeof EDITOR_ROLES)[number];

/** One editor as the user pool holds them. */
export interface Editor {
  /** The sign-in address (the user pool's username: sign-in is by email). */
  email: string;
  /** The editor's role; undefined when the user is in none of the role groups (made by hand in the console). */
  role?: EditorRole;
  /** Cognito's account status: FORCE_CHANGE_PASSWORD until the first sign-in, then CONFIRMED. */
  status: string;
  /** False when the account was disabled (it cannot sign in). */
  enabled: boolean;
  createdAt?: Date;
}

/** The user pool, as the `editors` commands see it (adapters/cognito-editors.ts on AWS). */
export interface EditorDirectory {
  /** The editor signing in with `email` (a normalised, lower-cased address), or undefined. */
  get(email: string): Promise<Editor | undefined>;
  /**
   * Create the account and send the invitation mail (a temporary password), or with `resend`
   * send the invitation of an account not yet signed in to again. 'exists' when the address
   * already has an account (and `resend` was not asked).
   */
  invite(email: string, options?: { resend?: boolean }): Promise<'invited' | 'exists'>;
  /** Put the editor in the group of `role`, and out of the other role groups. */
  setRole(email: string, role: EditorRole, current?: EditorRole): Promise<void>;
  /** Every editor, in no particular order. */
  list(): Promise<Editor[]>;
  /** Delete the account (its sessions end when their tokens expire); false when there was none. */
  remove(email: string): Promise<boolean>;
}

/** A role or email given to an `editors` command that cannot be used; the message says what to type instead. */
export class EditorInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditorInputError';
  }
}

/** The role `input` names (any case, surrounding spaces ignored), or an {@link EditorInputError} listing the roles. */
export function parseRole(input: unknown): EditorRole {
  const typed = typeof input === 'string' ? input.trim().toLowerCase() : '';
  if ((EDITOR_ROLES as readonly string[]).includes(typed)) return typed as EditorRole;
  const hint = typeof input === 'string' ? didYouMean(input, EDITOR_ROLES) : '';
  const shown = input === undefined ? 'no role' : `role ${JSON.stringify(input)}`;
  throw new EditorInputError(`${shown} is not one of ${EDITOR_ROLES.join(', ')}${hint}: give --role owner|editor|viewer`);
}
