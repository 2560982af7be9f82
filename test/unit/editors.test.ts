/**
 * `editors invite|list|remove` (lambdas/usecases/editors.ts) against an in-memory user pool that
 * keeps the port's contract (core/editors.ts): the address rules and the role are checked before
 * the pool is asked anything, a second invite never makes a second account, and removing someone
 * who is not an editor says so. The last test runs the real CLI without --stack.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Editor, type EditorDirectory, EditorInputError, type EditorRole, parseRole } from '../../lambdas/core/editors';
import { inviteEditor, listEditors, NOT_SIGNED_IN, removeEditor } from '../../lambdas/usecases/editors';
import { LOCAL_NOTE } from '../../bin/cli/editors';

/** A user pool in memory: accounts by username, and every call made, in order. */
class FakePool implements EditorDirectory {
  readonly users = new Map<string, Editor>();
  readonly calls: string[] = [];
  /** Accounts another owner makes between our look-up and our create (the race). */
  readonly madeMeanwhile = new Set<string>();

  add(email: string, role: EditorRole | undefined, status = 'CONFIRMED'): void {
    this.users.set(email, { email, role, status, enabled: true });
  }
  get(email: string): Promise<Editor | undefined> {
    this.calls.push(`get ${email}`);
    const u = this.users.get(email);
    return Promise.resolve(u && { ...u });
  }
  invite(email: string, options: { resend?: boolean } = {}): Promise<'invited' | 'exists'> {
    this.calls.push(`invite ${email}${options.resend ? ' resend' : ''}`);
    if (this.madeMeanwhile.delete(email)) {
      this.add(email, 'viewer', NOT_SIGNED_IN);
      return Promise.resolve('exists');
    }
    if (options.resend) return Promise.resolve('invited');
    if (this.users.has(email)) return Promise.resolve('exists');
    this.add(email, undefined, NOT_SIGNED_IN);
    return Promise.resolve('invited');
  }
  setRole(email: string, role: EditorRole): Promise<void> {
    this.calls.push(`role ${email} ${role}`);
    const u = this.users.get(email);
    if (!u) return Promise.reject(new Error(`setRole on ${email}, which has no account`));
    u.role = role;
    return Promise.resolve();
  }
  list(): Promise<Editor[]> {
    this.calls.push('list');
    return Promise.resolve([...this.users.values()]);
  }
  remove(email: string): Promise<boolean> {
    this.calls.push(`remove ${email}`);
    return Promise.resolve(this.users.delete(email));
  }
}

describe('roles', () => {
  it('accepts the three roles in any case', () => {
    expect(parseRole(' Owner ')).toBe('owner');
    expect(parseRole('editor')).toBe('editor');
    expect(parseRole('VIEWER')).toBe('viewer');
  });

  it.each([
    ['a misspelt role (suggests the one meant)', 'ownr', /role "ownr" is not one of owner, editor, viewer \(did you mean "owner"\?\)/],
    ['a role that does not exist', 'admin', /role "admin" is not one of owner, editor, viewer: give --role/],
    ['no role at all', undefined, /no role is not one of/],
  ])('refuses %s, naming the roles', (_, input, message) => {
    expect(() => parseRole(input)).toThrow(EditorInputError);
    expect(() => parseRole(input)).toThrow(message);
  });
});

describe('editors invite', () => {
  it('creates the account under the lower-cased address and puts it in the role group', async () => {
    const pool = new FakePool();
    const r = await inviteEditor({ directory: pool }, ' Ann@Example.ORG ', 'editor');
    expect(r).toEqual({ kind: 'invited', email: 'ann@example.org', role: 'editor' });
    expect(pool.calls).toEqual(['get ann@example.org', 'invite ann@example.org', 'role ann@example.org editor']);
  });

  it.each([
    ['a header injection (CRLF)', 'ann@example.org\r\nBcc: x@example.org', /control character/],
    ['two @', 'ann@@example.org', /invalid email address/],
    ['a reserved domain (the invitation would never arrive)', 'ann@news.example', /reserved domain/],
    ['a spreadsheet formula', '=cmd@example.org', /formula/],
  ])('refuses %s before asking the pool anything', async (_, email, message) => {
    const pool = new FakePool();
    await expect(inviteEditor({ directory: pool }, email, 'owner')).rejects.toThrow(message);
    expect(pool.calls).toEqual([]);
  });

  it('refuses a bad role before asking the pool anything (mistake: the account made, then the role failing)', async () => {
    const pool = new FakePool();
    await expect(inviteEditor({ directory: pool }, 'ann@example.org', 'boss')).rejects.toThrow(EditorInputError);
    expect(pool.calls).toEqual([]);
  });

  it('says an existing editor exists, in the same role, and neither invites nor changes anything', async () => {
    const pool = new FakePool();
    pool.add('ann@example.org', 'owner');
    const r = await inviteEditor({ directory: pool }, 'ANN@example.org', 'owner');
    expect(r).toEqual({ kind: 'exists', email: 'ann@example.org', role: 'owner', status: 'CONFIRMED' });
    expect(pool.calls).toEqual(['get ann@example.org']);
  });

  it('changes the role of an existing editor invited with another one, and sends no second invitation', async () => {
    const pool = new FakePool();
    pool.add('ann@example.org', 'viewer');
    const r = await inviteEditor({ directory: pool }, 'ann@example.org', 'editor');
    expect(r).toMatchObject({ kind: 'role-changed', from: 'viewer', role: 'editor' });
    expect(pool.calls.filter((c) => c.startsWith('invite'))).toEqual([]);
    expect(pool.users.get('ann@example.org')?.role).toBe('editor');
  });

  it('goes on as for an existing account when someone made it between the look-up and the create (the race)', async () => {
    const pool = new FakePool();
    pool.madeMeanwhile.add('ann@example.org');
    const r = await inviteEditor({ directory: pool }, 'ann@example.org', 'owner');
    expect(r).toMatchObject({ kind: 'role-changed', from: 'viewer', role: 'owner' });
    expect(pool.calls.filter((c) => c.startsWith('invite'))).toHaveLength(1);
  });

  it('sends the invitation again with --resend only to someone who has not signed in yet', async () => {
    const pool = new FakePool();
    pool.add('new@example.org', 'editor', NOT_SIGNED_IN);
    pool.add('old@example.org', 'editor', 'CONFIRMED');
    expect(await inviteEditor({ directory: pool }, 'new@example.org', 'editor', { resend: true })).toEqual({
      kind: 'resent',
      email: 'new@example.org',
      role: 'editor',
    });
    expect(pool.calls).toContain('invite new@example.org resend');
    await expect(inviteEditor({ directory: pool }, 'old@example.org', 'editor', { resend: true })).rejects.toThrow(/has signed in already/);
    expect(pool.calls).not.toContain('invite old@example.org resend');
  });
});

describe('editors list and remove', () => {
  it('lists every editor by address', async () => {
    const pool = new FakePool();
    pool.add('zoe@example.org', 'viewer');
    pool.add('ann@example.org', 'owner');
    expect((await listEditors({ directory: pool })).map((e) => `${e.email} ${e.role}`)).toEqual([
      'ann@example.org owner',
      'zoe@example.org viewer',
    ]);
  });

  it('removes an editor (typed in another case) and says which role they had', async () => {
    const pool = new FakePool();
    pool.add('ann@example.org', 'editor');
    expect(await removeEditor({ directory: pool }, 'Ann@EXAMPLE.org')).toEqual({ removed: true, email: 'ann@example.org', role: 'editor' });
    expect(pool.users.has('ann@example.org')).toBe(false);
  });

  it('says an unknown address is not an editor, and deletes nothing', async () => {
    const pool = new FakePool();
    pool.add('ann@example.org', 'owner');
    expect(await removeEditor({ directory: pool }, 'bob@example.org')).toEqual({ removed: false, email: 'bob@example.org' });
    expect(pool.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(pool.users.size).toBe(1);
  });

  it('refuses a malformed address to remove, naming it', async () => {
    await expect(removeEditor({ directory: new FakePool() }, 'not an address')).rejects.toThrow(/invalid email address "not an address"/);
  });
});

it('without --stack the CLI says editors are managed on AWS only for now, and exits 1 (mistake: a crash with a stack trace, or a silent no-op)', async () => {
  const run = promisify(execFile);
  const failed = await run(join('node_modules', '.bin', 'tsx'), ['bin/cli.ts', 'editors', 'list'], { timeout: 120_000 }).then(
    () => undefined,
    (e: { code: number; stderr: string; stdout: string }) => e,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stderr.trim()).toBe(LOCAL_NOTE);
  expect(failed?.stderr).not.toMatch(/at .*\.ts:\d+/);
});
