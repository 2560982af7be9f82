/**
 * The Cognito adapter of the editors' directory (lambdas/adapters/cognito-editors.ts) through the
 * real SDK client, with the user pools API answered in this process (no network, no Cognito
 * emulator exists): the JSON requests the SDK builds are read here, and Cognito's error types
 * come back as Cognito sends them. It checks what the adapter makes of the answers: an unknown
 * user, an existing one, the role by group, a role change leaving one role group.
 */
import { Readable } from 'node:stream';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { editorDirectory } from '../../lambdas/adapters/cognito-editors';

type Body = Record<string, unknown>;

/** A user pool keyed by email (the pool signs in by email; Cognito's own username is a sub). */
class WirePool {
  readonly users = new Map<string, { sub: string; groups: Set<string>; status: string }>();
  readonly actions: string[] = [];
  private next = 1;

  client(): CognitoIdentityProviderClient {
    const handle = (request: { headers: Record<string, string>; body?: unknown }) => {
      const action = String(request.headers['x-amz-target']).split('.')[1];
      const raw = request.body;
      const input = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array)) as Body;
      this.actions.push(`${action}${typeof input.MessageAction === 'string' ? `:${input.MessageAction}` : ''}`);
      const [status, body] = this.answer(action, input);
      return Promise.resolve({
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      });
    };
    return new CognitoIdentityProviderClient({
      region: 'eu-west-1',
      endpoint: 'http://cognito.invalid',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      requestHandler: { handle } as never,
    });
  }

  private answer(action: string, input: Body): [number, Body] {
    const user = this.users.get(String(input.Username));
    const missing: [number, Body] = [400, { __type: 'UserNotFoundException', message: 'User does not exist.' }];
    const userType = (email: string, u: { sub: string; status: string }) => ({
      Username: u.sub,
      Attributes: [{ Name: 'email', Value: email }],
      UserStatus: u.status,
      Enabled: true,
      UserCreateDate: 1_765_000_000,
    });
    switch (action) {
      case 'AdminGetUser':
        if (!user) return missing;
        return [
          200,
          { Username: user.sub, UserAttributes: [{ Name: 'email', Value: input.Username }], UserStatus: user.status, Enabled: true },
        ];
      case 'AdminListGroupsForUser':
        if (!user) return missing;
        // Cognito lists groups by precedence: owner (0), editor (1), viewer (2).
        return [200, { Groups: ['owner', 'editor', 'viewer'].filter((g) => user.groups.has(g)).map((g) => ({ GroupName: g })) }];
      case 'AdminCreateUser':
        if (input.MessageAction === 'RESEND') return user ? [200, {}] : missing;
        if (user) return [400, { __type: 'UsernameExistsException', message: 'An account with the given email already exists.' }];
        this.users.set(String(input.Username), { sub: `sub-${this.next++}`, groups: new Set(), status: 'FORCE_CHANGE_PASSWORD' });
        return [200, {}];
      case 'AdminAddUserToGroup':
        if (!user) return missing;
        user.groups.add(String(input.GroupName));
        return [200, {}];
      case 'AdminRemoveUserFromGroup':
        if (!user) return missing;
        user.groups.delete(String(input.GroupName));
        return [200, {}];
      case 'AdminDeleteUser':
        if (!user) return missing;
        this.users.delete(String(input.Username));
        return [200, {}];
      case 'ListUsersInGroup':
        return [200, { Users: [...this.users].filter(([, u]) => u.groups.has(String(input.GroupName))).map(([e, u]) => userType(e, u)) }];
      case 'ListUsers':
        return [200, { Users: [...this.users].map(([e, u]) => userType(e, u)) }];
      default:
        return [400, { __type: 'InvalidParameterException', message: `unexpected ${action}` }];
    }
  }
}

describe('CognitoEditorDirectory', () => {
  it('reads an unknown address as no editor (mistake: UserNotFoundException thrown through)', async () => {
    const pool = new WirePool();
    const dir = editorDirectory('eu-west-1_pool', pool.client());
    expect(await dir.get('ann@example.org')).toBeUndefined();
    expect(await dir.remove('ann@example.org')).toBe(false);
  });

  it('invites once: a second create answers "exists" (mistake: UsernameExistsException thrown, or a second account)', async () => {
    const pool = new WirePool();
    const dir = editorDirectory('eu-west-1_pool', pool.client());
    expect(await dir.invite('ann@example.org')).toBe('invited');
    expect(await dir.invite('ann@example.org')).toBe('exists');
    expect(pool.users.size).toBe(1);
    expect(await dir.invite('ann@example.org', { resend: true })).toBe('invited');
    expect(pool.actions.filter((a) => a.startsWith('AdminCreateUser'))).toEqual([
      'AdminCreateUser',
      'AdminCreateUser',
      'AdminCreateUser:RESEND',
    ]);
  });

  it('reads the role from the groups, and a role change leaves the editor in the new role group only', async () => {
    const pool = new WirePool();
    const dir = editorDirectory('eu-west-1_pool', pool.client());
    await dir.invite('ann@example.org');
    await dir.setRole('ann@example.org', 'viewer');
    expect(await dir.get('ann@example.org')).toMatchObject({ email: 'ann@example.org', role: 'viewer', status: 'FORCE_CHANGE_PASSWORD' });
    await dir.setRole('ann@example.org', 'owner', 'viewer');
    expect([...pool.users.get('ann@example.org')!.groups]).toEqual(['owner']);
    expect((await dir.get('ann@example.org'))?.role).toBe('owner');
  });

  it("lists editors by their email with their role, though Cognito's usernames are subs (mistake: matching roles by address)", async () => {
    const pool = new WirePool();
    const dir = editorDirectory('eu-west-1_pool', pool.client());
    for (const [email, role] of [
      ['ann@example.org', 'owner'],
      ['bob@example.org', 'editor'],
    ] as const) {
      await dir.invite(email);
      await dir.setRole(email, role);
    }
    await dir.invite('cy@example.org');
    const listed = (await dir.list()).map((e) => `${e.email} ${e.role ?? '-'}`).sort();
    expect(listed).toEqual(['ann@example.org owner', 'bob@example.org editor', 'cy@example.org -']);
  });

  it('removes an editor', async () => {
    const pool = new WirePool();
    const dir = editorDirectory('eu-west-1_pool', pool.client());
    await dir.invite('ann@example.org');
    expect(await dir.remove('ann@example.org')).toBe(true);
    expect(await dir.get('ann@example.org')).toBeUndefined();
  });
});
